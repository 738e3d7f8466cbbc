"""Workload containers and their Pebble, as ``ops.pebble`` and ``ops.Container`` name
them. A layer is a dict (or a :class:`Layer`) in Pebble's own YAML keys; it reaches
Pebble through the host, which validates it as Pebble does."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from . import _host
from ._host import (  # noqa: F401
    ConnectionError,
    InvalidInputError,
    ModelError,
    NotFoundError,
    call,
)

_p = _host.pebble

_OVERRIDE = {"merge": _p.Override.MERGE, "replace": _p.Override.REPLACE}
_STARTUP = {"enabled": _p.Startup.ENABLED, "disabled": _p.Startup.DISABLED}
_EXIT = {
    "restart": _p.ExitAction.RESTART,
    "shutdown": _p.ExitAction.SHUTDOWN,
    "ignore": _p.ExitAction.IGNORE,
    "success-shutdown": _p.ExitAction.SUCCESS_SHUTDOWN,
    "failure-shutdown": _p.ExitAction.FAILURE_SHUTDOWN,
}
_SERVICE_KEYS = {
    "override", "summary", "description", "startup", "command", "after", "before",
    "requires", "environment", "user-id", "user", "group-id", "group", "working-dir",
    "on-success", "on-failure", "on-check-failure", "backoff-delay", "backoff-factor",
    "backoff-limit", "kill-delay",
}
_UNITS_MS = {"h": 3_600_000.0, "m": 60_000.0, "s": 1000.0, "ms": 1.0, "us": 0.001, "ns": 1e-6}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|us|ns|m|s)")


def _ms(value: Any, what: str) -> int | None:
    """A Go duration (``"1.5s"``, ``"500ms"``) in milliseconds."""
    if value is None:
        return None
    text = str(value)
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise InvalidInputError(f"{what}: {text!r} is not a duration such as 500ms or 1.5s", "invalid-input")
    return round(sum(float(n) * _UNITS_MS[u] for n, u in parts))


def _duration(ms: int | None) -> str | None:
    return None if ms is None else f"{ms}ms"


def _choice(table: Mapping[str, Any], value: Any, what: str) -> Any:
    if value is None:
        return None
    try:
        return table[value]
    except KeyError:
        raise InvalidInputError(
            f"{what}: {value!r} is not one of {', '.join(sorted(table))}", "invalid-input"
        ) from None


def _service_to_host(name: str, raw: Mapping[str, Any]) -> _p.Service:
    unknown = set(raw) - _SERVICE_KEYS
    if unknown:
        raise InvalidInputError(
            f"service {name!r}: unknown field(s) {', '.join(sorted(unknown))}", "invalid-input"
        )
    what = f"service {name!r}"
    if "override" not in raw:
        raise InvalidInputError(f"{what}: `override` must be merge or replace", "invalid-input")
    return _p.Service(
        override=_choice(_OVERRIDE, raw["override"], f"{what} override"),
        summary=raw.get("summary"),
        description=raw.get("description"),
        startup=_choice(_STARTUP, raw.get("startup"), f"{what} startup"),
        command=raw.get("command"),
        after=list(raw.get("after", [])),
        before=list(raw.get("before", [])),
        requires=list(raw.get("requires", [])),
        environment=[(str(k), str(v)) for k, v in dict(raw.get("environment", {})).items()],
        user_id=raw.get("user-id"),
        user=raw.get("user"),
        group_id=raw.get("group-id"),
        group=raw.get("group"),
        working_dir=raw.get("working-dir"),
        on_success=_choice(_EXIT, raw.get("on-success"), f"{what} on-success"),
        on_failure=_choice(_EXIT, raw.get("on-failure"), f"{what} on-failure"),
        on_check_failure=[
            (str(check), _choice(_EXIT, action, f"{what} on-check-failure"))
            for check, action in dict(raw.get("on-check-failure", {})).items()
        ],
        backoff_delay=_ms(raw.get("backoff-delay"), f"{what} backoff-delay"),
        backoff_factor=raw.get("backoff-factor"),
        backoff_limit=_ms(raw.get("backoff-limit"), f"{what} backoff-limit"),
        kill_delay=_ms(raw.get("kill-delay"), f"{what} kill-delay"),
    )


def _service_from_host(service: _p.Service) -> dict[str, Any]:
    inverse = lambda table, v: next((k for k, e in table.items() if e == v), None)  # noqa: E731
    raw: dict[str, Any] = {
        "override": inverse(_OVERRIDE, service.override),
        "summary": service.summary,
        "description": service.description,
        "startup": inverse(_STARTUP, service.startup),
        "command": service.command,
        "after": list(service.after),
        "before": list(service.before),
        "requires": list(service.requires),
        "environment": dict(service.environment),
        "user-id": service.user_id,
        "user": service.user,
        "group-id": service.group_id,
        "group": service.group,
        "working-dir": service.working_dir,
        "on-success": inverse(_EXIT, service.on_success),
        "on-failure": inverse(_EXIT, service.on_failure),
        "on-check-failure": {k: inverse(_EXIT, v) for k, v in service.on_check_failure},
        "backoff-delay": _duration(service.backoff_delay),
        "backoff-factor": service.backoff_factor,
        "backoff-limit": _duration(service.backoff_limit),
        "kill-delay": _duration(service.kill_delay),
    }
    # As Pebble shows a plan: unset fields are absent.
    return {k: v for k, v in raw.items() if v not in (None, [], {})}


_LEVEL = {"alive": _p.CheckLevel.ALIVE, "ready": _p.CheckLevel.READY}
_LOG_TARGET_TYPE = {
    "loki": _p.LogTargetType.LOKI,
    "syslog": _p.LogTargetType.SYSLOG,
    "opentelemetry": _p.LogTargetType.OPENTELEMETRY,
}
_CHECK_KEYS = {
    "override", "level", "startup", "period", "timeout", "threshold", "http", "tcp", "exec",
}
_EXEC_KEYS = {
    "command", "service-context", "environment", "user-id", "user", "group-id", "group",
    "working-dir",
}
_LOG_TARGET_KEYS = {"override", "type", "location", "services", "labels"}


def _count(value: Any, what: str) -> int | None:
    """A whole number of at least 0 (a threshold, a user or group id), or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**32:
        raise InvalidInputError(f"{what}: {value!r} is not a whole number", "invalid-input")
    return value


