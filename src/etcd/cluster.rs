//! The cluster page's data: members, every endpoint's health, the leader and active alarms.
//!
//! Whether an endpoint is up comes from the background health check, which needs no user (see
//! [`health`]). What etcd shows of the cluster is asked on the caller's own connection, so a
//! signed-in user sees what etcd's roles let them see, and what etcd refuses them is said in
//! words. Member status refused to them falls back to the health check's, which etcd gave
//! etcd-deck's monitoring user or nobody at all.

use super::error::Op;
use super::health::{self, Asked};
use super::{pool::Retry, Endpoint, Etcd};
use crate::domain::cluster::{member_id_hex, Alarm, ClusterOverview, EndpointHealth, MemberInfo};
use etcd_client::{AlarmAction, AlarmType, Member};

impl Etcd {
    /// Looks at the cluster now. Parts that cannot be read (alarms without a quorum, anything
    /// etcd refuses this user) are left out, with why, rather than failing the whole overview.
    pub async fn cluster_overview(&self) -> ClusterOverview {
        health::check_all(&self.pool).await;
        let seen = self.pool.endpoints.iter().map(|e| self.seen_by_caller(e));
        let (endpoints, space) = futures::join!(futures::future::join_all(seen), self.space());
        let (mut members, members_error) = match self
            .read_stale(|client: &etcd_client::Client| async move {
                let mut client = client.clone();
                client.member_list().await
            })
            .await
        {
            Ok((list, _)) => (list.members().iter().map(member_info).collect(), None),
            Err(refusal) => {
                let told = self.refused(Op::new("list the members"))(refusal);
                (Vec::new(), Some(told.to_string()))
            }
        };
        members.sort_by(|a: &MemberInfo, b| a.name.cmp(&b.name));
        let (alarms, alarms_error) = match self
            .run(Retry::Read, |client: &etcd_client::Client| async move {
                let mut client = client.clone();
                client.alarm(AlarmAction::Get, AlarmType::None, None).await
            })
            .await
        {
            Ok((response, _)) => (Some(response.alarms().iter().map(alarm).collect()), None),
            Err(refusal) => {
                let told = self.refused(Op::new("list the alarms"))(refusal);
                (None, Some(told.to_string()))
            }
        };
        let statuses = endpoints.iter().filter_map(|e| e.status.as_ref());
        let leader = statuses
            .clone()
            .map(|status| status.leader_id.clone())
            .find(|id| !id.is_empty())
            .map(|id| match members.iter().find(|m| m.id == id) {
                Some(member) if !member.name.is_empty() => member.name.clone(),
                _ => id,
            });
        ClusterOverview {
            revision: statuses
                .map(|status| status.revision)
                .max()
                .unwrap_or_default(),
            members,
            members_error,
            endpoints,
            leader,
            alarms,
            alarms_error,
            space,
        }
    }

    /// An endpoint as the health check saw it, with its member's status as this handle's user
    /// may see it.
    async fn seen_by_caller(&self, endpoint: &Endpoint) -> EndpointHealth {
        let mut health = endpoint.health();
        let Some(user) = self.user.as_deref() else {
            return health;
        };
        if !health.up {
            return health;
        }
        match health::ask_status(&self.pool, endpoint, Some(user)).await {
            Asked::Status(status) => {
                health.status = Some(status);
                health.status_hidden = None;
            }
            Asked::Refused(why) if health.status.is_none() => health.status_hidden = Some(why),
            // Refused, but etcd gave it to the monitoring user (or to nobody): shown from there.
            Asked::Refused(_) => {}
            // Gone since the health check: the next one will say so.
            Asked::Unanswered { .. } => {}
        }
        health
    }
}

fn alarm(alarm: &etcd_client::AlarmMember) -> Alarm {
    Alarm {
        member_id: member_id_hex(alarm.member_id()),
        kind: alarm.alarm().as_str_name().to_string(),
    }
}

fn member_info(member: &Member) -> MemberInfo {
    MemberInfo {
        id: member_id_hex(member.id()),
        name: member.name().to_string(),
        client_urls: member.client_urls().to_vec(),
        peer_urls: member.peer_urls().to_vec(),
        is_learner: member.is_learner(),
    }
}
