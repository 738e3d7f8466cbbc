"""The model a charm sees: its unit and application, their statuses, its config and
its relations, as ``ops.model`` names them. Everything is read from the host when asked
and written through it at once; nothing is cached between dispatches."""

from __future__ import annotations

import ipaddress
import json
import pathlib
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from . import _host, secret
from ._host import InvalidInputError, ModelError, NotFoundError, call
from .pebble import Container

# --- statuses ------------------------------------------------------------------------


class StatusBase:
    """A workload status: its ``name`` (``active``, ``blocked``...) and message."""

    name: str = ""
    _kind: _host.types.StatusKind = _host.types.StatusKind.UNKNOWN
    # ops' order for collect-status: the first of these wins.
    _priority = ("error", "blocked", "maintenance", "waiting", "active", "unknown")

    def __init__(self, message: str = "") -> None:
        self.message = message

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, StatusBase)
            and self.name == other.name
            and self.message == other.message
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"

    def _to_host(self) -> _host.types.Status:
        return _host.types.Status(kind=self._kind, message=self.message)

    @staticmethod
    def _from_host(status: _host.types.Status) -> StatusBase:
        cls = {
            _host.types.StatusKind.ACTIVE: ActiveStatus,
            _host.types.StatusKind.BLOCKED: BlockedStatus,
            _host.types.StatusKind.MAINTENANCE: MaintenanceStatus,
            _host.types.StatusKind.WAITING: WaitingStatus,
            _host.types.StatusKind.ERROR: ErrorStatus,
        }.get(status.kind, UnknownStatus)
        return cls(status.message)


class ActiveStatus(StatusBase):
    """The unit is ready and doing its job."""

    name = "active"
    _kind = _host.types.StatusKind.ACTIVE


class BlockedStatus(StatusBase):
    """The charm needs a human to act."""

    name = "blocked"
    _kind = _host.types.StatusKind.BLOCKED


class MaintenanceStatus(StatusBase):
    """The charm is doing something that takes a while."""

    name = "maintenance"
    _kind = _host.types.StatusKind.MAINTENANCE


class WaitingStatus(StatusBase):
    """The charm waits for something outside it (a relation, a workload)."""

    name = "waiting"
    _kind = _host.types.StatusKind.WAITING


class UnknownStatus(StatusBase):
    """No status set yet."""

    name = "unknown"


class ErrorStatus(StatusBase):
    """Juju's own: a hook failed. A charm reads it, never sets it."""

    name = "error"
    _kind = _host.types.StatusKind.ERROR


# --- units and the application ----------------------------------------------------------


class _SecretOwner:
    """``add_secret``, for the application (its leader manages the secret) and for a
    unit (which alone owns it); and the refusal, as ``ops`` refuses, to act for a
    remote one."""

    _owner: Any
    _local: bool
    name: str

    def _only_local(self, what: str) -> None:
        if not self._local:
            raise RuntimeError(f"{what} is only for this unit and its application, not {self.name}")

    def add_secret(
        self,
        content: dict[str, str],
        *,
        label: str | None = None,
        description: str | None = None,
        expire: Any = None,
        rotate: secret.SecretRotate | None = None,
    ) -> secret.Secret:
        """A new secret this application or unit owns."""
        self._only_local("add_secret")
        return secret.add(self._owner, content, label, description, expire, rotate)


class Application(_SecretOwner):
    """This charm's application (``self.app``), or a remote one in a relation."""

    _owner = _host.secrets.SecretOwner.APPLICATION

    def __init__(self, name: str, local: bool = False) -> None:
        self.name = name
        self._local = local

    def planned_units(self) -> int:
        """How many units Juju means the application to have (``goal-state``), dying
        ones not counted, as ``ops`` counts them."""
        self._only_local("planned_units")
        return sum(1 for u in call(_host.model.goal_state).units if u.status != "dying")

    @property
    def status(self) -> StatusBase:
        """The application's status; only the leader may set it. A remote
        application's is not known here."""
        if not self._local:
            return UnknownStatus()
        return StatusBase._from_host(call(_host.status.get_app))

    @status.setter
    def status(self, status: StatusBase) -> None:
        self._only_local("setting a status")
        call(_host.status.set_app, status._to_host())

    def __repr__(self) -> str:
        return f"<Application {self.name}>"


