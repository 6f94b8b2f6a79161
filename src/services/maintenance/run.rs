//! A maintenance run of several steps (a recovery, a defragmentation of several members), with
//! its progress sent line by line as it goes.
//!
//! The run is its own task, so a step under way ends properly and is audited even if whoever
//! started it goes away; before each step it checks that they are still there, so closing the
//! page or the connection stops it between members.

use super::runs::Shared;
use crate::domain::access::Operation;
use crate::domain::limits::human_bytes;
use crate::domain::maintenance::{defragment_order, Progress, RunLine, RunReport, Step, StepState};
use crate::domain::members::MemberNow;
use crate::domain::{lease::Expiry, AppError, Key, PutCondition};
use crate::services::audit::WriteAttempt;
use crate::services::caller::Caller;
use futures::Stream;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;

/// The key a recovery writes, and deletes again, to see that etcd takes writes. It is written
/// only if absent, on a lease of a minute, so it never replaces a key and never stays.
const TEST_KEY: &str = "etcd-deck/recovery-test-write";

/// A run's lines, as they come, for whoever started it and follows it (a REST call): when they
/// go away, the run stops before its next step.
pub struct Run(mpsc::Receiver<RunLine>);

impl Run {
    /// Starts `steps` as `operation` of `caller`'s, if no other maintenance runs. Followed: the
    /// caller reads its lines, and leaving stops it. Not followed: it runs to its end (or to a
    /// stop asked for) and is read from [`Runs::last`].
    pub(super) fn start<F, Fut>(
        caller: &Caller,
        operation: Operation,
        followed: bool,
        steps: F,
    ) -> Result<Run, AppError>
    where
        F: FnOnce(Arc<Runner>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), Stop>> + Send,
    {
        let shared = caller.runs.begin(operation, caller.name())?;
        let (lines, receiver) = mpsc::channel(16);
        let runner = Arc::new(Runner {
            caller: caller.clone(),
            lines,
            followed,
            shared,
            freed: AtomicU64::new(0),
        });
        tokio::spawn(async move {
            let started = Instant::now();
            let outcome = steps(runner.clone()).await;
            runner.finish(operation, outcome, started).await;
        });
        Ok(Run(receiver))
    }

    /// The lines: each step's progress, then the report.
    pub fn into_stream(self) -> impl Stream<Item = RunLine> + Send {
        let lines = futures::stream::unfold(self.0, |mut lines| async move {
            lines.recv().await.map(|line| (line, lines))
        });
        // Ended for good: a body may be polled once more after its end.
        futures::StreamExt::fuse(lines)
    }
}

/// Why a run ended before its last step.
pub(super) enum Stop {
    /// A step was refused or failed; the run says why in its last progress line.
    Failed(AppError),
    /// Whoever started it went away.
    Gone,
    /// Someone asked it to stop.
    Asked,
}

/// The state of a run, shared by its steps.
pub(super) struct Runner {
    caller: Caller,
    lines: mpsc::Sender<RunLine>,
    /// Whether whoever started it reads its lines, and leaving stops it.
    followed: bool,
    shared: Arc<Shared>,
    /// Bytes defragmentation gave back so far.
    freed: AtomicU64,
}

impl Runner {
    /// Records a line and passes it on.
    async fn send(&self, progress: Progress) -> Result<(), Stop> {
        let line = RunLine::Progress(progress);
        self.shared.record().lines.push(line.clone());
        match self.lines.send(line).await {
            Err(_) if self.followed => Err(Stop::Gone),
            _ => Ok(()),
        }
    }

    /// Whether to stop before the next step: asked to, or left by whoever follows it.
    fn stopped(&self) -> Option<Stop> {
        if self.shared.stop.load(Ordering::Relaxed) {
            return Some(Stop::Asked);
        }
        (self.followed && self.lines.is_closed()).then_some(Stop::Gone)
    }

    /// Says that `step` failed, and why; the run stops.
    async fn failed(&self, progress: Progress, err: AppError) -> Stop {
        let progress = Progress {
            message: err.to_string(),
            ..progress
        };
        match self.send(progress).await {
            Ok(()) => Stop::Failed(err),
            Err(gone) => gone,
        }
    }