def _known(what: str, raw: Mapping[str, Any], keys: set[str]) -> None:
    unknown = set(raw) - keys
    if unknown:
        raise InvalidInputError(f"{what}: unknown field(s) {', '.join(sorted(unknown))}", "invalid-input")


def _override(what: str, raw: Mapping[str, Any]) -> Any:
    if "override" not in raw:
        raise InvalidInputError(f"{what}: `override` must be merge or replace", "invalid-input")
    return _choice(_OVERRIDE, raw["override"], f"{what} override")


def _check_to_host(name: str, raw: Mapping[str, Any]) -> _p.Check:
    what = f"check {name!r}"
    _known(what, raw, _CHECK_KEYS)
    http = tcp = exec_ = None
    if "http" in raw:
        h = dict(raw["http"])
        _known(f"{what} http", h, {"url", "headers"})
        http = _p.HttpCheck(
            url=str(h.get("url", "")),
            headers=[(str(k), str(v)) for k, v in dict(h.get("headers", {})).items()],
        )
    if "tcp" in raw:
        t = dict(raw["tcp"])
        _known(f"{what} tcp", t, {"port", "host"})
        port = t.get("port")
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise InvalidInputError(f"{what} tcp: port {port!r} is not a TCP port", "invalid-input")
        tcp = _p.TcpCheck(port=port, host=t.get("host"))
    if "exec" in raw:
        e = dict(raw["exec"])
        _known(f"{what} exec", e, _EXEC_KEYS)
        exec_ = _p.ExecCheck(
            command=str(e.get("command", "")),
            service_context=e.get("service-context"),
            environment=[(str(k), str(v)) for k, v in dict(e.get("environment", {})).items()],
            user_id=_count(e.get("user-id"), f"{what} exec user-id"),
            user=e.get("user"),
            group_id=_count(e.get("group-id"), f"{what} exec group-id"),
            group=e.get("group"),
            working_dir=e.get("working-dir"),
        )
    return _p.Check(
        override=_override(what, raw),
        level=_choice(_LEVEL, raw.get("level"), f"{what} level"),
        startup=_choice(_STARTUP, raw.get("startup"), f"{what} startup"),
        period=_ms(raw.get("period"), f"{what} period"),
        timeout=_ms(raw.get("timeout"), f"{what} timeout"),
        threshold=_count(raw.get("threshold"), f"{what} threshold"),
        http=http,
        tcp=tcp,
        exec=exec_,
    )


