"""``CharmBase`` and the events Juju delivers, as ``ops.charm`` has them."""

from __future__ import annotations

from typing import Any

from . import _host
from ._host import call
from .framework import BoundEvent, EventBase, Framework, Handle, Object, ObjectEvents
from .model import (
    Application,
    ConfigData,
    Model,
    Relation,
    StatusBase,
    Storage,
    Unit,
    params_from_json,
)
from .pebble import Container
from .secret import Secret

_e = _host.event


class HookEvent(EventBase):
    """An event from a Juju hook."""


class InstallEvent(HookEvent):
    """The charm's first event on a unit."""


class StartEvent(HookEvent):
    """After install and the first config-changed."""


class StopEvent(HookEvent):
    """Before the unit is removed."""


class RemoveEvent(HookEvent):
    """The unit's last event."""


class ConfigChangedEvent(HookEvent):
    """The config changed (and once after install, and after an upgrade)."""


class UpdateStatusEvent(HookEvent):
    """Every five minutes by default, to refresh the status."""


class UpgradeCharmEvent(HookEvent):
    """A new revision of the charm is in place."""


class LeaderElectedEvent(HookEvent):
    """This unit is now the leader."""


class LeaderSettingsChangedEvent(HookEvent):
    """Legacy: non-leaders only."""


class PreSeriesUpgradeEvent(HookEvent):
    """Legacy machine hook."""


class PostSeriesUpgradeEvent(HookEvent):
    """Legacy machine hook."""


class RelationEvent(HookEvent):
    """An event on a relation: ``relation``, the remote ``app`` and ``unit``."""

    def __init__(
        self,
        handle: Handle,
        relation: Relation,
        app: Application | None = None,
        unit: Unit | None = None,
        departing_unit: Unit | None = None,
    ) -> None:
        super().__init__(handle)
        self.relation = relation
        self.app = app
        self.unit = unit
        self.departing_unit = departing_unit

    def snapshot(self) -> dict[str, Any]:
        snapshot: dict[str, Any] = {
            "relation_name": self.relation.name,
            "relation_id": self.relation.id,
        }
        if self.app is not None:
            snapshot["app_name"] = self.app.name
        if self.unit is not None:
            snapshot["unit_name"] = self.unit.name
        return snapshot

    def restore(self, snapshot: dict[str, Any]) -> None:
        self.relation = Relation(snapshot["relation_name"], snapshot["relation_id"])
        app, unit = snapshot.get("app_name"), snapshot.get("unit_name")
        self.app = Application(app) if app else None
        self.unit = Unit(unit) if unit else None


class RelationCreatedEvent(RelationEvent):
    """A relation exists, before any unit joins."""


class RelationJoinedEvent(RelationEvent):
    """A remote unit joined."""


class RelationChangedEvent(RelationEvent):
    """A remote databag changed."""


class RelationDepartedEvent(RelationEvent):
    """A remote unit left."""


class RelationBrokenEvent(RelationEvent):
    """The relation is going away."""


class StorageEvent(HookEvent):
    """An event on a storage instance: ``storage`` (``name``, ``index``, ``location``)."""

    def __init__(self, handle: Handle, storage: Storage) -> None:
        super().__init__(handle)
        self.storage = storage


class StorageAttachedEvent(StorageEvent):
    """An instance is ready at its location."""


class StorageDetachingEvent(StorageEvent):
    """An instance is about to go."""


class WorkloadEvent(HookEvent):
    """An event on a workload container: ``workload``."""

    def __init__(self, handle: Handle, workload: Container) -> None:
        super().__init__(handle)
        self.workload = workload


class PebbleReadyEvent(WorkloadEvent):
    """The container's Pebble answers."""


class PebbleCustomNoticeEvent(WorkloadEvent):
    """A custom notice occurred: ``notice`` (``id``, ``type``, ``key``)."""

    def __init__(self, handle: Handle, workload: Container, e: _e.NoticeEvent) -> None:
        super().__init__(handle, workload)
        self.notice = _Notice(e.notice_id, e.notice_type, e.notice_key)


class _Notice:
    def __init__(self, id: str, type: str, key: str) -> None:  # noqa: A002
        self.id = id
        self.type = type
        self.key = key


class PebbleCheckEvent(WorkloadEvent):
    """A check's state changed: ``info.name``."""

    def __init__(self, handle: Handle, workload: Container, e: _e.CheckEvent) -> None:
        super().__init__(handle, workload)
        self.info = _CheckInfo(e.check_name)


class _CheckInfo:
    def __init__(self, name: str) -> None:
        self.name = name


class PebbleCheckFailedEvent(PebbleCheckEvent):
    """A check failed past its threshold."""


