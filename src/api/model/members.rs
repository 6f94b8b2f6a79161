//! Members: the Raft view, a membership change's answer and where a key lives are the domain's
//! own types; here is the request that adds a member.

use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
use utoipa::ToSchema;

pub use crate::domain::members::{JoinInstructions, MembershipChange};
pub use crate::domain::raft::{KeyLocation, KeyOnMember, RaftEvent, RaftView};

/// Body of `POST /api/v1/members` and of `POST /api/v1/members/{member}/replace`.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddMemberBody {
    /// The URLs the other members will reach it at: `http://host:port`.
    #[cfg_attr(
        feature = "ssr",
        schema(min_items = 1, max_items = 8, inline, value_type = Vec<PeerUrl>)
    )]
    pub peer_urls: Vec<String>,
    /// Join as a learner, which receives the log without voting until promoted (the default,
    /// and always so for a replacement).
    #[serde(default = "learner_by_default")]
    #[cfg_attr(feature = "ssr", schema(default = true))]
    pub learner: bool,
    /// The name it will start with (`--name`); its id when none is given.
    #[cfg_attr(feature = "ssr", schema(pattern = r"^[A-Za-z0-9._-]{1,63}$"))]
    pub name: Option<String>,
}

/// A peer URL: `http://` or `https://`, a host and a port.
#[cfg(feature = "ssr")]
#[derive(ToSchema)]
#[schema(pattern = r"^https?://([A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}$")]
#[allow(dead_code)] // only its schema is used
struct PeerUrl(String);

fn learner_by_default() -> bool {
    true
}