def _log_target_to_host(name: str, raw: Mapping[str, Any]) -> _p.LogTarget:
    what = f"log target {name!r}"
    _known(what, raw, _LOG_TARGET_KEYS)
    return _p.LogTarget(
        override=_override(what, raw),
        type=_choice(_LOG_TARGET_TYPE, raw.get("type"), f"{what} type"),
        location=raw.get("location"),
        services=[str(s) for s in raw.get("services", [])],
        labels=[(str(k), str(v)) for k, v in dict(raw.get("labels", {})).items()],
    )


class Layer:
    """A Pebble layer: ``summary``, ``description``, ``services``, ``checks`` and
    ``log-targets``, each a dict of dicts in Pebble's own keys."""

    def __init__(self, raw: Mapping[str, Any] | None = None) -> None:
        raw = dict(raw or {})
        _known("layer", raw, {"summary", "description", "services", "checks", "log-targets"})
        self.summary: str = raw.get("summary", "")
        self.description: str = raw.get("description", "")
        self.services: dict[str, dict[str, Any]] = {
            name: dict(service) for name, service in dict(raw.get("services", {})).items()
        }
        self.checks: dict[str, dict[str, Any]] = {
            name: dict(check) for name, check in dict(raw.get("checks", {})).items()
        }
        self.log_targets: dict[str, dict[str, Any]] = {
            name: dict(target) for name, target in dict(raw.get("log-targets", {})).items()
        }

    def to_dict(self) -> dict[str, Any]:
        """The layer as Pebble's YAML keys have it."""
        out: dict[str, Any] = {}
        if self.summary:
            out["summary"] = self.summary
        if self.description:
            out["description"] = self.description
        if self.services:
            out["services"] = self.services
        if self.checks:
            out["checks"] = self.checks
        if self.log_targets:
            out["log-targets"] = self.log_targets
        return out

    def _to_host(self) -> _p.Layer:
        return _p.Layer(
            summary=self.summary or None,
            description=self.description or None,
            services=[(n, _service_to_host(n, s)) for n, s in self.services.items()],
            checks=[(n, _check_to_host(n, c)) for n, c in self.checks.items()],
            log_targets=[(n, _log_target_to_host(n, t)) for n, t in self.log_targets.items()],
        )

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            other = Layer(other)
        return isinstance(other, Layer) and self.to_dict() == other.to_dict()


class Plan:
    """The plan: every layer folded together (``container.get_plan()``)."""

    def __init__(self, layer: _p.Layer) -> None:
        self.services: dict[str, dict[str, Any]] = {
            name: _service_from_host(service) for name, service in layer.services
        }
        # By name, as ops has them; what each holds is not read back yet.
        self.checks: dict[str, dict[str, Any]] = {name: {} for name, _ in layer.checks}

    def to_dict(self) -> dict[str, Any]:
        """The plan's services as Pebble shows them."""
        return {"services": self.services} if self.services else {}


class CheckLevel(Enum):
    ALIVE = "alive"
    READY = "ready"


class CheckStatus(Enum):
    """A check's state: down once its failures reach its threshold."""

    UP = "up"
    DOWN = "down"
    INACTIVE = "inactive"


@dataclass
class CheckInfo:
    """A check as Pebble runs it (``container.get_check(name)``)."""

    name: str
    level: CheckLevel | None
    status: CheckStatus
    failures: int
    threshold: int

    @staticmethod
    def _from_host(info: _p.CheckInfo) -> CheckInfo:
        level = {_p.CheckLevel.ALIVE: CheckLevel.ALIVE, _p.CheckLevel.READY: CheckLevel.READY}
        status = {
            _p.CheckStatus.UP: CheckStatus.UP,
            _p.CheckStatus.DOWN: CheckStatus.DOWN,
            _p.CheckStatus.INACTIVE: CheckStatus.INACTIVE,
        }
        return CheckInfo(
            name=info.name,
            level=level.get(info.level) if info.level is not None else None,
            status=status[info.status],
            failures=info.failures,
            threshold=info.threshold,
        )