class PebbleCheckRecoveredEvent(PebbleCheckEvent):
    """A failed check passes again."""


class SecretEvent(HookEvent):
    """An event on a secret: ``secret`` (a :class:`Secret`: ``id``, ``label``)."""

    def __init__(self, handle: Handle, e: _e.SecretEvent) -> None:
        super().__init__(handle)
        self.secret = Secret(e.id, e.label)
        self._revision = e.revision


class SecretRemoveEvent(SecretEvent):
    """A revision of a secret this charm owns is no longer used: ``revision``."""

    @property
    def revision(self) -> int:
        assert self._revision is not None
        return self._revision


class SecretExpiredEvent(SecretEvent):
    """A revision of a secret this charm owns has expired: ``revision``."""

    @property
    def revision(self) -> int:
        assert self._revision is not None
        return self._revision


class SecretChangedEvent(SecretEvent):
    """A secret this unit tracks has a new revision."""


class SecretRotateEvent(SecretEvent):
    """A secret this charm owns is due to rotate."""




class ActionEvent(EventBase):
    """An action: its ``params``, ``set_results``, ``log`` and ``fail``."""

    def __init__(self, handle: Handle, e: _e.ActionEvent) -> None:
        super().__init__(handle)
        self.id = e.id
        self.name = e.name
        self._params: dict[str, Any] | None = None

    @property
    def params(self) -> dict[str, Any]:
        """The parameters, with the defaults the action declares filled in."""
        if self._params is None:
            self._params = params_from_json(call(_host.actions.params))
        return self._params

    def set_results(self, results: dict[str, Any]) -> None:
        """Adds results; nested dicts become dotted keys, as in ``ops``."""
        flat: list[tuple[str, str]] = []

        def walk(prefix: str, value: Any) -> None:
            if isinstance(value, dict):
                for k, v in value.items():
                    walk(f"{prefix}.{k}" if prefix else str(k), v)
            else:
                flat.append((prefix, str(value)))

        walk("", results)
        call(_host.actions.set_results, flat)

    def log(self, message: str) -> None:
        """A progress message the operator sees while the action runs."""
        call(_host.actions.log, message)

    def fail(self, message: str = "") -> None:
        """Marks the action failed; the handler then returns normally."""
        call(_host.actions.fail, message)


class CollectStatusEvent(EventBase):
    """Sent at the end of every dispatch: ``add_status`` offers a status, and the most
    severe offered is set (error, blocked, maintenance, waiting, active, unknown)."""

    def __init__(self, handle: Handle) -> None:
        super().__init__(handle)
        self._statuses: list[StatusBase] = []

    def add_status(self, status: StatusBase) -> None:
        """Offers a status."""
        self._statuses.append(status)

    def defer(self) -> None:
        """Collect-status cannot be deferred: it is part of every dispatch."""
        raise RuntimeError("collect-status events cannot be deferred")

    def _highest(self) -> StatusBase | None:
        if not self._statuses:
            return None
        return min(self._statuses, key=lambda s: StatusBase._priority.index(s.name))


class CharmEvents(ObjectEvents):
    """``self.on``: every event kind Juju can deliver, by attribute
    (``self.on.config_changed``, ``self.on.db_relation_changed``,
    ``self.on["db"].relation_changed``, ``self.on.web_pebble_ready``,
    ``self.on.backup_action``), and any ``EventSource`` a subclass adds."""

    def __getattr__(self, kind: str) -> BoundEvent:
        if kind.startswith("_") or kind in ("framework", "handle"):
            raise AttributeError(kind)
        return BoundEvent(self, None, kind)

    def __getitem__(self, prefix: str) -> _Prefixed:
        return _Prefixed(self, prefix)


class _Prefixed:
    def __init__(self, events: CharmEvents, prefix: str) -> None:
        self._events = events
        self._prefix = prefix.replace("-", "_")

    def __getattr__(self, kind: str) -> BoundEvent:
        if kind.startswith("_"):
            raise AttributeError(kind)
        # A library's EventSource of that name, else Juju's event.
        return getattr(self._events, f"{self._prefix}_{kind}")


class CharmBase(Object):
    """A charm: subclass it, observe events in ``__init__``, and hand the class to
    :func:`wasmcharm_ops.main`."""

    on = CharmEvents()

    def __init__(self, framework: Framework) -> None:
        super().__init__(framework, None)
        framework.charm = self

    @property
    def unit(self) -> Unit:
        """This unit."""
        return self.framework.model.unit

    @property
    def app(self) -> Application:
        """This application."""
        return self.framework.model.app

    @property
    def config(self) -> ConfigData:
        """The charm's config."""
        return self.framework.model.config


