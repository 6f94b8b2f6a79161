//! A client of Prometheus' HTTP query API, for charts of a cluster drawn from the Prometheus
//! that already scrapes it (`--prometheus-url`) instead of from etcd-deck's own samples.
//!
//! Only the read-only calls the charts and alerts need: a range query, an instant query, and the
//! active targets (their scrape intervals and last errors). Their answers are metric values of
//! the user's cluster, so nothing here logs them. Every request is bounded
//! in time and in size: a slow or huge answer must not hold a page or exhaust the server.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// How long one query may take, sending to the last byte of the answer. Prometheus is told the
/// same, so it stops evaluating a query nobody waits for any more.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest answer read: a few series over a day at a one-second step fit many times over,
/// a mistaken query over every series of a big Prometheus does not.
const MAX_ANSWER_BYTES: usize = 32 * 1024 * 1024;

pub use crate::domain::metrics::prometheus::RangeSeries;

/// One target Prometheus scrapes: its labels, how often, and why its last scrape failed.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub labels: BTreeMap<String, String>,
    /// Absent before Prometheus 2.36, which does not say.
    pub scrape_interval: Option<Duration>,
    /// Empty when the last scrape succeeded.
    pub last_error: String,
}

/// A Prometheus server, reached over HTTP(S) with the caller's client (and its TLS settings).
#[derive(Clone, Debug)]
pub struct Prometheus {
    /// The base URL, ending in `/` so that a path prefix (`--web.route-prefix`) is kept.
    base: reqwest::Url,
    /// The base URL as errors show it: without a user name or password.
    shown: String,
    client: reqwest::Client,
}

/// Why a query has no answer, said once here; callers get the words.
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error("Prometheus at {url} did not answer: {why}")]
    Unanswered { url: String, why: String },
    #[error("Prometheus at {url} did not answer within {seconds} s", seconds = REQUEST_TIMEOUT.as_secs())]
    TimedOut { url: String },
    #[error("Prometheus' answer is larger than {mib} MiB: ask for fewer series, a shorter range or a longer step", mib = MAX_ANSWER_BYTES >> 20)]
    TooLarge,
    /// The body is not Prometheus' JSON; which server said it is added by [`Failure::Foreign`].
    #[error("the answer is not Prometheus' JSON: {0}")]
    NotJson(String),
    #[error("Prometheus at {url} answered {status}, not with Prometheus' JSON: {why}")]
    Foreign {
        url: String,
        status: reqwest::StatusCode,
        why: String,
    },
    #[error("Prometheus refused the query: {0}")]
    Refused(String),
    #[error("Prometheus could not run the query ({kind}): {error}")]
    Failed { kind: String, error: String },
    #[error("Prometheus answered {0}")]
    Unusable(String),
}

impl Prometheus {
    /// A client of the Prometheus at `base_url` (`http://host:9090`, maybe with a path prefix).
    /// Nothing is sent yet: Prometheus may be down now and come later.
    pub fn new(base_url: &str, client: reqwest::Client) -> Result<Self, String> {
        let mut base = reqwest::Url::parse(base_url.trim())
            .map_err(|err| format!("the Prometheus URL '{base_url}' is not a URL: {err}"))?;
        if !matches!(base.scheme(), "http" | "https") || !base.has_host() {
            return Err(format!(
                "the Prometheus URL '{base_url}' must be an http:// or https:// URL with a host"
            ));
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(format!(
                "the Prometheus URL '{base_url}' must not have a query or a fragment"
            ));
        }
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let mut shown = base.clone();
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        let shown = shown.as_str().trim_end_matches('/').to_string();
        Ok(Prometheus {
            base,
            shown,
            client,
        })
    }

    /// Its URL as errors and pages show it: without a user name or password.
    pub fn url(&self) -> &str {
        &self.shown
    }