_NOTICE_TYPES = {
    "change-update": _p.NoticeType.CHANGE_UPDATE,
    "custom": _p.NoticeType.CUSTOM,
    "warning": _p.NoticeType.WARNING,
}
_ACCESS = {
    "admin": _p.IdentityAccess.ADMIN,
    "read": _p.IdentityAccess.READ,
    "metrics": _p.IdentityAccess.METRICS,
    "untrusted": _p.IdentityAccess.UNTRUSTED,
}


@dataclass
class Notice:
    """A Pebble notice: one per type and key, counting its occurrences."""

    id: str
    type: str
    key: str
    first_occurred: str
    last_occurred: str
    last_repeated: str
    occurrences: int
    last_data: dict[str, str]

    @staticmethod
    def _from_host(n: _p.Notice) -> Notice:
        return Notice(
            id=n.id,
            type=n.type,
            key=n.key,
            first_occurred=n.first_occurred,
            last_occurred=n.last_occurred,
            last_repeated=n.last_repeated,
            occurrences=n.occurrences,
            last_data=dict(n.last_data),
        )


@dataclass
class Identity:
    """Who may use a Pebble and how they prove it: ``access`` (``admin``, ``read``,
    ``metrics``, ``untrusted``) and a local user id, a basic-auth password hash, or a
    client certificate."""

    access: str
    local_user_id: int | None = None
    basic_password_hash: str | None = None
    cert_pem: str | None = None

    def _to_host(self) -> _p.Identity:
        return _p.Identity(
            access=_choice(_ACCESS, self.access, "identity access"),
            local_user_id=self.local_user_id,
            basic_password_hash=self.basic_password_hash,
            cert_pem=self.cert_pem,
        )

    @staticmethod
    def _from_host(i: _p.Identity) -> Identity:
        access = next((k for k, v in _ACCESS.items() if v == i.access), "unknown")
        return Identity(access, i.local_user_id, i.basic_password_hash, i.cert_pem)


class FileType(Enum):
    FILE = "file"
    DIRECTORY = "directory"
    SYMLINK = "symlink"
    SOCKET = "socket"
    NAMED_PIPE = "named-pipe"
    DEVICE = "device"
    UNKNOWN = "unknown"


@dataclass
class FileInfo:
    """An entry ``list_files`` found."""

    path: str
    name: str
    type: FileType
    size: int | None
    permissions: int
    last_modified: str
    user_id: int | None
    user: str | None
    group_id: int | None
    group: str | None

    @staticmethod
    def _from_host(f: _p.FileInfo) -> FileInfo:
        return FileInfo(
            path=f.path,
            name=f.name,
            type=FileType(f.type.name.lower().replace("_", "-")),
            size=f.size,
            permissions=f.permissions,
            last_modified=f.last_modified,
            user_id=f.user_id,
            user=f.user,
            group_id=f.group_id,
            group=f.group,
        )


class ServiceStatus(Enum):
    """A service's current state."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    BACKOFF = "backoff"
    ERROR = "error"


@dataclass
class ServiceInfo:
    """A service's name, startup and current state."""

    name: str
    startup: str
    current: ServiceStatus

    def is_running(self) -> bool:
        """Whether it is active."""
        return self.current == ServiceStatus.ACTIVE


class ExecError(ModelError):
    """A command in the container exited non-zero."""

    def __init__(self, command: list[str], exit_code: int, stdout: str, stderr: str) -> None:
        super().__init__(f"{command!r} exited with code {exit_code}", "failed-command")
        self.command = command
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr


class PathError(ModelError):
    """A file operation in the container failed (``kind``: ``not-found``...)."""


def _file_options(
    make_dirs: bool,
    permissions: int | None,
    user_id: int | None,
    user: str | None,
    group_id: int | None,
    group: str | None,
) -> _p.FileOptions:
    return _p.FileOptions(
        make_parents=make_dirs,
        permissions=permissions,
        user_id=user_id,
        user=user,
        group_id=group_id,
        group=group,
    )


def _path_call(fn: Any, *args: Any) -> Any:
    try:
        return call(fn, *args)
    except (ConnectionError,):
        raise
    except ModelError as e:
        raise PathError(e.message, e.kind) from None