def _storage(e: _e.StorageEvent) -> Storage:
    return Storage(e.name, e.index, e.location or "")


def _name(text: str) -> str:
    return text.replace("-", "_")


def event_of(e: _e.Event, charm: CharmBase) -> tuple[str, EventBase]:
    """The ``self.on`` kind and the event object for an event from the host."""
    kind, event = _event_of(e, lambda kind: charm.on.handle.nest(kind, "1"))
    event._from_juju = True
    return kind, event


def _event_of(e: _e.Event, handle: Any) -> tuple[str, EventBase]:
    simple: dict[type, tuple[str, type[HookEvent]]] = {
        _e.Event_Install: ("install", InstallEvent),
        _e.Event_Start: ("start", StartEvent),
        _e.Event_Stop: ("stop", StopEvent),
        _e.Event_Remove: ("remove", RemoveEvent),
        _e.Event_ConfigChanged: ("config_changed", ConfigChangedEvent),
        _e.Event_UpdateStatus: ("update_status", UpdateStatusEvent),
        _e.Event_UpgradeCharm: ("upgrade_charm", UpgradeCharmEvent),
        _e.Event_LeaderElected: ("leader_elected", LeaderElectedEvent),
        _e.Event_LeaderSettingsChanged: ("leader_settings_changed", LeaderSettingsChangedEvent),
        _e.Event_PreSeriesUpgrade: ("pre_series_upgrade", PreSeriesUpgradeEvent),
        _e.Event_PostSeriesUpgrade: ("post_series_upgrade", PostSeriesUpgradeEvent),
    }
    if type(e) in simple:
        kind, cls = simple[type(e)]
        return kind, cls(handle(kind))
    relation: dict[type, tuple[str, type[RelationEvent]]] = {
        _e.Event_RelationCreated: ("relation_created", RelationCreatedEvent),
        _e.Event_RelationJoined: ("relation_joined", RelationJoinedEvent),
        _e.Event_RelationChanged: ("relation_changed", RelationChangedEvent),
        _e.Event_RelationDeparted: ("relation_departed", RelationDepartedEvent),
        _e.Event_RelationBroken: ("relation_broken", RelationBrokenEvent),
    }
    if type(e) in relation:
        suffix, rcls = relation[type(e)]
        r = e.value
        kind = f"{_name(r.endpoint)}_{suffix}"
        return kind, rcls(
            handle(kind),
            Relation(r.endpoint, r.relation_id, r.remote_app),
            Application(r.remote_app) if r.remote_app else None,
            Unit(r.remote_unit) if r.remote_unit else None,
            Unit(r.departing_unit) if r.departing_unit else None,
        )
    if isinstance(e, _e.Event_StorageAttached):
        kind = f"{_name(e.value.name)}_storage_attached"
        return kind, StorageAttachedEvent(handle(kind), _storage(e.value))
    if isinstance(e, _e.Event_StorageDetaching):
        kind = f"{_name(e.value.name)}_storage_detaching"
        return kind, StorageDetachingEvent(handle(kind), _storage(e.value))
    if isinstance(e, _e.Event_PebbleReady):
        kind = f"{_name(e.value.container)}_pebble_ready"
        return kind, PebbleReadyEvent(handle(kind), Container(e.value.container))
    if isinstance(e, _e.Event_PebbleCustomNotice):
        kind = f"{_name(e.value.container)}_pebble_custom_notice"
        return kind, PebbleCustomNoticeEvent(handle(kind), Container(e.value.container), e.value)
    if isinstance(e, _e.Event_PebbleCheckFailed):
        kind = f"{_name(e.value.container)}_pebble_check_failed"
        return kind, PebbleCheckFailedEvent(handle(kind), Container(e.value.container), e.value)
    if isinstance(e, _e.Event_PebbleCheckRecovered):
        kind = f"{_name(e.value.container)}_pebble_check_recovered"
        return kind, PebbleCheckRecoveredEvent(
            handle(kind), Container(e.value.container), e.value
        )
    secret: dict[type, tuple[str, type[SecretEvent]]] = {
        _e.Event_SecretChanged: ("secret_changed", SecretChangedEvent),
        _e.Event_SecretRotate: ("secret_rotate", SecretRotateEvent),
        _e.Event_SecretRemove: ("secret_remove", SecretRemoveEvent),
        _e.Event_SecretExpired: ("secret_expired", SecretExpiredEvent),
    }
    if type(e) in secret:
        kind, scls = secret[type(e)]
        return kind, scls(handle(kind), e.value)
    if isinstance(e, _e.Event_Action):
        kind = f"{_name(e.value.name)}_action"
        return kind, ActionEvent(handle(kind), e.value)
    raise TypeError(f"an event this SDK does not know: {type(e).__name__}")