    /// Evaluates `query` at every `step` from `start_secs` to `end_secs` (unix seconds).
    pub async fn query_range(
        &self,
        query: &str,
        start_secs: f64,
        end_secs: f64,
        step: Duration,
    ) -> Result<Vec<RangeSeries>, String> {
        if step.is_zero() {
            return Err("a range query needs a step longer than zero".to_string());
        }
        let params = [
            ("query", query.to_string()),
            ("start", start_secs.to_string()),
            ("end", end_secs.to_string()),
            ("step", step.as_secs_f64().to_string()),
        ];
        self.ask("api/v1/query_range", &params, parse).await
    }

    /// Evaluates `query` now: each series has one point.
    pub async fn query(&self, query: &str) -> Result<Vec<RangeSeries>, String> {
        let params = [("query", query.to_string())];
        self.ask("api/v1/query", &params, parse).await
    }

    /// The targets Prometheus scrapes now.
    pub async fn targets(&self) -> Result<Vec<Target>, String> {
        let params = [("state", "active".to_string())];
        self.ask("api/v1/targets", &params, parse_targets).await
    }

    /// Sends one request to `path` and reads its answer with `parse`, all within
    /// [`REQUEST_TIMEOUT`].
    async fn ask<T>(
        &self,
        path: &str,
        params: &[(&str, String)],
        parse: fn(&[u8]) -> Result<T, Failure>,
    ) -> Result<T, String> {
        let url = self.base.join(path).map_err(|err| err.to_string())?;
        let timeout = format!("{}s", REQUEST_TIMEOUT.as_secs());
        let request = (self.client.get(url).query(params))
            .query(&[("timeout", timeout)])
            .timeout(REQUEST_TIMEOUT);
        let answer = async {
            let response = request.send().await.map_err(|err| self.unanswered(err))?;
            let status = response.status();
            let body = self.read_capped(response).await?;
            parse(&body).map_err(|failure| match failure {
                Failure::NotJson(why) => Failure::Foreign {
                    url: self.shown.clone(),
                    status,
                    why,
                },
                failure => failure,
            })
        };
        let timed_out = Failure::TimedOut {
            url: self.shown.clone(),
        };
        let answer = tokio::time::timeout(REQUEST_TIMEOUT, answer).await;
        answer
            .unwrap_or(Err(timed_out))
            .map_err(|failure| failure.to_string())
    }

