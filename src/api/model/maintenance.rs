//! Maintenance: each member's state, the recovery plan and a run's progress lines are the
//! domain's own types; here are the requests and the plain answers.

use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
use utoipa::{IntoParams, ToSchema};

pub use crate::domain::maintenance::{
    Consistency, MemberHash, Progress, RecoveryPlan, RunLine, RunReport, Step, StepState,
};
pub use crate::domain::members::MemberNow;

/// Body of `POST /api/v1/maintenance/recover`.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecoverBody {
    /// The revision to compact the history to, as the plan shows it (`compact_to`): typed to
    /// confirm, since every older version of every key is dropped.
    #[cfg_attr(feature = "ssr", schema(minimum = 1))]
    pub revision: i64,
}

/// Body of `POST /api/v1/maintenance/compact`.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CompactBody {
    /// Every version older than this revision is dropped.
    #[cfg_attr(feature = "ssr", schema(minimum = 1))]
    pub revision: i64,
}

/// Answer of `POST /api/v1/maintenance/compact`.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct Compacted {
    /// The oldest revision still kept now.
    pub revision: i64,
    /// The revision the history was compacted to before, when known.
    pub before: Option<i64>,
}

/// Body of `POST /api/v1/maintenance/defragment`.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DefragmentBody {
    /// The members to defragment, by name or hex id; they are taken in the safe order
    /// (followers first, the leader last) whatever the order here.
    #[cfg_attr(feature = "ssr", schema(min_items = 1))]
    pub members: Vec<String>,
}

/// One active alarm.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct AlarmBody {
    /// The member's hex id (or, in a disarm, its name).
    pub member: String,
    /// `NOSPACE` or `CORRUPT`.
    pub alarm: String,
}

/// Query of `GET /api/v1/maintenance/snapshot`.
#[cfg(feature = "ssr")]
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SnapshotQuery {
    /// The member to take it from, by name or hex id; the leader by default.
    pub member: Option<String>,
}

/// Query of `GET /api/v1/maintenance/hashkv`.
#[cfg(feature = "ssr")]
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HashKvQuery {
    /// The revision to hash the keys at; by default the oldest every member has reached.
    #[param(minimum = 1)]
    pub revision: Option<i64>,
}