class Unit(_SecretOwner):
    """This unit (``self.unit``), or a remote one named in a relation."""

    _owner = _host.secrets.SecretOwner.UNIT

    def __init__(self, name: str, local: bool = False) -> None:
        self.name = name
        self.app = Application(name.split("/")[0], local)
        self._local = local

    @property
    def status(self) -> StatusBase:
        """This unit's status. A remote unit's is not known here."""
        if not self._local:
            return UnknownStatus()
        return StatusBase._from_host(call(_host.status.get_unit))

    @status.setter
    def status(self, status: StatusBase) -> None:
        self._only_local("setting a status")
        call(_host.status.set_unit, status._to_host())

    def is_leader(self) -> bool:
        """Whether this unit leads its application."""
        self._only_local("is_leader")
        return call(_host.context.is_leader)

    def reboot(self, now: bool = False) -> None:
        """Asks Juju to reboot the machine: after the hook, or ``now`` (Juju then stops
        the hook and runs it again after the reboot). Machine charms only."""
        when = _host.model.RebootWhen.NOW if now else _host.model.RebootWhen.AFTER_HOOK
        call(_host.model.reboot, when)

    def set_workload_version(self, version: str) -> None:
        """The workload's version, as `juju status` shows it."""
        call(_host.status.set_workload_version, version)

    def get_container(self, name: str) -> Container:
        """The workload container ``name`` (Kubernetes charms)."""
        return Container(name)

    def open_port(self, protocol: str, port: int | None = None) -> None:
        """Opens a port (``"tcp"``/``"udp"`` and a number; ``"icmp"`` alone)."""
        call(_host.ports.open, Port(protocol, port)._to_host())

    def close_port(self, protocol: str, port: int | None = None) -> None:
        """Closes what :meth:`open_port` opened."""
        call(_host.ports.close, Port(protocol, port)._to_host())

    def opened_ports(self) -> set[Port]:
        """The ports this unit has open (single ports; a range is its first port)."""
        return {Port._from_host(r) for r in call(_host.ports.opened)}

    def set_ports(self, *ports: int | Port) -> None:
        """Opens these ports (a bare number is TCP) and closes every other."""
        wanted = {p if isinstance(p, Port) else Port("tcp", p) for p in ports}
        for port in self.opened_ports() - wanted:
            self.close_port(port.protocol, port.port)
        for port in wanted:
            self.open_port(port.protocol, port.port)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unit) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"<Unit {self.name}>"


# --- ports and storage -------------------------------------------------------------------

_PROTOCOLS = ("tcp", "udp", "icmp")


@dataclass(frozen=True)
class Port:
    """An opened port: ``protocol`` and ``port`` (None for icmp)."""

    protocol: str
    port: int | None = None

    def _to_host(self) -> _host.ports.PortRange:
        if self.protocol not in _PROTOCOLS:
            raise InvalidInputError(f"protocol {self.protocol!r} is not tcp, udp or icmp", "invalid-input")
        if self.protocol == "icmp":
            if self.port is not None:
                raise InvalidInputError("icmp has no port", "invalid-input")
            number = 0
        elif not isinstance(self.port, int) or not 0 < self.port < 65536:
            raise InvalidInputError(f"port {self.port!r} is not 1 to 65535", "invalid-input")
        else:
            number = self.port
        protocol = getattr(_host.ports.Protocol, self.protocol.upper())
        return _host.ports.PortRange(protocol=protocol, from_=number, to=number)

    @staticmethod
    def _from_host(r: _host.ports.PortRange) -> Port:
        protocol = r.protocol.name.lower()
        return Port(protocol, None if protocol == "icmp" else r.from_)


@dataclass(frozen=True)
class Storage:
    """A storage instance attached to this unit: ``name``, ``index``, ``location``."""

    name: str
    index: int
    location: str

    @property
    def full_id(self) -> str:
        return f"{self.name}/{self.index}"


class _Storages(Mapping[str, "list[Storage]"]):
    """``self.model.storages["data"]``: the instances of a storage attached here."""

    def __getitem__(self, name: str) -> list[Storage]:
        try:
            ids = call(_host.storage.list, name)
        except NotFoundError:
            raise KeyError(name) from None
        return [
            Storage(i.name, i.index, call(_host.storage.get, i).location) for i in ids
        ]

    def __iter__(self) -> Iterator[str]:
        return iter(sorted({i.name for i in call(_host.storage.list, None)}))

    def __len__(self) -> int:
        return len(list(iter(self)))

    def request(self, name: str, count: int = 1) -> None:
        """Asks Juju for ``count`` more instances of ``name``."""
        call(_host.storage.add, name, count)


# --- network, resources, the cloud -----------------------------------------------------