    /// Reads a whole answer of at most [`MAX_ANSWER_BYTES`].
    async fn read_capped(&self, mut response: reqwest::Response) -> Result<Vec<u8>, Failure> {
        if response.content_length().unwrap_or_default() > MAX_ANSWER_BYTES as u64 {
            return Err(Failure::TooLarge);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.unanswered(e))? {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(Failure::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// Says why Prometheus did not answer, with the causes reqwest keeps behind its own words
    /// (a refused connection, an untrusted certificate), and never the URL's credentials.
    fn unanswered(&self, err: reqwest::Error) -> Failure {
        let url = self.shown.clone();
        if err.is_timeout() {
            return Failure::TimedOut { url };
        }
        let err = err.without_url();
        let mut why = err.to_string();
        let mut cause = std::error::Error::source(&err);
        while let Some(err) = cause {
            why.push_str(&format!(": {err}"));
            cause = err.source();
        }
        Failure::Unanswered { url, why }
    }
}

/// Prometheus' answer to a query, successful or not.
#[derive(Deserialize)]
struct Answer {
    status: String,
    data: Option<Data>,
    #[serde(rename = "errorType")]
    error_type: Option<String>,
    error: Option<String>,
}

/// The result of a query, by its type: a range query's is a matrix, an instant query's a
/// vector or a scalar.
#[derive(Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
enum Data {
    Matrix(Vec<Series>),
    Vector(Vec<Sample>),
    Scalar(Point),
    /// Words, which no chart draws.
    String(serde::de::IgnoredAny),
}

/// A point as Prometheus writes it: unix seconds, and the value as a string (`"NaN"`, `"+Inf"`).
type Point = (f64, String);

#[derive(Deserialize)]
struct Series {
    metric: BTreeMap<String, String>,
    /// Absent from a series of native histograms only, which charts do not draw.
    #[serde(default)]
    values: Vec<Point>,
}

#[derive(Deserialize)]
struct Sample {
    metric: BTreeMap<String, String>,
    value: Option<Point>,
}

/// The series in an answer of Prometheus, or why it has none.
fn parse(body: &[u8]) -> Result<Vec<RangeSeries>, Failure> {
    let answer: Answer =
        serde_json::from_slice(body).map_err(|err| Failure::NotJson(err.to_string()))?;
    if answer.status != "success" {
        let error = answer
            .error
            .unwrap_or_else(|| "no reason given".to_string());
        return Err(match answer.error_type {
            Some(kind) if kind != "bad_data" => Failure::Failed { kind, error },
            _ => Failure::Refused(error),
        });
    }
    let no_data = || Failure::Unusable("success without data".to_string());
    match answer.data.ok_or_else(no_data)? {
        Data::Matrix(series) => (series.into_iter())
            .map(|series| range_series(series.metric, series.values))
            .collect(),
        Data::Vector(samples) => (samples.into_iter())
            .map(|sample| range_series(sample.metric, sample.value))
            .collect(),
        Data::Scalar(point) => Ok(vec![range_series(BTreeMap::new(), Some(point))?]),
        Data::String(_) => Err(Failure::Unusable("a string, not numbers".to_string())),
    }
}

/// Prometheus' answer about its targets.
#[derive(Deserialize)]
struct TargetsAnswer {
    status: String,
    data: Option<TargetsData>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct TargetsData {
    #[serde(rename = "activeTargets", default)]
    active: Vec<ActiveTarget>,
}

#[derive(Deserialize)]
struct ActiveTarget {
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(rename = "scrapeInterval")]
    scrape_interval: Option<String>,
    #[serde(rename = "lastError", default)]
    last_error: String,
}

/// The targets in an answer of Prometheus; an interval it writes in a way not understood is
/// left unknown.
fn parse_targets(body: &[u8]) -> Result<Vec<Target>, Failure> {
    let answer: TargetsAnswer =
        serde_json::from_slice(body).map_err(|err| Failure::NotJson(err.to_string()))?;
    if answer.status != "success" {
        let error = answer.error.unwrap_or_else(|| "no reason given".into());
        return Err(Failure::Refused(error));
    }
    let data = answer
        .data
        .ok_or_else(|| Failure::Unusable("success without data".into()))?;
    let targets = data.active.into_iter().map(|target| Target {
        labels: target.labels,
        scrape_interval: (target.scrape_interval)
            .and_then(|interval| humantime::parse_duration(&interval).ok()),
        last_error: target.last_error,
    });
    Ok(targets.collect())
}

/// A series of numbers; Prometheus writes the special ones `NaN`, `+Inf` and `-Inf`.
fn range_series(
    labels: BTreeMap<String, String>,
    points: impl IntoIterator<Item = Point>,
) -> Result<RangeSeries, Failure> {
    let number = |(at, value): Point| match value.parse::<f64>() {
        Ok(number) => Ok((at, number)),
        Err(_) => Err(Failure::Unusable(format!(
            "'{value}', which is not a number"
        ))),
    };
    let points = points.into_iter().map(number).collect::<Result<_, _>>()?;
    Ok(RangeSeries { labels, points })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(json: &str) -> Result<Vec<RangeSeries>, String> {
        parse(json.as_bytes()).map_err(|failure| failure.to_string())
    }

    #[test]
    fn a_matrix_gives_each_series_its_labels_and_numbers() {
        let series = parsed(
            r#"{"status":"success","data":{"resultType":"matrix","result":[
              {"metric":{"__name__":"up","instance":"a:1"},"values":[[1700000000,"1"],[1700000001.5,"0.25"]]},
              {"metric":{"instance":"b:2"},"values":[[1700000000,"NaN"],[1700000001,"+Inf"],[1700000002,"-Inf"]]}
            ]}}"#,
        )
        .unwrap();
        assert_eq!(series.len(), 2);
        assert_eq!(series[0].labels["instance"], "a:1");
        assert_eq!(series[0].labels["__name__"], "up");
        assert_eq!(
            series[0].points,
            vec![(1.7e9, 1.0), (1_700_000_001.5, 0.25)]
        );
        let special = &series[1].points;
        assert!(special[0].1.is_nan());
        assert_eq!(special[1].1, f64::INFINITY);
        assert_eq!(special[2].1, f64::NEG_INFINITY);
    }