    /// Every member, when every member is healthy; the run stops otherwise.
    async fn healthy(&self) -> Result<Vec<MemberNow>, Stop> {
        if let Some(stop) = self.stopped() {
            return Err(stop);
        }
        let check = Progress::new(Step::Check, StepState::Failed, "");
        let members = match self.caller.etcd.members_now().await {
            Ok(members) => members,
            Err(err) => return Err(self.failed(check, err).await),
        };
        if let Some(why) = members.iter().find_map(MemberNow::unhealthy) {
            let message = format!("{why}: stopped before the next step, to keep the quorum");
            return Err(self.failed(check, AppError::Unsafe { message }).await);
        }
        Ok(members)
    }

    /// Compacts the history up to `revision`, unless it is compacted that far already.
    pub async fn compact(&self, revision: i64) -> Result<(), Stop> {
        let members = self.healthy().await?;
        let compacted = members.iter().filter_map(|m| m.compact_revision).max();
        if let Some(compacted) = compacted.filter(|c| *c >= revision) {
            let message = format!("the history is compacted to revision {compacted} already");
            return self
                .send(Progress::new(Step::Compact, StepState::Skipped, message))
                .await;
        }
        let message = format!(
            "compacting the history to revision {revision}: every older version of every key \
             is dropped"
        );
        self.send(Progress::new(Step::Compact, StepState::Started, message))
            .await?;
        let started = Instant::now();
        let compacted = super::compact_through(&self.caller, &members, revision).await;
        let done = Progress {
            millis: Some(millis(started)),
            ..Progress::new(Step::Compact, StepState::Done, "")
        };
        match compacted {
            Ok(()) => {
                let message = format!("compacted the history to revision {revision}");
                self.send(Progress { message, ..done }).await
            }
            Err(err) => Err(self.failed(done, err).await),
        }
    }

    /// Defragments the members with the ids `only` (every member when `None`), one at a time:
    /// followers first, the leader last, learners skipped, and each only while every member is
    /// healthy.
    pub async fn defragment_all(&self, only: Option<&[String]>) -> Result<(), Stop> {
        let chosen = |member: &MemberNow| only.is_none_or(|ids| ids.contains(&member.id));
        let members = self.healthy().await?;
        let (order, learners) = defragment_order(&members);
        for learner in learners.into_iter().filter(|m| chosen(m)) {
            let message = "a learner: etcd refuses to defragment it";
            let skipped = Progress::new(Step::Defragment, StepState::Skipped, message);
            self.send(skipped.member(learner)).await?;
        }
        let mut left: Vec<String> = order
            .into_iter()
            .filter(|m| chosen(m))
            .map(|m| m.id.clone())
            .collect();
        // The order is taken again from the members as they are before each one: a leader
        // elected meanwhile still goes last.
        while !left.is_empty() {
            let members = self.healthy().await?;
            let (order, _) = defragment_order(&members);
            let next = order.into_iter().find(|m| left.contains(&m.id));
            let Some(member) = next else {
                let message = format!("no longer members: {}", left.join(", "));
                let skipped = Progress::new(Step::Defragment, StepState::Skipped, message);
                return self.send(skipped).await;
            };
            left.retain(|id| *id != member.id);
            self.defragment(member).await?;
        }
        Ok(())
    }

    async fn defragment(&self, member: &MemberNow) -> Result<(), Stop> {
        let before = member.db_size;
        let message = format!(
            "defragmenting member {} ({}); it answers nothing until done",
            member.label(),
            human_bytes(before.unwrap_or_default())
        );
        let started = Progress {
            before,
            ..Progress::new(Step::Defragment, StepState::Started, message).member(member)
        };
        self.send(started.clone()).await?;
        let clock = Instant::now();
        let defragmented = self.caller.etcd.defragment(member).await;
        let attempt = WriteAttempt {
            member: Some(member.label().to_string()),
            ..WriteAttempt::of(Operation::Defragment)
        };
        self.caller
            .audit(&attempt, defragmented.as_ref().map(|()| None));
        let done = Progress {
            state: StepState::Done,
            millis: Some(millis(clock)),
            ..started
        };
        if let Err(err) = defragmented {
            return Err(self.failed(done, err).await);
        }
        let after = self.size_of(&member.id).await;
        let freed = before.zip(after).map(|(b, a)| b.saturating_sub(a));
        self.freed
            .fetch_add(freed.unwrap_or_default(), Ordering::Relaxed);
        let message = match (before, after) {
            (Some(before), Some(after)) => format!(
                "defragmented member {}: {} → {}",
                member.label(),
                human_bytes(before),
                human_bytes(after)
            ),
            _ => format!("defragmented member {}", member.label()),
        };
        self.send(Progress {
            after,
            message,
            ..done
        })
        .await
    }

