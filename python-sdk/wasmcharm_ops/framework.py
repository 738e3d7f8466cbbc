"""Events, observers and stored state, as ``ops.framework`` has them.

One dispatch delivers one event (first any deferred ones, each its own call of the
component): the charm is constructed, its ``__init__`` observes events, and the event's
observers run in the order they were registered. Stored state lives in the unit's
store through the host and is kept only if the whole dispatch succeeds."""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Callable
from typing import Any

from . import _host
from ._host import InvalidInputError, call


class Handle:
    """Where an object or event sits under the charm, as ``ops`` names it:
    ``SomeCharm/IngressRequirer[ingress]/on/ready[1]``. Stored state is kept by it."""

    def __init__(self, parent: Handle | None, kind: str, key: str | None) -> None:
        self.parent = parent
        self.kind = kind
        self.key = key
        here = kind if key is None else f"{kind}[{key}]"
        self.path = here if parent is None else f"{parent.path}/{here}"

    def nest(self, kind: str, key: str | None) -> Handle:
        return Handle(self, kind, key)

    def __repr__(self) -> str:
        return f"Handle({self.path!r})"


class EventBase:
    """An event: ``defer()`` asks Juju's next dispatch to deliver it again first."""

    def __init__(self, handle: Handle) -> None:
        self.handle = handle
        self.deferred = False
        # Only the event Juju delivered can be deferred: the host keeps that one.
        self._from_juju = False
        # The observer running now, and those that deferred this event.
        self._observer: str | None = None
        self._deferred_by: set[str] = set()

    def defer(self) -> None:
        """Delivers this event again at the start of the next dispatch."""
        if not self._from_juju:
            raise RuntimeError(
                f"{type(self).__name__} is a charm library's own event; only the events "
                "Juju delivers can be deferred on wasmcharm yet"
            )
        if not self.deferred:
            call(_host.deferral.defer)
            self.deferred = True
        if self._observer is not None:
            self._deferred_by.add(self._observer)

    def snapshot(self) -> dict[str, Any]:
        """What ``ops`` would store of this event to deliver it again; subclasses add to
        it (charm libraries override this)."""
        return {}

    def restore(self, snapshot: dict[str, Any]) -> None:
        """The inverse of :meth:`snapshot`."""


class Object:
    """Something with a place under the charm (a charm library's requirer, the charm
    itself): its ``handle``, ``framework`` and ``model``, as ``ops.Object``."""

    handle_kind: str = ""

    def __init__(self, parent: Object | Framework, key: str | None) -> None:
        kind = type(self).handle_kind or type(self).__name__
        if isinstance(parent, Framework):
            self.framework = parent
            self.handle = Handle(None, kind, key)
        else:
            self.framework = parent.framework
            self.handle = parent.handle.nest(kind, key)

    @property
    def model(self) -> Any:
        """The model: unit, app, config, relations."""
        return self.framework.model


class BoundEvent:
    """An event kind on an object's ``on``, to observe (``self.on.install``) or, for a
    library's own events, to ``emit``."""

    def __init__(
        self,
        emitter: ObjectEvents | None,
        event_type: type[EventBase] | None,
        kind: str,
        key: str | None = None,
    ) -> None:
        self.emitter = emitter
        self.event_type = event_type
        self.event_kind = kind
        # Juju's events are observed by kind; a library's by where they are emitted.
        self._key = key or kind

    def emit(self, *args: Any, **kwargs: Any) -> None:
        """Makes the event (``event_type(handle, *args, **kwargs)``) and runs its
        observers now, as ``ops`` does."""
        if self.emitter is None or self.event_type is None:
            raise RuntimeError(f"{self.event_kind} is Juju's to emit, not the charm's")
        framework = self.emitter.framework
        framework._emitted += 1
        handle = self.emitter.handle.nest(self.event_kind, str(framework._emitted))
        framework._emit(self._key, self.event_type(handle, *args, **kwargs))

    def __repr__(self) -> str:
        return f"<BoundEvent {self._key}>"


class EventSource:
    """A library's own event kind, as a class attribute of its ``ObjectEvents``:
    ``ready = EventSource(ReadyEvent)``."""

    def __init__(self, event_type: type[EventBase]) -> None:
        if not (isinstance(event_type, type) and issubclass(event_type, EventBase)):
            raise TypeError(f"EventSource takes an EventBase subclass, not {event_type!r}")
        self.event_type = event_type
        self.event_kind = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.event_kind = name

    def __get__(self, emitter: ObjectEvents | None, owner: type) -> Any:
        if emitter is None:
            return self
        return BoundEvent(
            emitter, self.event_type, self.event_kind, f"{emitter.handle.path}/{self.event_kind}"
        )