    #[test]
    fn an_instant_vector_or_scalar_gives_one_point_per_series() {
        let vector = parsed(
            r#"{"status":"success","data":{"resultType":"vector","result":[
              {"metric":{"job":"etcd"},"value":[1700000000.25,"3"]}]}}"#,
        )
        .unwrap();
        assert_eq!(vector[0].labels["job"], "etcd");
        assert_eq!(vector[0].points, vec![(1_700_000_000.25, 3.0)]);
        let scalar =
            parsed(r#"{"status":"success","data":{"resultType":"scalar","result":[5,"2.5e3"]}}"#)
                .unwrap();
        assert_eq!(scalar[0].points, vec![(5.0, 2500.0)]);
        assert!(scalar[0].labels.is_empty());
    }

    #[test]
    fn an_empty_result_is_no_series() {
        let json = r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#;
        assert_eq!(parsed(json).unwrap(), vec![]);
    }

    #[test]
    fn prometheus_refusal_is_told_in_its_own_words() {
        let bad = r#"{"status":"error","errorType":"bad_data","error":"1:6: parse error: unclosed left parenthesis"}"#;
        assert_eq!(
            parsed(bad).unwrap_err(),
            "Prometheus refused the query: 1:6: parse error: unclosed left parenthesis"
        );
        let slow = r#"{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}"#;
        assert_eq!(
            parsed(slow).unwrap_err(),
            "Prometheus could not run the query (timeout): query timed out in expression evaluation"
        );
    }

    #[test]
    fn an_answer_that_is_not_prometheus_is_an_error() {
        assert!(parsed("<html>502 Bad Gateway</html>")
            .unwrap_err()
            .starts_with("the answer is not Prometheus' JSON"));
        let word = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"many"]}]}}"#;
        assert_eq!(
            parsed(word).unwrap_err(),
            "Prometheus answered 'many', which is not a number"
        );
        let string = r#"{"status":"success","data":{"resultType":"string","result":[1,"x"]}}"#;
        assert!(parsed(string)
            .unwrap_err()
            .contains("a string, not numbers"));
    }

    #[test]
    fn targets_say_their_scrape_interval_and_last_error() {
        let json = r#"{"status":"success","data":{"activeTargets":[
          {"labels":{"instance":"127.0.0.1:2379","job":"etcd"},"scrapeInterval":"15s","lastError":"","health":"up"},
          {"labels":{"instance":"127.0.0.1:22379","job":"etcd"},"scrapeInterval":"1m30s","lastError":"connection refused","health":"down"},
          {"labels":{"instance":"old:1"},"lastError":""}],"droppedTargets":[]}}"#;
        let targets = parse_targets(json.as_bytes())
            .map_err(|f| f.to_string())
            .unwrap();
        assert_eq!(targets.len(), 3);
        assert_eq!(targets[0].labels["instance"], "127.0.0.1:2379");
        assert_eq!(targets[0].scrape_interval, Some(Duration::from_secs(15)));
        assert_eq!(targets[1].scrape_interval, Some(Duration::from_secs(90)));
        assert_eq!(targets[1].last_error, "connection refused");
        assert_eq!(targets[2].scrape_interval, None);
    }

    #[test]
    fn only_http_urls_are_taken_and_their_credentials_are_never_shown() {
        let client = reqwest::Client::new();
        assert!(Prometheus::new("localhost:9090", client.clone()).is_err());
        assert!(Prometheus::new("ftp://host/", client.clone()).is_err());
        assert!(Prometheus::new("http://host:9090/?x=1", client.clone()).is_err());
        let prometheus = Prometheus::new("https://u:secret@host:9090/prom", client).unwrap();
        assert_eq!(prometheus.shown, "https://host:9090/prom");
        let url = prometheus.base.join("api/v1/query").unwrap();
        assert_eq!(url.path(), "/prom/api/v1/query");
    }
}
