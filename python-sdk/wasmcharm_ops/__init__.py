"""Juju charms in Python on wasmcharm, in ``ops``' vocabulary.

A charm is an ``ops``-style class in ``src/charm.py``::

    import logging
    import wasmcharm_ops as ops

    class PauseCharm(ops.CharmBase):
        def __init__(self, framework: ops.Framework) -> None:
            super().__init__(framework)
            framework.observe(self.on.pause_pebble_ready, self._on_ready)

        def _on_ready(self, event: ops.PebbleReadyEvent) -> None:
            event.workload.add_layer("pause", {...}, combine=True)
            event.workload.replan()
            self.unit.status = ops.ActiveStatus()

    ops.main(PauseCharm)

built with componentize-py against the ``juju:charm`` WIT contract, with
``wasmcharm_ops.world`` as the application. What differs from ``ops``, and why, is in
the package's README.
"""

from __future__ import annotations

from ._host import (
    CommandError,
    InvalidInputError,
    ModelError,
    NotFoundError,
    PermissionDeniedError,
)
from .charm import (
    ActionEvent,
    CharmBase,
    CharmEvents,
    CollectStatusEvent,
    ConfigChangedEvent,
    HookEvent,
    InstallEvent,
    LeaderElectedEvent,
    PebbleCheckFailedEvent,
    PebbleCheckRecoveredEvent,
    PebbleCustomNoticeEvent,
    PebbleReadyEvent,
    RelationBrokenEvent,
    RelationChangedEvent,
    RelationCreatedEvent,
    RelationDepartedEvent,
    RelationEvent,
    RelationJoinedEvent,
    RemoveEvent,
    SecretChangedEvent,
    SecretEvent,
    SecretExpiredEvent,
    SecretRemoveEvent,
    SecretRotateEvent,
    StorageEvent,
    StartEvent,
    StopEvent,
    StorageAttachedEvent,
    StorageDetachingEvent,
    UpdateStatusEvent,
    UpgradeCharmEvent,
    WorkloadEvent,
)
from .framework import (
    BoundEvent,
    EventBase,
    EventSource,
    Framework,
    Handle,
    Object,
    ObjectEvents,
    StoredState,
)
from .model import (
    ActiveStatus,
    Application,
    BlockedStatus,
    ErrorStatus,
    MaintenanceStatus,
    Model,
    Binding,
    CloudSpec,
    Network,
    Port,
    Relation,
    StatusBase,
    Storage,
    Unit,
    UnknownStatus,
    WaitingStatus,
)
from .pebble import CheckInfo, CheckLevel, CheckStatus, Container, Layer
from .secret import Secret, SecretInfo, SecretRotate

from . import machine, pebble  # noqa: E402


def main(charm_class: type[CharmBase]) -> None:
    """Names the charm: call it at the top level of ``charm.py``, as an ``ops`` charm
    calls ``ops.main`` (here without ``if __name__ == "__main__"``: the module is
    imported when the component is built, never run as a script)."""
    from . import world

    if not (isinstance(charm_class, type) and issubclass(charm_class, CharmBase)):
        raise TypeError(f"main takes a CharmBase subclass, not {charm_class!r}")
    world.registry.charm = charm_class


__all__ = [name for name in dir() if not name.startswith("_")]


def _answer_as_ops() -> None:
    """Makes ``import ops`` (and ``ops.charm``, ``ops.framework``, ``ops.model``,
    ``ops.pebble``) this package, so that a charm written against ``ops``, and the
    charm libraries it fetched, import unchanged. Done when the component is built,
    before the charm's module is imported; an ``ops`` already imported is left alone."""
    import sys

    from . import charm, framework, model

    this = sys.modules[__name__]
    # ops has Secret in ops.model; a library importing it from there finds it.
    model.Secret = Secret  # type: ignore[attr-defined]
    for name, module in {
        "ops": this,
        "ops.charm": charm,
        "ops.framework": framework,
        "ops.model": model,
        "ops.pebble": pebble,
    }.items():
        sys.modules.setdefault(name, module)


_answer_as_ops()
