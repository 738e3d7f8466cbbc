use crate::__bindings::juju::charm::types;
use crate::event::{
    ActionEvent, CheckEvent, Event, NoticeEvent, RelationEvent, SecretEvent, StorageEvent,
    WorkloadEvent,
};
use crate::{Error, ErrorKind, Result, Status, app, logging, unit};

/// A charm: one method per Juju event, each doing nothing unless the charm overrides it.
///
/// A charm that prefers one code path for every event (a "reconciler") overrides
/// [`Charm::reconcile`] instead; its default routes each event to its method.
///
/// ```no_run
/// use wasmcharm_sdk::prelude::*;
///
/// #[derive(Default)]
/// struct Reconciler;
///
/// impl Charm for Reconciler {
///     fn reconcile(&mut self, _event: &Event) -> Result<()> {
///         apt::install(&["nginx"])?;
///         systemd::enable_now("nginx")?;
///         unit::set_status(Status::active())
///     }
/// }
/// ```
///
/// Returning an error fails the hook (Juju retries it) or the action; the unit's status,
/// logs and machine changes stay as the handler left them.
#[allow(unused_variables)]
pub trait Charm {
    /// Handles every event. The default calls the event's own method (see [`route`]).
    fn reconcile(&mut self, event: &Event) -> Result<()> {
        route(self, event)
    }

    /// Juju's `install` hook: the charm's first event on a unit.
    fn on_install(&mut self) -> Result<()> {
        Ok(())
    }
    /// `start`: after install and the first config-changed.
    fn on_start(&mut self) -> Result<()> {
        Ok(())
    }
    /// `stop`: before the unit is removed.
    fn on_stop(&mut self) -> Result<()> {
        Ok(())
    }
    /// `remove`: the unit's last event.
    fn on_remove(&mut self) -> Result<()> {
        Ok(())
    }
    /// `config-changed`: the config changed (and once after install, and after an upgrade).
    fn on_config_changed(&mut self) -> Result<()> {
        Ok(())
    }
    /// `update-status`: every five minutes by default, to refresh the status.
    fn on_update_status(&mut self) -> Result<()> {
        Ok(())
    }
    /// `upgrade-charm`: a new revision of the charm is in place.
    fn on_upgrade_charm(&mut self) -> Result<()> {
        Ok(())
    }
    /// `leader-elected`: this unit is now the leader.
    fn on_leader_elected(&mut self) -> Result<()> {
        Ok(())
    }
    /// Legacy: non-leaders only, gone in Juju 4.
    fn on_leader_settings_changed(&mut self) -> Result<()> {
        Ok(())
    }
    /// `pre-series-upgrade` (legacy machine hook).
    fn on_pre_series_upgrade(&mut self) -> Result<()> {
        Ok(())
    }
    /// `post-series-upgrade` (legacy machine hook).
    fn on_post_series_upgrade(&mut self) -> Result<()> {
        Ok(())
    }
    /// `<endpoint>-relation-created`: a relation exists, before any unit joins.
    fn on_relation_created(&mut self, event: &RelationEvent) -> Result<()> {
        Ok(())
    }
    /// `<endpoint>-relation-joined`: a remote unit joined.
    fn on_relation_joined(&mut self, event: &RelationEvent) -> Result<()> {
        Ok(())
    }
    /// `<endpoint>-relation-changed`: a remote databag changed.
    fn on_relation_changed(&mut self, event: &RelationEvent) -> Result<()> {
        Ok(())
    }
    /// `<endpoint>-relation-departed`: a remote unit left.
    fn on_relation_departed(&mut self, event: &RelationEvent) -> Result<()> {
        Ok(())
    }
    /// `<endpoint>-relation-broken`: the relation is going away.
    fn on_relation_broken(&mut self, event: &RelationEvent) -> Result<()> {
        Ok(())
    }
    /// `<storage>-storage-attached`: an instance is ready at its location.
    fn on_storage_attached(&mut self, event: &StorageEvent) -> Result<()> {
        Ok(())
    }
    /// `<storage>-storage-detaching`: an instance is about to go.
    fn on_storage_detaching(&mut self, event: &StorageEvent) -> Result<()> {
        Ok(())
    }
    /// `<container>-pebble-ready`: the container's Pebble answers.
    fn on_pebble_ready(&mut self, event: &WorkloadEvent) -> Result<()> {
        Ok(())
    }
    /// `<container>-pebble-custom-notice`: a custom notice occurred in the container.
    fn on_pebble_custom_notice(&mut self, event: &NoticeEvent) -> Result<()> {
        Ok(())
    }
    /// `<container>-pebble-check-failed`: a check failed past its threshold.
    fn on_pebble_check_failed(&mut self, event: &CheckEvent) -> Result<()> {
        Ok(())
    }
    /// `<container>-pebble-check-recovered`: a failed check passes again.
    fn on_pebble_check_recovered(&mut self, event: &CheckEvent) -> Result<()> {
        Ok(())
    }
    /// `secret-changed`: a secret this unit reads has a new revision.
    fn on_secret_changed(&mut self, event: &SecretEvent) -> Result<()> {
        Ok(())
    }
    /// `secret-rotate`: a secret this unit owns is due for rotation.
    fn on_secret_rotate(&mut self, event: &SecretEvent) -> Result<()> {
        Ok(())
    }
    /// `secret-remove`: no consumer tracks a revision of an owned secret any more.
    fn on_secret_remove(&mut self, event: &SecretEvent) -> Result<()> {
        Ok(())
    }
    /// `secret-expired`: a revision of an owned secret has expired.
    fn on_secret_expired(&mut self, event: &SecretEvent) -> Result<()> {
        Ok(())
    }
    /// An action the operator ran (`event.name` says which); [`crate::action`] has its
    /// parameters, results and failure.
    fn on_action(&mut self, event: &ActionEvent) -> Result<()> {
        Ok(())
    }

