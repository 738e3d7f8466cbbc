"""The machine a machine charm runs on: apt, systemd, snap, files and commands, each a
typed call the host checks against what ``wasmcharm.yaml`` declares before anything
runs. These stand in for ``charms.operator_libs_linux`` and ``subprocess``, which a
charm in the sandbox cannot use."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from . import _host
from ._host import call

_m = _host.machine


class apt:  # noqa: N801  (a namespace, as charms.operator_libs_linux.v0.apt)
    """Debian packages."""

    @staticmethod
    def update() -> None:
        """``apt-get update``."""
        call(_m.apt_update)

    @staticmethod
    def add_package(packages: str | Sequence[str]) -> None:
        """Installs packages (declared under ``machine.packages``)."""
        names = [packages] if isinstance(packages, str) else list(packages)
        call(_m.apt_install, names)

    @staticmethod
    def remove_package(packages: str | Sequence[str], *, purge: bool = False) -> None:
        """Removes packages."""
        names = [packages] if isinstance(packages, str) else list(packages)
        call(_m.apt_remove, names, purge)

    @staticmethod
    def add_repository(repository: str) -> None:
        """Adds an apt repository or PPA (declared under ``machine.repositories``)."""
        call(_m.apt_add_repository, repository)

    @staticmethod
    def remove_repository(repository: str) -> None:
        """Removes an apt repository or PPA."""
        call(_m.apt_remove_repository, repository)

    @staticmethod
    def is_installed(name: str) -> bool:
        """Whether the package is installed."""
        return call(_m.package_info, name).installed


class systemd:  # noqa: N801  (as charms.operator_libs_linux.v1.systemd)
    """systemd units (declared under ``machine.services``)."""

    @staticmethod
    def _control(action: _m.ServiceAction, unit: str) -> None:
        call(_m.service_control, action, unit)

    @classmethod
    def service_start(cls, unit: str) -> None:
        """``systemctl start``."""
        cls._control(_m.ServiceAction.START, unit)

    @classmethod
    def service_stop(cls, unit: str) -> None:
        """``systemctl stop``."""
        cls._control(_m.ServiceAction.STOP, unit)

    @classmethod
    def service_restart(cls, unit: str) -> None:
        """``systemctl restart``."""
        cls._control(_m.ServiceAction.RESTART, unit)

    @classmethod
    def service_reload(cls, unit: str) -> None:
        """``systemctl reload``."""
        cls._control(_m.ServiceAction.RELOAD, unit)

    @classmethod
    def service_enable(cls, unit: str, *, now: bool = False) -> None:
        """``systemctl enable`` (``--now`` with ``now``)."""
        cls._control(_m.ServiceAction.ENABLE_NOW if now else _m.ServiceAction.ENABLE, unit)

    @classmethod
    def service_disable(cls, unit: str, *, now: bool = False) -> None:
        """``systemctl disable`` (``--now`` with ``now``)."""
        cls._control(_m.ServiceAction.DISABLE_NOW if now else _m.ServiceAction.DISABLE, unit)

    @staticmethod
    def service_running(unit: str) -> bool:
        """``systemctl is-active``."""
        return call(_m.service_is_active, unit)

    @staticmethod
    def daemon_reload() -> None:
        """``systemctl daemon-reload``."""
        call(_m.daemon_reload)


class snap:  # noqa: N801  (in place of charms.operator_libs_linux.v2.snap)
    """Snaps (declared under ``machine.snaps``)."""

    @staticmethod
    def install(name: str, *, channel: str | None = None, classic: bool = False) -> None:
        """Installs a snap, or moves it to ``channel``."""
        call(_m.snap_install, name, _m.SnapInstallOptions(channel=channel, classic=classic))

    @staticmethod
    def remove(name: str) -> None:
        call(_m.snap_remove, name)

    @staticmethod
    def info(name: str) -> _m.Snap:
        """``name``, ``installed``, ``version``, ``revision`` and ``channel``."""
        return call(_m.snap_info, name)


def read_file(path: str) -> bytes:
    """A file's bytes (declared under ``machine.files.read``)."""
    return call(_m.read_file, path)


def write_file(
    path: str,
    content: str | bytes,
    *,
    owner: str | None = None,
    group: str | None = None,
    mode: int | None = None,
) -> None:
    """Writes a file atomically (declared under ``machine.files.write``)."""
    data = content.encode() if isinstance(content, str) else bytes(content)
    call(_m.write_file, path, data, _m.FileOptions(owner=owner, group=group, mode=mode))


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    stdin: str | bytes | None = None,
    working_dir: str | None = None,
    timeout: float | None = None,
    secret_args: Sequence[int] = (),
) -> tuple[str, str]:
    """Runs a command declared under ``machine.commands``; (stdout, stderr) as text, or
    :class:`CommandError` if it exits non-zero. The arguments at ``secret_args`` (their
    indexes in ``argv``) are shown as ``***`` wherever the command is: in the host's
    logs and in the error."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    command = _m.Command(
        argv=list(argv),
        env=list((env or {}).items()),
        stdin=data,
        working_dir=working_dir,
        timeout_ms=None if timeout is None else round(timeout * 1000),
    )
    secret = sorted({i if i >= 0 else len(argv) + i for i in secret_args})
    if any(not 0 <= i < len(argv) for i in secret):
        raise ValueError(f"secret_args {list(secret_args)} are not indexes into argv")
    if secret:
        output = call(_m.run_command_with_secrets, command, secret)
    else:
        output = call(_m.run_command, command)
    out = output.stdout.decode("utf-8", "replace")
    err = output.stderr.decode("utf-8", "replace")
    if output.exit_code != 0:
        shown = " ".join("***" if i in secret else a for i, a in enumerate(argv))
        raise _host.CommandError(
            f"`{shown}` exited with code {output.exit_code}: {err.strip()}",
            output.exit_code,
            err,
        )
    return out, err