def _ip(text: str) -> Any:
    """An address as ``ipaddress`` has it, or the text when it is a host name."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return text


@dataclass(frozen=True)
class NetworkInterface:
    """One address of a binding: the interface ``name``, ``address`` and ``subnet``."""

    name: str
    address: Any
    subnet: Any


class Network:
    """A binding's addresses, as ``network-get`` gives them."""

    def __init__(self, info: _host.network.NetworkInfo) -> None:
        self.interfaces = [
            NetworkInterface(
                b.interface_name,
                _ip(a.value),
                ipaddress.ip_network(a.cidr, strict=False) if a.cidr else None,
            )
            for b in info.bind_addresses
            for a in b.addresses
        ]
        self.ingress_addresses = [_ip(a) for a in info.ingress_addresses]
        self.egress_subnets = [ipaddress.ip_network(s, strict=False) for s in info.egress_subnets]

    @property
    def bind_address(self) -> Any:
        """The first address the unit binds to, if any."""
        return self.interfaces[0].address if self.interfaces else None

    @property
    def ingress_address(self) -> Any:
        """The address others reach the unit at, if any."""
        return self.ingress_addresses[0] if self.ingress_addresses else None


class Binding:
    """An endpoint's binding (``self.model.get_binding("db")``); ``network`` is read
    when asked for."""

    def __init__(self, name: str, relation_id: int | None) -> None:
        self.name = name
        self._relation_id = relation_id

    @property
    def network(self) -> Network:
        return Network(call(_host.network.get, self.name, self._relation_id))


class Resources:
    """The charm's file resources."""

    def fetch(self, name: str) -> pathlib.Path:
        """Where resource ``name`` is on this unit, fetched by Juju if need be."""
        return pathlib.Path(call(_host.resources.get, name))


@dataclass(frozen=True)
class CloudCredential:
    auth_type: str
    attributes: dict[str, str]


@dataclass(frozen=True)
class CloudSpec:
    """The cloud the model runs on (``self.model.get_cloud_spec()``)."""

    type: str
    name: str
    region: str | None
    endpoint: str | None
    identity_endpoint: str | None
    storage_endpoint: str | None
    credential: CloudCredential | None
    ca_certificates: list[str]
    skip_tls_verify: bool
    is_controller_cloud: bool


# --- config ------------------------------------------------------------------------------


def _config_value(value: _host.config.Value) -> Any:
    return value.value


class ConfigData(Mapping[str, Any]):
    """The charm's config (``self.config``): every option set or defaulted."""

    def __init__(self) -> None:
        self._data: dict[str, Any] | None = None

    def _all(self) -> dict[str, Any]:
        if self._data is None:
            self._data = {k: _config_value(v) for k, v in call(_host.config.get_all)}
        return self._data

    def __getitem__(self, key: str) -> Any:
        return self._all()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


# --- relations ---------------------------------------------------------------------------


class RelationDataContent(MutableMapping[str, str]):
    """One databag: a unit's or an application's, in one relation. This unit's and (for
    the leader) this application's can be written; the rest are read-only."""

    def __init__(self, relation_id: int, member: str, app: bool, writable: bool) -> None:
        self._id = relation_id
        self._member = member
        self._app = app
        self._writable = writable
        self._data: dict[str, str] | None = None

    def _read(self) -> dict[str, str]:
        if self._data is None:
            self._data = dict(call(_host.relations.get, self._id, self._member, self._app))
        return self._data

    def _write(self, key: str, value: str) -> None:
        if not self._writable:
            raise ModelError(f"{self._member}'s databag is not this unit's to write")
        if not isinstance(value, str):
            raise ModelError(f"relation data values are strings, not {type(value).__name__}")
        call(_host.relations.set, self._id, self._app, [(key, value)])
        if value:
            self._read()[key] = value
        else:
            self._read().pop(key, None)

    def __getitem__(self, key: str) -> str:
        return self._read()[key]

    def __setitem__(self, key: str, value: str) -> None:
        self._write(key, value)

    def __delitem__(self, key: str) -> None:
        self._write(key, "")

    def __iter__(self) -> Iterator[str]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())


