//! `juju:charm/event`: the host's [`Event`] in the guest's terms.

use crate::event::{self, Event};
use crate::runtime::bindings::v0_1::event::{
    self as wit, ActionEvent, CheckEvent, NoticeEvent, RelationEvent, SecretEvent, StorageEvent,
    StorageKind, WorkloadEvent,
};

use super::HostState;

impl wit::Host for HostState {}

fn relation(r: &event::RelationEvent) -> RelationEvent {
    RelationEvent {
        endpoint: r.endpoint.clone(),
        relation_id: r.relation_id,
        remote_app: r.remote_app.clone(),
        remote_unit: r.remote_unit.clone(),
        departing_unit: r.departing_unit.clone(),
    }
}

fn storage(s: &event::StorageEvent) -> StorageEvent {
    StorageEvent {
        name: s.name.clone(),
        index: s.index,
        location: s.location.clone(),
        kind: s.kind.map(|k| match k {
            event::StorageKind::Filesystem => StorageKind::Filesystem,
            event::StorageKind::Block => StorageKind::Block,
        }),
    }
}

fn check(c: &event::CheckEvent) -> CheckEvent {
    CheckEvent {
        container: c.container.clone(),
        check_name: c.check.clone(),
    }
}

fn secret(s: &event::SecretEvent) -> SecretEvent {
    SecretEvent {
        id: s.id.clone(),
        label: s.label.clone(),
        revision: s.revision,
    }
}

impl From<&Event> for wit::Event {
    fn from(e: &Event) -> Self {
        match e {
            Event::Install => wit::Event::Install,
            Event::Start => wit::Event::Start,
            Event::Stop => wit::Event::Stop,
            Event::Remove => wit::Event::Remove,
            Event::ConfigChanged => wit::Event::ConfigChanged,
            Event::UpdateStatus => wit::Event::UpdateStatus,
            Event::UpgradeCharm => wit::Event::UpgradeCharm,
            Event::LeaderElected => wit::Event::LeaderElected,
            Event::LeaderSettingsChanged => wit::Event::LeaderSettingsChanged,
            Event::PreSeriesUpgrade => wit::Event::PreSeriesUpgrade,
            Event::PostSeriesUpgrade => wit::Event::PostSeriesUpgrade,
            Event::RelationCreated(r) => wit::Event::RelationCreated(relation(r)),
            Event::RelationJoined(r) => wit::Event::RelationJoined(relation(r)),
            Event::RelationChanged(r) => wit::Event::RelationChanged(relation(r)),
            Event::RelationDeparted(r) => wit::Event::RelationDeparted(relation(r)),
            Event::RelationBroken(r) => wit::Event::RelationBroken(relation(r)),
            Event::StorageAttached(s) => wit::Event::StorageAttached(storage(s)),
            Event::StorageDetaching(s) => wit::Event::StorageDetaching(storage(s)),
            Event::PebbleReady { container } => wit::Event::PebbleReady(WorkloadEvent {
                container: container.clone(),
            }),
            Event::PebbleCustomNotice(n) => wit::Event::PebbleCustomNotice(NoticeEvent {
                container: n.container.clone(),
                notice_id: n.id.clone(),
                notice_type: n.kind.clone(),
                notice_key: n.key.clone(),
            }),
            Event::PebbleCheckFailed(c) => wit::Event::PebbleCheckFailed(check(c)),
            Event::PebbleCheckRecovered(c) => wit::Event::PebbleCheckRecovered(check(c)),
            Event::SecretChanged(s) => wit::Event::SecretChanged(secret(s)),
            Event::SecretRotate(s) => wit::Event::SecretRotate(secret(s)),
            Event::SecretRemove(s) => wit::Event::SecretRemove(secret(s)),
            Event::SecretExpired(s) => wit::Event::SecretExpired(secret(s)),
            Event::Action(a) => wit::Event::Action(ActionEvent {
                name: a.name.clone(),
                id: a.id.clone(),
            }),
        }
    }
}
