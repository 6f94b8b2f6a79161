//! Running a request on one endpoint after another, within one deadline, and waiting out a
//! leader election.

use super::{human, Endpoint, Needs, Pool, Retry, UserClients};
use crate::domain::AppError;
use crate::etcd::calls::Reply;
use crate::etcd::error::{classify, with_tls_hint, Failure, Refusal};
use crate::etcd::tls::is_https;
use etcd_client::Client;
use std::future::Future;
use std::time::{Duration, Instant};

impl Pool {
    /// Runs `request` against one endpoint after another until one answers, within one overall
    /// request timeout. Returns the answer and the endpoint that gave it. The request is counted
    /// in [`Pool::calls`] once, however many endpoints it was tried on.
    pub async fn run<'a, T, F, Fut>(
        &'a self,
        retry: Retry,
        user: Option<&'a UserClients>,
        request: F,
    ) -> Result<(T, &'a Endpoint), Refusal>
    where
        T: Reply,
        F: Fn(&'a Client) -> Fut,
        Fut: Future<Output = Result<T, etcd_client::Error>>,
    {
        let started = Instant::now();
        let answer = self.run_on_endpoints(retry, user, request).await;
        self.calls.ran::<T, _>(started, &answer);
        answer
    }

    async fn run_on_endpoints<'a, T, F, Fut>(
        &'a self,
        retry: Retry,
        user: Option<&'a UserClients>,
        request: F,
    ) -> Result<(T, &'a Endpoint), Refusal>
    where
        F: Fn(&'a Client) -> Fut,
        Fut: Future<Output = Result<T, etcd_client::Error>>,
    {
        let deadline = Instant::now() + self.timeout;
        let mut pause = ELECTION_PAUSE;
        loop {
            let tried = match self.try_each(deadline, &retry, user, &request).await {
                Round::Done(answer) => return answer,
                Round::Failed(tried) => tried,
            };
            // "No leader" is what members answer while they elect one, which takes about a
            // second after a leader is lost: nothing was applied, so the request waits the
            // election out, within its deadline, rather than fail during it. When most endpoints
            // refuse connections, no election is coming, and it fails at once.
            let remaining = deadline.saturating_duration_since(Instant::now());
            let electing = tried.no_leader && tried.refused * 2 < self.urls.len();
            if !electing || remaining <= pause {
                return Err(Refusal::Told(self.unavailable(tried)));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(MAX_ELECTION_PAUSE);
        }
    }

    /// One try of `request` on each endpoint in turn, until one answers.
    async fn try_each<'a, T, F, Fut>(
        &'a self,
        deadline: Instant,
        retry: &Retry,
        user: Option<&'a UserClients>,
        request: &F,
    ) -> Round<'a, T>
    where
        F: Fn(&'a Client) -> Fut,
        Fut: Future<Output = Result<T, etcd_client::Error>>,
    {
        let candidates = self.order();
        let mut tried = Tried::default();
        for (i, endpoint) in candidates.iter().enumerate() {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                break;
            }
            // A read leaves time for another endpoint in case this one hangs.
            let last = i + 1 == candidates.len();
            let budget = match retry {
                Retry::Read if !last => remaining / 2,
                _ => remaining,
            };
            let attempt = async {
                let client = self.client_at(endpoint, user, Needs::Leader).await?;
                request(client).await
            };
            let failure = match tokio::time::timeout(budget, attempt).await {
                Ok(Ok(answer)) => return Round::Done(Ok((answer, endpoint))),
                Ok(Err(err)) => classify(err, &self.urls),
                Err(_) => Failure::Unanswered(format!("no answer within {}", human(budget))),
            };
            match failure {
                Failure::Answered(err) => return Round::Done(Err(err)),
                Failure::NotSent(reason) => {
                    let reason = with_tls_hint(is_https(&endpoint.url), reason);
                    endpoint.mark_down(reason.clone());
                    tried.not_sent = Some(reason);
                    tried.refused += 1;
                }
                Failure::NoLeader => tried.no_leader = true,
                Failure::Learner => tried.learners += 1,
                Failure::Unanswered(reason) => match retry {
                    Retry::Read => tried.unanswered = Some(reason),
                    Retry::Write { key } => {
                        return Round::Done(Err(Refusal::Told(AppError::OutcomeUnknown {
                            key: key.clone(),
                            reason: format!("{reason} from {}", endpoint.url),
                        })))
                    }
                },
            }
        }
        Round::Failed(tried)
    }

    /// The error for a request no endpoint answered.
    fn unavailable(&self, tried: Tried) -> AppError {
        if tried.no_leader {
            return AppError::NoQuorum {
                up: self.up_urls(),
                endpoints: self.urls.clone(),
            };
        }
        AppError::EtcdUnavailable {
            endpoints: self.urls.clone(),
            reason: tried.unanswered.unwrap_or_else(|| match tried.not_sent {
                None if tried.learners > 0 => "only learners answered, and a learner serves no \
                                               write or linearizable read until it is promoted"
                    .into(),
                Some(reason) => format!("could not connect to any member: {reason}"),
                None => "could not connect to any member".into(),
            }),
        }
    }
}

/// The first wait before trying again when every member answered "no leader", doubled on each
/// try up to [`MAX_ELECTION_PAUSE`].
const ELECTION_PAUSE: Duration = Duration::from_millis(50);
const MAX_ELECTION_PAUSE: Duration = Duration::from_millis(400);

/// How one try on each endpoint ended.
enum Round<'a, T> {
    /// An answer, or an error no other endpoint or later try could change.
    Done(Result<(T, &'a Endpoint), Refusal>),
    Failed(Tried),
}

/// What the endpoints of one round answered, when none served the request.
#[derive(Default)]
struct Tried {
    no_leader: bool,
    learners: usize,
    /// How many endpoints the request could not be sent to.
    refused: usize,
    unanswered: Option<String>,
    not_sent: Option<String>,
}
