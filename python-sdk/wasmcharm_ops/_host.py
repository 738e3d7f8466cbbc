"""The host's interfaces, as componentize-py binds them, and their errors as exceptions.

Every call into the host goes through :func:`call`, which turns the contract's
``result<_, error>`` (raised by the bindings as ``componentize_py_types.Err``) into a
:class:`ModelError` of the matching kind, so that a charm catches errors by kind as it
would in ``ops``.
"""

from __future__ import annotations

from typing import Callable, TypeVar

from componentize_py_types import Err
from wit_world.imports import (  # noqa: F401  (re-exported for the SDK's modules)
    actions,
    config,
    context,
    deferral,
    event,
    log,
    machine,
    model,
    network,
    pebble,
    ports,
    relations,
    resources,
    secrets,
    status,
    storage,
    store,
    types,
)

T = TypeVar("T")


class ModelError(Exception):
    """A host call failed; ``kind`` says how (``not-found``, ``permission-denied``...)."""

    def __init__(self, message: str, kind: str = "internal") -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class NotFoundError(ModelError):
    """What was asked for does not exist."""


class PermissionDeniedError(ModelError):
    """The charm's manifest or Juju does not allow it."""


class InvalidInputError(ModelError):
    """An argument is not what the host, Juju or Pebble accepts."""


class ConnectionError(ModelError):  # noqa: A001  (ops' name: pebble.ConnectionError)
    """The workload's Pebble cannot be reached."""


class CommandError(ModelError):
    """A command exited non-zero; ``exit_code`` and ``stderr`` say how."""

    def __init__(self, message: str, exit_code: int | None, stderr: str | None) -> None:
        super().__init__(message, "failed-command")
        self.exit_code = exit_code
        self.stderr = stderr or ""


class TimeoutError(ModelError):  # noqa: A001
    """The call did not finish by the dispatch's deadline or its own timeout."""


_KINDS: dict[types.ErrorKind, tuple[type[ModelError], str]] = {
    types.ErrorKind.NOT_FOUND: (NotFoundError, "not-found"),
    types.ErrorKind.PERMISSION_DENIED: (PermissionDeniedError, "permission-denied"),
    types.ErrorKind.INVALID_INPUT: (InvalidInputError, "invalid-input"),
    types.ErrorKind.CONNECTION: (ConnectionError, "connection"),
    types.ErrorKind.TIMEOUT: (TimeoutError, "timeout"),
    types.ErrorKind.UNSUPPORTED: (ModelError, "unsupported"),
    types.ErrorKind.INTERNAL: (ModelError, "internal"),
}


def error(err: types.Error) -> ModelError:
    """The exception for a host error."""
    if err.kind == types.ErrorKind.FAILED_COMMAND:
        return CommandError(err.message, err.exit_code, err.stderr)
    cls, kind = _KINDS.get(err.kind, (ModelError, "internal"))
    return cls(err.message, kind)


def call(fn: Callable[..., T], *args: object) -> T:
    """``fn(*args)``, with a host error raised as a :class:`ModelError`."""
    try:
        return fn(*args)
    except Err as e:
        raise error(e.value) from None