class Container:
    """A workload container (``self.unit.get_container("web")``)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def can_connect(self) -> bool:
        """Whether its Pebble answers."""
        return call(_p.can_connect, self.name)

    def add_layer(self, label: str, layer: Layer | Mapping[str, Any], *, combine: bool = False) -> None:
        """Adds a layer, or with ``combine`` folds it into the layer ``label``."""
        if not isinstance(layer, Layer):
            layer = Layer(layer)
        call(_p.add_layer, self.name, label, layer._to_host(), combine)

    def get_plan(self) -> Plan:
        """The plan: every layer folded together."""
        return Plan(call(_p.get_plan, self.name))

    def get_services(self, *names: str) -> dict[str, ServiceInfo]:
        """The services (all, or those named), by name."""
        infos = call(_p.get_services, self.name, list(names))
        return {
            i.name: ServiceInfo(
                i.name,
                "enabled" if i.startup == _p.Startup.ENABLED else "disabled",
                ServiceStatus[i.current.name],
            )
            for i in infos
        }

    def get_service(self, name: str) -> ServiceInfo:
        """One service; :class:`ModelError` if there is no such service."""
        services = self.get_services(name)
        if name not in services:
            raise NotFoundError(f"service {name!r} not found", "not-found")
        return services[name]

    def get_checks(self, *names: str, level: CheckLevel | None = None) -> dict[str, CheckInfo]:
        """The checks in the plan (those named, or all), by name."""
        host_level = None if level is None else _LEVEL[level.value]
        infos = call(_p.get_checks, self.name, host_level, list(names))
        return {info.name: CheckInfo._from_host(info) for info in infos}

    def get_check(self, name: str) -> CheckInfo:
        """One check; ``ModelError`` if the plan has none of that name."""
        checks = self.get_checks(name)
        if name not in checks:
            raise NotFoundError(f"check {name!r} not found", "not-found")
        return checks[name]

    def start_checks(self, *names: str) -> list[str]:
        """Starts checks; returns those that were not running."""
        return list(call(_p.start_checks, self.name, list(names)))

    def stop_checks(self, *names: str) -> list[str]:
        """Stops checks; returns those that were running."""
        return list(call(_p.stop_checks, self.name, list(names)))

    def get_notices(
        self,
        *,
        types: list[str] | None = None,
        keys: list[str] | None = None,
        after: str | None = None,
    ) -> list[Notice]:
        """Notices of these types (``custom``, ``change-update``, ``warning``) and keys
        (any, when not given), repeated after ``after`` (RFC 3339)."""
        filter_ = _p.NoticeFilter(
            types=[_choice(_NOTICE_TYPES, t, "notice type") for t in (types or [])],
            keys=list(keys or []),
            after=after,
        )
        return [Notice._from_host(n) for n in call(_p.get_notices, self.name, filter_)]

    def get_notice(self, id: str) -> Notice:  # noqa: A002
        return Notice._from_host(call(_p.get_notice, self.name, id))

    def notify(self, key: str, data: dict[str, str] | None = None) -> str:
        """Records a custom notice (``example.com/path``); returns its id."""
        pairs = [(str(k), str(v)) for k, v in (data or {}).items()]
        return call(_p.notify, self.name, key, pairs, None)

    def get_identities(self) -> dict[str, Identity]:
        """Who may use this Pebble, by name."""
        return {n: Identity._from_host(i) for n, i in call(_p.get_identities, self.name)}

    def replace_identities(self, identities: Mapping[str, Identity]) -> None:
        """Adds or replaces the identities named; the rest stay."""
        call(
            _p.replace_identities,
            self.name,
            [(name, identity._to_host()) for name, identity in identities.items()],
        )

    def remove_identities(self, *names: str) -> None:
        call(_p.remove_identities, self.name, list(names))

    def send_signal(self, sig: str, *service_names: str) -> None:
        """Sends ``sig`` (``SIGHUP``...) to running services."""
        call(_p.send_signal, self.name, sig, list(service_names))

    def list_files(
        self, path: str, *, pattern: str | None = None, itself: bool = False
    ) -> list[FileInfo]:
        """A directory's entries (or the file itself); ``pattern`` is a glob on names."""
        return [
            FileInfo._from_host(f)
            for f in _path_call(_p.list_files, self.name, path, pattern, itself)
        ]

    def start(self, *names: str) -> None:
        """Starts the services."""
        call(_p.start, self.name, list(names))

    def stop(self, *names: str) -> None:
        """Stops the services."""
        call(_p.stop, self.name, list(names))

    def restart(self, *names: str) -> None:
        """Restarts the services (starting those that were stopped)."""
        call(_p.restart, self.name, list(names))

    def replan(self) -> None:
        """Starts every enabled service, restarting those whose definition changed."""
        call(_p.replan, self.name)

    def autostart(self) -> None:
        """Starts every enabled service."""
        call(_p.autostart, self.name)

    def push(
        self,
        path: str,
        source: str | bytes,
        *,
        make_dirs: bool = False,
        permissions: int | None = None,
        user_id: int | None = None,
        user: str | None = None,
        group_id: int | None = None,
        group: str | None = None,
    ) -> None:
        """Writes a file, atomically."""
        content = source.encode() if isinstance(source, str) else bytes(source)
        options = _file_options(make_dirs, permissions, user_id, user, group_id, group)
        _path_call(_p.push, self.name, path, content, options)

    def pull(self, path: str, *, encoding: str | None = "utf-8") -> str | bytes:
        """A file's content: text (``encoding``), or bytes with ``encoding=None``."""
        content = _path_call(_p.pull, self.name, path)
        return content if encoding is None else content.decode(encoding)

    def exists(self, path: str) -> bool:
        """Whether the path exists."""
        try:
            _path_call(_p.list_files, self.name, path, None, True)
        except PathError as e:
            if e.kind == "not-found":
                return False
            raise
        return True

    def make_dir(
        self,
        path: str,
        *,
        make_parents: bool = False,
        permissions: int | None = None,
        user_id: int | None = None,
        user: str | None = None,
        group_id: int | None = None,
        group: str | None = None,
    ) -> None:
        """Makes a directory."""
        options = _file_options(make_parents, permissions, user_id, user, group_id, group)
        _path_call(_p.make_dir, self.name, path, options)

    def remove_path(self, path: str, *, recursive: bool = False) -> None:
        """Removes a file, or a directory (with ``recursive``, and what is in it)."""
        _path_call(_p.remove_path, self.name, path, recursive)

    def exec(
        self,
        command: list[str],
        *,
        environment: Mapping[str, str] | None = None,
        working_dir: str | None = None,
        timeout: float | None = None,
        user_id: int | None = None,
        user: str | None = None,
        group_id: int | None = None,
        group: str | None = None,
        stdin: str | bytes | None = None,
        service_context: str | None = None,
    ) -> ExecProcess:
        """Runs a command to its end (the host waits, within the dispatch's deadline);
        ``.wait_output()`` on the result gives (stdout, stderr) or raises
        :class:`ExecError`."""
        data = stdin.encode() if isinstance(stdin, str) else stdin
        output = call(
            _p.exec,
            self.name,
            _p.ExecCommand(
                command=list(command),
                environment=[(k, v) for k, v in (environment or {}).items()],
                working_dir=working_dir,
                service_context=service_context,
                user_id=user_id,
                user=user,
                group_id=group_id,
                group=group,
                stdin=data,
                timeout=None if timeout is None else round(timeout * 1000),
            ),
        )
        return ExecProcess(list(command), output.exit_code, output.stdout, output.stderr)


class ExecProcess:
    """A command that has run: ``wait_output()`` and ``wait()`` as in ``ops``."""

    def __init__(self, command: list[str], exit_code: int, stdout: bytes, stderr: bytes) -> None:
        self.command = command
        self.exit_code = exit_code
        self._stdout = stdout
        self._stderr = stderr

    def wait_output(self) -> tuple[str, str]:
        """(stdout, stderr) as text; :class:`ExecError` if it exited non-zero."""
        out = self._stdout.decode("utf-8", "replace")
        err = self._stderr.decode("utf-8", "replace")
        if self.exit_code != 0:
            raise ExecError(self.command, self.exit_code, out, err)
        return out, err

    def wait(self) -> None:
        """:class:`ExecError` if it exited non-zero."""
        self.wait_output()
