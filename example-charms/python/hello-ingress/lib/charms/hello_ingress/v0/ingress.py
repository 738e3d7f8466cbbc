"""The requirer side of the ``ingress`` interface (v1: one route per application),
written against ``ops`` and the standard library alone (and PyYAML, which ``ops``
brings), as charm libraries are.

::

    from charms.hello_ingress.v0.ingress import IngressRequirer

    class SomeCharm(ops.CharmBase):
        def __init__(self, framework):
            super().__init__(framework)
            self.ingress = IngressRequirer(self, port=8080)
            framework.observe(self.ingress.on.ready, self._on_ready)
            framework.observe(self.ingress.on.revoked, self._on_revoked)

The leader publishes the application's request in its databag (``model``, ``name``,
``host``, ``port``, and ``strip-prefix`` when asked for); the provider answers in its own
with ``ingress``, a YAML mapping holding ``url``. ``ready`` is emitted once for each new
URL, ``revoked`` when it is withdrawn or the relation ends; the last URL is kept in
stored state. Not published on Charmhub: an example for wasmcharm, tested under the
real ``ops`` too (tests/real_ops.py).
"""

import logging
import socket
from typing import Any, Dict, Optional

import yaml
from ops.charm import CharmBase, RelationBrokenEvent, RelationEvent
from ops.framework import EventSource, Object, ObjectEvents, StoredState
from ops.model import ModelError, Relation

# Increment this major API version when introducing breaking changes.
LIBAPI = 0
# Increment this before publishing, or reset it to 0 when LIBAPI is raised.
LIBPATCH = 1

log = logging.getLogger(__name__)

#: The longest URL taken from a provider.
URL_MAX = 2048


class IngressReadyEvent(RelationEvent):
    """The provider routes to this application at ``url``."""

    def __init__(self, handle, relation: Relation, url: str, app=None):
        super().__init__(handle, relation, app)
        self.url = url

    def snapshot(self) -> Dict[str, Any]:
        return {**super().snapshot(), "url": self.url}

    def restore(self, snapshot: Dict[str, Any]) -> None:
        super().restore(snapshot)
        self.url = snapshot["url"]


class IngressRevokedEvent(RelationEvent):
    """The route is withdrawn, or the relation ends."""


class IngressRequirerEvents(ObjectEvents):
    ready = EventSource(IngressReadyEvent)
    revoked = EventSource(IngressRevokedEvent)


class IngressRequirer(Object):
    """Asks the provider on ``relation_name`` for a route to ``port`` on ``host`` (the
    unit's FQDN when not given)."""

    on = IngressRequirerEvents()
    _stored = StoredState()

    def __init__(
        self,
        charm: CharmBase,
        relation_name: str = "ingress",
        *,
        port: int,
        host: Optional[str] = None,
        strip_prefix: bool = False,
    ):
        super().__init__(charm, relation_name)
        self.charm = charm
        self.relation_name = relation_name
        self._port = port
        self._host = host
        self._strip_prefix = strip_prefix
        self._stored.set_default(url=None)
        events = charm.on[relation_name]
        observe = self.framework.observe
        observe(events.relation_joined, self._on_relation_changed)
        observe(events.relation_changed, self._on_relation_changed)
        observe(events.relation_broken, self._on_relation_broken)
        observe(charm.on.leader_elected, self._on_leadership_or_upgrade)
        observe(charm.on.upgrade_charm, self._on_leadership_or_upgrade)

    @property
    def relation(self) -> Optional[Relation]:
        """The ingress relation, if there is one."""
        return self.model.get_relation(self.relation_name)

    @property
    def url(self) -> Optional[str]:
        """The URL the provider routes to this application at, if any."""
        return self._stored.url

    def provide_ingress_requirements(self, *, port: Optional[int] = None) -> None:
        """Publishes the request (the leader only; others have nothing to do)."""
        if port is not None:
            self._port = port
        relation = self.relation
        if relation is None or not self.model.unit.is_leader():
            return
        if not 1 <= self._port <= 65535:
            raise ValueError(f"port {self._port} is not a TCP port")
        host = self._host or socket.getfqdn()
        if host in ("", "(none)"):
            # No name to be had (a sandbox has no resolver): the address others reach
            # the unit at.
            host = str(self.model.get_binding(relation).network.ingress_address or "")
        data = {
            "model": self.model.name,
            "name": self.model.app.name,
            "host": host,
            "port": str(self._port),
        }
        if self._strip_prefix:
            data["strip-prefix"] = "true"
        relation.data[self.model.app].update(data)

    def _on_leadership_or_upgrade(self, event) -> None:
        self.provide_ingress_requirements()

    def _on_relation_changed(self, event: RelationEvent) -> None:
        self.provide_ingress_requirements()
        url = self._url_from(event.relation)
        if url == self._stored.url:
            return
        self._stored.url = url
        if url is None:
            self.on.revoked.emit(event.relation, event.relation.app)
        else:
            self.on.ready.emit(event.relation, url, event.relation.app)

    def _on_relation_broken(self, event: RelationBrokenEvent) -> None:
        if self._stored.url is not None:
            self._stored.url = None
            self.on.revoked.emit(event.relation, event.relation.app)

    def _url_from(self, relation: Relation) -> Optional[str]:
        """The provider's URL, or None: none given, or none that is one."""
        if relation.app is None:
            return None
        try:
            raw = relation.data[relation.app].get("ingress")
        except ModelError as e:
            log.debug("cannot read the provider's data: %s", e)
            return None
        if not raw:
            return None
        try:
            data = yaml.safe_load(raw)
        except yaml.YAMLError:
            data = None
        url = data.get("url") if isinstance(data, dict) else None
        if (
            not isinstance(url, str)
            or not url.startswith(("http://", "https://"))
            or len(url) > URL_MAX
            or any(c.isspace() or not c.isprintable() for c in url)
        ):
            log.warning("%s gave no usable URL in `ingress`; taken as none", relation.app.name)
            return None
        return url
