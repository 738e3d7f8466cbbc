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

from typing import Any

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
from .secret import Secret, SecretInfo, SecretNotFoundError, SecretRotate

from . import machine, pebble  # noqa: E402


def main(charm_class: type[CharmBase], **_options: Any) -> None:
    """Names the charm, from the top level of ``charm.py``. An ``ops`` charm's
    ``ops.main(Charm)`` under ``if __name__ == "__main__"`` serves too: the module is
    imported when the component is built, never run, and the charm is then the one
    ``CharmBase`` subclass it defines. ``ops``' options (``use_juju_for_storage``...)
    are accepted and have nothing to change: state is always the unit's own store."""
    from . import world

    if not (isinstance(charm_class, type) and issubclass(charm_class, CharmBase)):
        raise TypeError(f"main takes a CharmBase subclass, not {charm_class!r}")
    world.registry.charm = charm_class


__all__ = [name for name in dir() if not name.startswith("_") and name not in ("Any", "annotations")]


def _answer_as_ops() -> None:
    """Makes ``import ops`` (and ``ops.charm``, ``ops.framework``, ``ops.model``,
    ``ops.pebble``) this package, so that a charm written against ``ops``, and the
    charm libraries it fetched, import unchanged. Done when the component is built,
    before the charm's module is imported; an ``ops`` already imported is left alone."""
    import sys

    from . import charm, framework, model

    import types

    this = sys.modules[__name__]
    # ops has these in ops.model; a library importing them from there finds them.
    model.Secret = Secret  # type: ignore[attr-defined]
    model.SecretNotFoundError = SecretNotFoundError  # type: ignore[attr-defined]
    model.SecretRotate = SecretRotate  # type: ignore[attr-defined]

    class _MainModule(types.ModuleType):
        """``from ops.main import main`` and ``ops.main(Charm)`` both, as in ``ops``."""

        def __call__(self, charm_class: type[CharmBase], **options: Any) -> None:
            main(charm_class, **options)

    main_module = _MainModule("ops.main")
    main_module.main = main  # type: ignore[attr-defined]
    for name, module in {
        "ops": this,
        "ops.charm": charm,
        "ops.framework": framework,
        "ops.model": model,
        "ops.pebble": pebble,
        "ops.main": main_module,
    }.items():
        sys.modules.setdefault(name, module)


_answer_as_ops()
