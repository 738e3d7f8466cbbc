"""The component's entry point: componentize-py builds a charm with this module as its
application (``componentize wasmcharm_ops.world``). At build time it imports the
charm's module, ``charm`` (``src/charm.py``), whose ``main(CharmClass)`` names the
charm; every module the charm imports is loaded then, in the pre-initialised
component, not at hook time. Each event then constructs the charm, runs the event's
observers and collects the status."""

from __future__ import annotations

import logging
import traceback

import wit_world
from componentize_py_types import Err

from . import _host
from ._host import CommandError, ModelError
from .charm import CollectStatusEvent, event_of
from .framework import Deferrals, Framework
from .model import Model

_LEVELS = [
    (logging.CRITICAL, _host.log.Level.CRITICAL),
    (logging.ERROR, _host.log.Level.ERROR),
    (logging.WARNING, _host.log.Level.WARNING),
    (logging.INFO, _host.log.Level.INFO),
    (logging.DEBUG, _host.log.Level.DEBUG),
]


class _JujuLogHandler(logging.Handler):
    """``logging`` to ``juju-log``, as ``ops`` sets it up."""

    def emit(self, record: logging.LogRecord) -> None:
        level = next((lv for py, lv in _LEVELS if record.levelno >= py), _host.log.Level.TRACE)
        _host.log.log(level, self.format(record))


_log_handler = _JujuLogHandler()


def _log_to_juju() -> None:
    """Routes logging to juju-log, from the first event on: while the component is
    built (the charm's module imported) there is no Juju to log to."""
    root = logging.getLogger()
    if _log_handler not in root.handlers:
        root.addHandler(_log_handler)
        root.setLevel(logging.DEBUG)


class _Registry:
    charm: type | None = None


registry = _Registry()

# The charm's module, imported now (at build time) so that it calls main().
import charm as _charm_module  # noqa: E402


def _charm_class(module: object) -> type:
    """The charm ``main`` named, or, where ``charm.py`` calls it only under
    ``if __name__ == "__main__":`` as an ``ops`` charm does (the module is imported
    here, never run), the one ``CharmBase`` subclass the module defines."""
    from .charm import CharmBase

    if registry.charm is not None:
        return registry.charm
    defined = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, CharmBase)
        and value.__module__ == getattr(module, "__name__", None)
    ]
    # A base class the module also subclasses is not the charm.
    defined = [c for c in defined if not any(o is not c and issubclass(o, c) for o in defined)]
    if len(defined) != 1:
        found = ", ".join(sorted(c.__name__ for c in defined)) or "none"
        raise ImportError(
            "charm.py must name its charm: call ops.main(YourCharm) at its top level, or "
            f"define exactly one CharmBase subclass (it defines {found})"
        )
    return defined[0]


registry.charm = _charm_class(_charm_module)


def _preload(root_module: object) -> None:
    """Imports now every module the charm's own code names anywhere, in functions too.

    The component is initialised at build time and has no files at hook time: a module
    first imported inside a handler would fail there, in production. So every ``import``
    in the charm's own modules (those beside ``charm.py``, and charm libraries: the
    ``charms`` package, as ``lib/charms/...`` holds them) runs at build time, where a
    missing module fails the build naming the line; at hook time it is already loaded.
    Imports under ``if TYPE_CHECKING:`` are left alone, and those inside a ``try`` that
    handles ImportError are optional: tried, and left out if they fail."""
    import ast
    import importlib
    import importlib.util
    import os

    root_file = getattr(root_module, "__file__", None)
    if not root_file:
        return
    src = os.path.dirname(os.path.abspath(root_file)) + os.sep

    def is_own(name: str, path: str) -> bool:
        return os.path.abspath(path).startswith(src) or name == "charms" or name.startswith("charms.")

    def catches_import_error(handler: ast.ExceptHandler) -> bool:
        names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        return handler.type is None or any(
            isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError", "Exception")
            for n in names
        )

    def is_type_checking(test: ast.expr) -> bool:
        return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
        )

    def imports(tree: ast.AST) -> list[tuple[ast.stmt, bool]]:
        """Every import statement, and whether it is optional; none under TYPE_CHECKING."""
        found: list[tuple[ast.stmt, bool]] = []

        def visit(node: ast.AST, optional: bool) -> None:
            if isinstance(node, ast.If) and is_type_checking(node.test):
                for child in node.orelse:
                    visit(child, optional)
                return
            if isinstance(node, ast.Try) and any(catches_import_error(h) for h in node.handlers):
                for child in node.body:
                    visit(child, True)
                for child in [*node.handlers, *node.orelse, *node.finalbody]:
                    visit(child, optional)
                return
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.append((node, optional))
            for child in ast.iter_child_nodes(node):
                visit(child, optional)

        visit(tree, False)
        return found

    seen: set[str] = set()
    pending = [root_module]
    while pending:
        module = pending.pop()
        path = getattr(module, "__file__", None)
        name = getattr(module, "__name__", "")
        if not path or name in seen or not is_own(name, path):
            continue
        seen.add(name)
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
        package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
        for node, optional in imports(tree):
            if isinstance(node, ast.Import):
                targets = [(alias.name, True) for alias in node.names]
            else:
                assert isinstance(node, ast.ImportFrom)
                base = (
                    importlib.util.resolve_name("." * node.level + (node.module or ""), package)
                    if node.level
                    else (node.module or "")
                )
                # `from x import y` names y, which may be a submodule or an attribute.
                targets = [(base, True)] + [(f"{base}.{a.name}", False) for a in node.names]
            for target, required in targets:
                try:
                    pending.append(importlib.import_module(target))
                except ImportError:
                    if optional:
                        continue
                    if not required:
                        try:
                            exists = importlib.util.find_spec(target) is not None
                        except (ImportError, ValueError):
                            exists = False
                        if not exists:
                            continue
                    raise ImportError(
                        f"{path}, line {node.lineno}: {target} cannot be imported "
                        "when the charm is built, so it could not be at hook time"
                    ) from None