class ObjectEvents(Object):
    """An object's ``on``: a class attribute (``on = ReadyEvents()``) that each
    instance gets its own of, holding its ``EventSource`` kinds."""

    handle_kind = "on"
    _attribute = "on"

    def __init__(self, parent: Object | None = None, key: str | None = None) -> None:
        if parent is not None:
            super().__init__(parent, key)

    def __set_name__(self, owner: type, name: str) -> None:
        self._attribute = name

    def __get__(self, emitter: Object | None, owner: type) -> Any:
        if emitter is None:
            return self
        # One per emitter and per attribute: an object may have several.
        slot = f"_wasmcharm_events_{self._attribute}"
        bound = emitter.__dict__.get(slot)
        if bound is None:
            bound = type(self)(emitter, self._attribute)
            emitter.__dict__[slot] = bound
        return bound


Handler = Callable[[Any], None]


class Framework:
    """What ``self.framework`` gives: ``observe``, and the model."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self._observers: dict[str, list[Handler]] = {}
        self._emitted = 0

    def observe(self, event: BoundEvent, handler: Handler) -> None:
        """Calls ``handler(event)`` when an event of this kind is delivered."""
        if not isinstance(event, BoundEvent):
            raise TypeError(f"observe takes an event from an object's on, not {event!r}")
        # As ops: an observer is a method (of the charm or of a library's object).
        if not inspect.ismethod(handler):
            raise TypeError(
                f"Framework.observe requires a method as the 'observer' parameter, got {handler!r}"
            )
        self._observers.setdefault(event._key, []).append(handler)

    def _observes(self, kind: str) -> bool:
        return bool(self._observers.get(kind))

    def _emit(self, kind: str, event: EventBase, only: set[str] | None = None) -> bool:
        """Runs the observers of ``kind`` (of them, with ``only``, those named); whether
        there were any."""
        handlers = [h for h in self._observers.get(kind, []) if only is None or _name(h) in only]
        for handler in handlers:
            event._observer = _name(handler)
            handler(event)
        event._observer = None
        return bool(handlers)


def _name(handler: Handler) -> str:
    """An observer's name, as ``ops`` keeps it with a deferred event: its object's
    handle and its method."""
    owner = getattr(handler, "__self__", None)
    handle = getattr(owner, "handle", None)
    where = handle.path if isinstance(handle, Handle) else type(owner).__name__
    return f"{where}/{getattr(handler, '__name__', repr(handler))}"


class Deferrals:
    """Which observers deferred each event the host keeps queued, in the unit's store,
    so that a redelivered event goes to those observers only, as ``ops`` delivers it.
    An event is named by what the host delivers (the host keeps one of each)."""

    PREFIX = "wasmcharm-ops/deferred/"

    @staticmethod
    def key(event: object) -> str:
        # hashlib is imported with this module: at hook time nothing more can be.
        return Deferrals.PREFIX + hashlib.sha256(repr(event).encode()).hexdigest()[:32]

    @staticmethod
    def observers(event: object) -> set[str] | None:
        """Those that deferred ``event``; None when nothing says (all of them, then)."""
        raw = _host.store.get(Deferrals.key(event))
        if not raw:
            return None
        names = json.loads(raw.decode())
        return set(names) if isinstance(names, list) else None

    @staticmethod
    def keep(event: object, observers: set[str]) -> None:
        """Notes who deferred ``event`` this time; none means it is done with."""
        key = Deferrals.key(event)
        if observers:
            _host.store.set(key, json.dumps(sorted(observers)).encode())
        elif _host.store.get(key):
            _host.store.delete(key)


class StoredState:
    """State kept between dispatches, as a class attribute of the charm (or of a
    library's ``Object``):

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
        # Named as ops names it in its own store: under the object that holds it.
        handle = getattr(instance, "handle", None)
        parent = handle.path if isinstance(handle, Handle) else owner.__name__
        key = f"{parent}/StoredStateData[{self._attr}]"
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
            raise InvalidInputError(f"stored state {key!r} is not a JSON object", "invalid-input")
        object.__setattr__(self, "_data", data)

    def _save(self, data: dict[str, Any]) -> None:
        """Stores ``data`` and makes it the state; nothing changes if it cannot be."""
        try:
            raw = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
        except (TypeError, ValueError) as e:
            raise InvalidInputError(f"stored state holds what JSON cannot: {e}", "invalid-input") from None
        _host.store.set(self._key, raw)
        # What was stored, as the next dispatch will read it (tuples become lists).
        object.__setattr__(self, "_data", json.loads(raw))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
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
