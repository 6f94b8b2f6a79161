//! The one place where etcd's errors become [`AppError`]s.

use crate::error::AppError;
use tonic::Code;

/// Maps an error from etcd (or from reaching it) to what the user is told.
pub fn map_error(err: etcd_client::Error, endpoints: &[String]) -> AppError {
    let unavailable = |reason: String| AppError::EtcdUnavailable {
        endpoints: endpoints.to_vec(),
        reason,
    };
    match err {
        etcd_client::Error::GRpcStatus(status) => {
            let message = status.message().to_string();
            let code = status.code();
            if matches!(
                code,
                Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled
            ) || is_unavailable_message(&message)
            {
                unavailable(describe_unavailable(&message))
            } else if code == Code::InvalidArgument && message.contains("too large") {
                AppError::TooLarge { message }
            } else {
                AppError::Etcd { message }
            }
        }
        etcd_client::Error::TransportError(err) => unavailable(format!("transport error: {err}")),
        etcd_client::Error::IoError(err) => unavailable(format!("i/o error: {err}")),
        etcd_client::Error::InvalidArgs(message) => AppError::invalid(message),
        other => AppError::Etcd {
            message: other.to_string(),
        },
    }
}

/// The reason given when an etcd call did not finish within the request timeout.
pub fn timed_out(endpoints: &[String], timeout: std::time::Duration) -> AppError {
    AppError::EtcdUnavailable {
        endpoints: endpoints.to_vec(),
        reason: format!("no answer within {}", humantime::format_duration(timeout)),
    }
}

/// etcd messages that mean "the cluster cannot serve this now", whatever gRPC code they came with.
fn is_unavailable_message(message: &str) -> bool {
    [
        "no leader",
        "leader changed",
        "timed out",
        "Timeout expired",
        "transport error",
        "error trying to connect",
        "onnection refused",
    ]
    .iter()
    .any(|needle| message.contains(needle))
}

fn describe_unavailable(message: &str) -> String {
    if message.contains("no leader") {
        "no leader: the cluster has lost quorum or is electing one".to_string()
    } else if message.contains("transport error") || message.contains("onnect") {
        format!("could not connect ({message})")
    } else if message.contains("Timeout expired") || message.contains("timed out") {
        format!("timed out ({message})")
    } else {
        message.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Status;

    fn endpoints() -> Vec<String> {
        vec!["http://127.0.0.1:2379".into()]
    }

    fn map_status(status: Status) -> AppError {
        map_error(etcd_client::Error::GRpcStatus(status), &endpoints())
    }

    #[test]
    fn down_no_leader_and_timeouts_are_unavailable() {
        for status in [
            Status::unavailable("error trying to connect: tcp connect error: Connection refused"),
            Status::unavailable("etcdserver: no leader"),
            Status::cancelled("Timeout expired"),
            Status::deadline_exceeded("context deadline exceeded"),
            Status::unknown("etcdserver: request timed out"),
            Status::unknown("transport error"),
        ] {
            let err = map_status(status.clone());
            assert_eq!(err.status(), 503, "{status:?} gave {err:?}");
            let AppError::EtcdUnavailable {
                endpoints: tried, ..
            } = err
            else {
                unreachable!()
            };
            assert_eq!(tried, endpoints());
        }
    }

    #[test]
    fn no_leader_is_explained() {
        let err = map_status(Status::unavailable("etcdserver: no leader"));
        assert!(err.to_string().contains("lost quorum"), "{err}");
    }

    #[test]
    fn oversized_requests_are_too_large() {
        let err = map_status(Status::invalid_argument("etcdserver: request is too large"));
        assert_eq!(err.status(), 413);
    }

    #[test]
    fn other_etcd_errors_keep_etcds_message() {
        let err = map_status(Status::resource_exhausted(
            "etcdserver: mvcc: database space exceeded",
        ));
        assert_eq!(
            err,
            AppError::Etcd {
                message: "etcdserver: mvcc: database space exceeded".into()
            }
        );
        assert_eq!(err.status(), 502);
        let err = map_status(Status::unknown("etcdserver: something odd"));
        assert_eq!(err.status(), 502);
    }

    #[test]
    fn a_timeout_says_how_long_it_waited() {
        let err = timed_out(&endpoints(), std::time::Duration::from_secs(2));
        assert_eq!(err.status(), 503);
        assert!(err.to_string().contains("no answer within 2s"), "{err}");
    }
}