_preload(_charm_module)


def _preload_codecs() -> None:
    """Imports every text codec now. Python looks codecs up by name and imports them
    when first used, from inside the standard library too (``socket.getfqdn`` needs
    ``idna``): at hook time that would be ``LookupError: unknown encoding``."""
    import encodings
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(encodings.__path__):
        try:
            importlib.import_module(f"encodings.{module.name}")
        except ImportError:
            pass  # another platform's (mbcs, oem)


_preload_codecs()


def _fail(e: BaseException) -> Err:
    if isinstance(e, CommandError):
        return Err(
            _host.types.Error(
                kind=_host.types.ErrorKind.FAILED_COMMAND,
                message=e.message,
                exit_code=e.exit_code,
                stderr=e.stderr,
            )
        )
    if isinstance(e, ModelError):
        kind = {
            "not-found": _host.types.ErrorKind.NOT_FOUND,
            "permission-denied": _host.types.ErrorKind.PERMISSION_DENIED,
            "invalid-input": _host.types.ErrorKind.INVALID_INPUT,
            "connection": _host.types.ErrorKind.CONNECTION,
            "timeout": _host.types.ErrorKind.TIMEOUT,
            "unsupported": _host.types.ErrorKind.UNSUPPORTED,
        }.get(e.kind, _host.types.ErrorKind.INTERNAL)
        message = e.message
    else:
        kind = _host.types.ErrorKind.INTERNAL
        message = f"{type(e).__name__}: {e}"
    return Err(_host.types.Error(kind=kind, message=message, exit_code=None, stderr=None))


class WitWorld(wit_world.WitWorld):
    def handle(self, event: _host.event.Event) -> None:
        try:
            _dispatch(event)
        except Err:
            raise
        except Exception as e:
            logging.debug("".join(traceback.format_exception(e)).rstrip())
            raise _fail(e) from None


def _dispatch(event: _host.event.Event) -> None:
    cls = registry.charm
    assert cls is not None
    _log_to_juju()
    framework = Framework(Model())
    charm = cls(framework)
    kind, ops_event = event_of(event, charm)
    redelivered = _host.deferral.is_redelivery()
    # A deferred event goes again to the observers that deferred it, as in ops.
    framework._emit(kind, ops_event, Deferrals.observers(event) if redelivered else None)
    if redelivered:
        Deferrals.keep(event, ops_event._deferred_by)
    elif ops_event._deferred_by:
        # Deferred again while still queued: the host keeps one, for all of them.
        earlier = Deferrals.observers(event) or set()
        Deferrals.keep(event, earlier | ops_event._deferred_by)
    # The dispatch's own event comes last, after any deferred ones: collect then.
    if redelivered:
        return
    unit_statuses = CollectStatusEvent(charm.on.handle.nest("collect_unit_status", "1"))
    if framework._emit("collect_unit_status", unit_statuses):
        status = unit_statuses._highest()
        if status is not None:
            charm.unit.status = status
    # Only the leader sets the application's status; asked only when it matters.
    if framework._observes("collect_app_status") and charm.unit.is_leader():
        app_statuses = CollectStatusEvent(charm.on.handle.nest("collect_app_status", "1"))
        framework._emit("collect_app_status", app_statuses)
        status = app_statuses._highest()
        if status is not None:
            charm.app.status = status