    /// Called once per dispatch, after every event of it has been handled: add the
    /// statuses the unit is in, and the highest priority one is set (blocked, then
    /// maintenance, then waiting, then active; the first added wins a tie), as `ops`'
    /// `collect_unit_status`. Adding none leaves the status as it is.
    ///
    /// ```no_run
    /// use wasmcharm_sdk::prelude::*;
    ///
    /// #[derive(Default)]
    /// struct Web;
    ///
    /// impl Charm for Web {
    ///     fn collect_unit_status(&mut self, statuses: &mut Statuses) -> Result<()> {
    ///         if config::get::<String>("hostname")?.is_none() {
    ///             statuses.add(Status::blocked("set the hostname option"));
    ///         }
    ///         statuses.add(Status::active());
    ///         Ok(())
    ///     }
    /// }
    /// ```
    fn collect_unit_status(&mut self, statuses: &mut Statuses) -> Result<()> {
        Ok(())
    }

    /// As [`Charm::collect_unit_status`], for the application's status. It is called on
    /// every unit; what it adds is set on the leader only.
    fn collect_app_status(&mut self, statuses: &mut Statuses) -> Result<()> {
        Ok(())
    }
}

/// The statuses a charm adds while collecting them; see [`Charm::collect_unit_status`].
///
/// ```
/// use wasmcharm_sdk::{Status, Statuses};
/// let mut s = Statuses::default();
/// s.add(Status::active());
/// s.add(Status::waiting("for the database"));
/// assert_eq!(s.highest().unwrap(), Some(Status::waiting("for the database")));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Statuses(Vec<Status>);

impl Statuses {
    /// Adds one.
    ///
    /// ```
    /// let mut s = wasmcharm_sdk::Statuses::default();
    /// s.add(wasmcharm_sdk::Status::active());
    /// ```
    pub fn add(&mut self, status: Status) {
        self.0.push(status);
    }

