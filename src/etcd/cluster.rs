//! The cluster page's data: members, every endpoint's health, the leader and active alarms.

use super::{health, pool::Retry, Etcd};
use crate::domain::cluster::{member_id_hex, Alarm, ClusterOverview, MemberInfo};
use etcd_client::{AlarmAction, AlarmType, Member};

impl Etcd {
    /// Looks at the cluster now. Parts that cannot be read without a quorum (alarms) are left
    /// out rather than failing the whole overview.
    pub async fn cluster_overview(&self) -> ClusterOverview {
        health::check_all(&self.pool).await;
        let endpoints: Vec<_> = self.pool.endpoints.iter().map(|e| e.health()).collect();
        let mut members: Vec<MemberInfo> = self
            .read_stale(|mut client| async move { client.member_list().await })
            .await
            .map(|(list, _)| list.members().iter().map(member_info).collect())
            .unwrap_or_default();
        members.sort_by(|a, b| a.name.cmp(&b.name));
        let alarms = self
            .run(Retry::Read, |mut client| async move {
                client.alarm(AlarmAction::Get, AlarmType::None, None).await
            })
            .await
            .ok()
            .map(|(response, _)| {
                let alarms = response.alarms().iter();
                alarms
                    .map(|alarm| Alarm {
                        member_id: member_id_hex(alarm.member_id()),
                        kind: alarm.alarm().as_str_name().to_string(),
                    })
                    .collect()
            });
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
            endpoints,
            leader,
            alarms,
        }
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
