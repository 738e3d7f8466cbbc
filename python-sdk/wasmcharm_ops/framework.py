"""Events, observers and stored state, as ``ops.framework`` has them.

One dispatch delivers one event (first any deferred ones, each its own call of the
component): the charm is constructed, its ``__init__`` observes events, and the event's
observers run in the order they were registered. Stored state lives in the unit's
store through the host and is kept only if the whole dispatch succeeds."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from . import _host
from ._host import ModelError, call


class EventBase:
    """An event: ``defer()`` asks Juju's next dispatch to deliver it again first."""

    def __init__(self) -> None:
        self.deferred = False

    def defer(self) -> None:
        """Delivers this event again at the start of the next dispatch."""
        if not self.deferred:
            call(_host.deferral.defer)
            self.deferred = True


class BoundEvent:
    """An event kind on ``self.on``, to observe: ``self.on.install``."""

    def __init__(self, kind: str) -> None:
        self.event_kind = kind

    def __repr__(self) -> str:
        return f"<BoundEvent {self.event_kind}>"


class ObjectEvents:
    """``self.on``: every event kind the charm can observe, by attribute
    (``self.on.config_changed``, ``self.on.db_relation_changed``,
    ``self.on["db"].relation_changed``, ``self.on.web_pebble_ready``,
    ``self.on.backup_action``)."""

    def __getattr__(self, kind: str) -> BoundEvent:
        if kind.startswith("_"):
            raise AttributeError(kind)
        return BoundEvent(kind)

    def __getitem__(self, prefix: str) -> _Prefixed:
        return _Prefixed(prefix)


class _Prefixed:
    def __init__(self, prefix: str) -> None:
        self._prefix = prefix.replace("-", "_")

    def __getattr__(self, kind: str) -> BoundEvent:
        return BoundEvent(f"{self._prefix}_{kind}")


Handler = Callable[[Any], None]


class Framework:
    """What ``self.framework`` gives: ``observe``, and the model."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self._observers: dict[str, list[Handler]] = {}

    def observe(self, event: BoundEvent, handler: Handler) -> None:
        """Calls ``handler(event)`` when an event of this kind is delivered."""
        if not isinstance(event, BoundEvent):
            raise TypeError(f"observe takes an event from self.on, not {event!r}")
        if not callable(handler):
            raise TypeError(f"{handler!r} is not callable")
        self._observers.setdefault(event.event_kind, []).append(handler)

    def _observes(self, kind: str) -> bool:
        return bool(self._observers.get(kind))

    def _emit(self, kind: str, event: EventBase) -> bool:
        """Runs the observers of ``kind``; whether there were any."""
        handlers = self._observers.get(kind, [])
        for handler in handlers:
            handler(event)
        return bool(handlers)


class StoredState:
    """State kept between dispatches, as a class attribute of the charm:

    ``_stored = StoredState()``, then ``self._stored.set_default(installed=False)`` and
    ``self._stored.installed = True``. Values are what JSON holds (dicts, lists,
    strings, numbers, booleans, None)."""

    def __init__(self) -> None:
        self._attr = "_stored"

    def __set_name__(self, owner: type, name: str) -> None:
        self._attr = name

    def __get__(self, instance: Any, owner: type) -> Any:
        if instance is None:
            return self
        # Named as ops names it in its own store.
        key = f"{owner.__name__}/StoredStateData[{self._attr}]"
        bound = instance.__dict__.get(key)
        if bound is None:
            bound = BoundStoredState(key)
            instance.__dict__[key] = bound
        return bound


class BoundStoredState:
    """One charm's stored state; every change is written through at once."""

    def __init__(self, key: str) -> None:
        object.__setattr__(self, "_key", key)
        raw = _host.store.get(key)
        data = json.loads(raw.decode()) if raw else {}
        if not isinstance(data, dict):
            raise ModelError(f"stored state {key!r} is not a JSON object", "invalid-input")
        object.__setattr__(self, "_data", data)

    def _save(self, data: dict[str, Any]) -> None:
        """Stores ``data`` and makes it the state; nothing changes if it cannot be."""
        try:
            raw = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
        except (TypeError, ValueError) as e:
            raise ModelError(f"stored state holds what JSON cannot: {e}", "invalid-input") from None
        _host.store.set(self._key, raw)
        object.__setattr__(self, "_data", data)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(f"stored state has no {name!r}: set_default it first") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self._save({**self._data, name: value})

    def __contains__(self, name: str) -> bool:
        return name in self._data

    def set_default(self, **defaults: Any) -> None:
        """Sets each value not already stored."""
        missing = {k: v for k, v in defaults.items() if k not in self._data}
        if missing:
            self._save({**self._data, **missing})