    /// The one to set: blocked, then maintenance, then waiting, then active; the first
    /// added wins a tie. `unknown` and `error` cannot be collected.
    ///
    /// ```
    /// use wasmcharm_sdk::{Status, Statuses};
    /// let mut s = Statuses::default();
    /// s.add(Status::blocked("a"));
    /// s.add(Status::blocked("b"));
    /// assert_eq!(s.highest().unwrap(), Some(Status::blocked("a")));
    /// ```
    pub fn highest(&self) -> Result<Option<Status>> {
        let rank = |s: &Status| match s {
            Status::Blocked(_) => Ok(0),
            Status::Maintenance(_) => Ok(1),
            Status::Waiting(_) => Ok(2),
            Status::Active(_) => Ok(3),
            other => Err(Error::new(
                ErrorKind::InvalidInput,
                format!("{other:?} cannot be collected: Juju sets it, not the charm"),
            )),
        };
        let mut best: Option<(u8, &Status)> = None;
        for status in &self.0 {
            let r = rank(status)?;
            if best.is_none_or(|(b, _)| r < b) {
                best = Some((r, status));
            }
        }
        Ok(best.map(|(_, s)| s.clone()))
    }
}

/// Calls the charm's method for this event: what [`Charm::reconcile`] does by default,
/// for a `reconcile` that handles some events itself and leaves the rest to their methods.
///
/// ```no_run
/// use wasmcharm_sdk::prelude::*;
///
/// #[derive(Default)]
/// struct Partial;
///
/// impl Charm for Partial {
///     fn reconcile(&mut self, event: &Event) -> Result<()> {
///         match event {
///             Event::UpdateStatus => unit::set_status(Status::active()),
///             other => wasmcharm_sdk::route(self, other),
///         }
///     }
/// }
/// ```
pub fn route<C: Charm + ?Sized>(charm: &mut C, event: &Event) -> Result<()> {
    match event {
        Event::Install => charm.on_install(),
        Event::Start => charm.on_start(),
        Event::Stop => charm.on_stop(),
        Event::Remove => charm.on_remove(),
        Event::ConfigChanged => charm.on_config_changed(),
        Event::UpdateStatus => charm.on_update_status(),
        Event::UpgradeCharm => charm.on_upgrade_charm(),
        Event::LeaderElected => charm.on_leader_elected(),
        Event::LeaderSettingsChanged => charm.on_leader_settings_changed(),
        Event::PreSeriesUpgrade => charm.on_pre_series_upgrade(),
        Event::PostSeriesUpgrade => charm.on_post_series_upgrade(),
        Event::RelationCreated(e) => charm.on_relation_created(e),
        Event::RelationJoined(e) => charm.on_relation_joined(e),
        Event::RelationChanged(e) => charm.on_relation_changed(e),
        Event::RelationDeparted(e) => charm.on_relation_departed(e),
        Event::RelationBroken(e) => charm.on_relation_broken(e),
        Event::StorageAttached(e) => charm.on_storage_attached(e),
        Event::StorageDetaching(e) => charm.on_storage_detaching(e),
        Event::PebbleReady(e) => charm.on_pebble_ready(e),
        Event::PebbleCustomNotice(e) => charm.on_pebble_custom_notice(e),
        Event::PebbleCheckFailed(e) => charm.on_pebble_check_failed(e),
        Event::PebbleCheckRecovered(e) => charm.on_pebble_check_recovered(e),
        Event::SecretChanged(e) => charm.on_secret_changed(e),
        Event::SecretRotate(e) => charm.on_secret_rotate(e),
        Event::SecretRemove(e) => charm.on_secret_remove(e),
        Event::SecretExpired(e) => charm.on_secret_expired(e),
        Event::Action(e) => charm.on_action(e),
    }
}

/// What [`export_charm!`](crate::export_charm) expands to: one event, one fresh charm.
#[doc(hidden)]
pub fn __handle<C: Charm + Default>(event: Event) -> std::result::Result<(), types::Error> {
    logging::install();
    let mut charm = C::default();
    charm.reconcile(&event)?;
    // The dispatch's own event comes last, after any deferred ones: collect then.
    if !crate::is_redelivery() {
        collect(&mut charm)?;
    }
    Ok(())
}

fn collect<C: Charm>(charm: &mut C) -> Result<()> {
    let mut app_statuses = Statuses::default();
    charm.collect_app_status(&mut app_statuses)?;
    if let Some(status) = app_statuses.highest()?
        && unit::is_leader()?
    {
        app::set_status(status)?;
    }
    let mut unit_statuses = Statuses::default();
    charm.collect_unit_status(&mut unit_statuses)?;
    if let Some(status) = unit_statuses.highest()? {
        unit::set_status(status)?;
    }
    Ok(())
}