    /// The database size of the member with the id `id`, read now.
    async fn size_of(&self, id: &str) -> Option<u64> {
        let members = self.caller.etcd.members_now().await.ok()?;
        members.into_iter().find(|m| m.id == id)?.db_size
    }

    /// Disarms every NOSPACE alarm whose member is under its quota by a margin; stops at the
    /// first that is not.
    pub async fn disarm_all(&self) -> Result<(), Stop> {
        let members = self.healthy().await?;
        let full: Vec<&MemberNow> = members
            .iter()
            .filter(|m| m.alarms.iter().any(|alarm| alarm == "NOSPACE"))
            .collect();
        if full.is_empty() {
            let message = "no member has the NOSPACE alarm";
            return self
                .send(Progress::new(Step::Disarm, StepState::Skipped, message))
                .await;
        }
        for member in full {
            let disarmed = super::disarm_checked(&self.caller, &members, member, "NOSPACE").await;
            let progress = Progress::new(Step::Disarm, StepState::Done, "").member(member);
            if let Err(err) = disarmed {
                let progress = Progress {
                    state: StepState::Failed,
                    ..progress
                };
                return Err(self.failed(progress, err).await);
            }
            let message = format!(
                "disarmed the NOSPACE alarm of member {} ({}% of its quota)",
                member.label(),
                member.used_percent().unwrap_or_default()
            );
            self.send(Progress {
                message,
                ..progress
            })
            .await?;
        }
        Ok(())
    }

    /// Writes a key that did not exist and deletes it again: etcd takes writes.
    pub async fn test_write(&self) -> Result<(), Stop> {
        if let Some(stop) = self.stopped() {
            return Err(stop);
        }
        let key = Key::new(TEST_KEY);
        let clock = Instant::now();
        let etcd = &self.caller.etcd;
        let written = async {
            let value = b"written by etcd-deck's recovery; deleted at once".to_vec();
            etcd.put(&key, value, PutCondition::Absent, Expiry::NewLease(60))
                .await?;
            etcd.delete(&key).await.map(|_| ())
        }
        .await;
        let progress = Progress {
            millis: Some(millis(clock)),
            ..Progress::new(Step::TestWrite, StepState::Done, "")
        };
        match written {
            Ok(()) => {
                let message = format!("wrote and deleted {TEST_KEY}: etcd takes writes again");
                self.send(Progress {
                    message,
                    ..progress
                })
                .await
            }
            Err(err) => {
                let progress = Progress {
                    state: StepState::Failed,
                    ..progress
                };
                Err(self.failed(progress, err).await)
            }
        }
    }

    /// Audits the run as a whole and sends its report.
    async fn finish(&self, operation: Operation, outcome: Result<(), Stop>, started: Instant) {
        let freed = self.freed.load(Ordering::Relaxed);
        let (ok, message, err) = match outcome {
            Ok(()) => (
                true,
                format!("done; {} given back", human_bytes(freed)),
                None,
            ),
            Err(Stop::Failed(err)) => (false, format!("stopped: {err}"), Some(err)),
            Err(stop @ (Stop::Gone | Stop::Asked)) => {
                let message = match stop {
                    Stop::Gone => "stopped between steps: whoever started it went away",
                    _ => "stopped between steps, as asked",
                };
                let err = AppError::internal(message);
                (false, message.to_string(), Some(err))
            }
        };
        let attempt = WriteAttempt::of(operation);
        self.caller
            .audit(&attempt, err.as_ref().map_or(Ok(None), Err));
        let report = RunReport {
            ok,
            freed,
            millis: millis(started),
            message,
        };
        let line = RunLine::Report(report);
        self.shared.record().lines.push(line.clone());
        let _ = self.lines.send(line).await;
    }
}

fn millis(since: Instant) -> u64 {
    since.elapsed().as_millis() as u64
}