class RelationData(Mapping["Unit | Application", RelationDataContent]):
    """A relation's databags, by unit or application (``relation.data[self.unit]``)."""

    def __init__(self, relation: Relation) -> None:
        self._relation = relation

    def __getitem__(self, key: Unit | Application) -> RelationDataContent:
        local = _local_unit()
        if isinstance(key, Application):
            writable = key.name == local.app.name and local.is_leader()
            return RelationDataContent(self._relation.id, key.name, True, writable)
        return RelationDataContent(self._relation.id, key.name, False, key == local)

    def __iter__(self) -> Iterator[Unit | Application]:
        local = _local_unit()
        members: list[Unit | Application] = [local, local.app]
        members.extend(self._relation.units)
        if self._relation.app is not None:
            members.append(self._relation.app)
        return iter(members)

    def __len__(self) -> int:
        return len(list(iter(self)))


class Relation:
    """One relation on an endpoint (``self.model.get_relation("db")``)."""

    def __init__(self, name: str, relation_id: int, remote_app: str | None = None) -> None:
        self.name = name
        self.id = relation_id
        self._remote_app = remote_app
        self.data = RelationData(self)

    @property
    def app(self) -> Application | None:
        """The application on the other side."""
        if self._remote_app is None:
            self._remote_app = call(_host.relations.remote_app, self.id)
        return Application(self._remote_app) if self._remote_app else None

    @property
    def units(self) -> set[Unit]:
        """The remote units in the relation now."""
        return {Unit(name) for name in call(_host.relations.units, self.id)}

    def __repr__(self) -> str:
        return f"<Relation {self.name}:{self.id}>"


def _local_unit() -> Unit:
    return Unit(call(_host.context.get).unit_name, local=True)


class Model:
    """What ``self.model`` gives: the unit, the application, config and relations."""

    def __init__(self) -> None:
        ctx = call(_host.context.get)
        self.name: str = ctx.model_name
        self.uuid: str = ctx.model_uuid
        self.unit = Unit(ctx.unit_name, local=True)
        self.app = self.unit.app
        self.config = ConfigData()

    def get_relation(self, endpoint: str, relation_id: int | None = None) -> Relation | None:
        """The relation on ``endpoint`` (with ``relation_id``, that one); ``None`` if
        there is none. More than one without an id is an error, as in ``ops``."""
        ids = call(_host.relations.ids, endpoint)
        if relation_id is not None:
            return Relation(endpoint, relation_id) if relation_id in ids else None
        if len(ids) > 1:
            raise ModelError(f"{endpoint} has {len(ids)} relations: name one by its id")
        return Relation(endpoint, ids[0]) if ids else None

    @property
    def relations(self) -> _Relations:
        """``self.model.relations["db"]``: every relation on an endpoint."""
        return _Relations()

    def get_binding(self, binding: str | Relation) -> Binding:
        """Where this unit is on the network for an endpoint (or a relation on one)."""
        if isinstance(binding, Relation):
            return Binding(binding.name, binding.id)
        return Binding(binding, None)

    def get_cloud_spec(self) -> CloudSpec:
        """The cloud the model runs on; only for an application deployed with
        ``--trust`` (``ModelError`` otherwise)."""
        spec = call(_host.model.cloud)
        credential = spec.credential
        return CloudSpec(
            type=spec.type,
            name=spec.name,
            region=spec.region,
            endpoint=spec.endpoint,
            identity_endpoint=spec.identity_endpoint,
            storage_endpoint=spec.storage_endpoint,
            credential=None
            if credential is None
            else CloudCredential(credential.auth_type, dict(credential.attributes)),
            ca_certificates=list(spec.ca_certificates),
            skip_tls_verify=spec.skip_tls_verify,
            is_controller_cloud=spec.is_controller_cloud,
        )

    @property
    def resources(self) -> Resources:
        """The charm's file resources: ``self.model.resources.fetch("name")``."""
        return Resources()

    @property
    def storages(self) -> _Storages:
        """``self.model.storages["data"]``: the storage instances attached here."""
        return _Storages()

    def get_secret(self, *, id: str | None = None, label: str | None = None) -> secret.Secret:  # noqa: A002
        """A secret by id or label, as ``ops`` gets it: read now (the revision this unit
        tracks), so that one that does not exist is ``SecretNotFoundError`` here."""
        found = secret.Secret(id, label)
        found.get_content()
        return found


class _Relations:
    def __getitem__(self, endpoint: str) -> list[Relation]:
        return [Relation(endpoint, i) for i in call(_host.relations.ids, endpoint)]


def params_from_json(raw: str) -> dict[str, Any]:
    """An action's parameters, as the host hands them over (a JSON object)."""
    value = json.loads(raw) if raw else {}
    if not isinstance(value, dict):
        raise ModelError("the action's parameters are not a JSON object")
    return value
