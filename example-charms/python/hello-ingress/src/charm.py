"""hello-ingress: an ``ops`` charm as any ``ops`` charm is written, run by wasmcharm
unchanged. It asks for a route to its workload through the ``ingress`` charm library
and shows the URL it is given in its status."""

import logging

import ops
from charms.hello_ingress.v0.ingress import (
    IngressReadyEvent,
    IngressRequirer,
    IngressRevokedEvent,
)

logger = logging.getLogger(__name__)


class HelloIngressCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        self.ingress = IngressRequirer(self, port=int(self.config["port"]), host=self._host())
        framework.observe(self.ingress.on.ready, self._on_ingress_ready)
        framework.observe(self.ingress.on.revoked, self._on_ingress_revoked)
        framework.observe(self.on.config_changed, self._on_config_changed)
        framework.observe(self.on.collect_unit_status, self._on_collect_unit_status)

    def _host(self) -> str:
        """The unit's pod, by the name Kubernetes gives it in the model's namespace."""
        app, number = self.unit.name.split("/")
        return f"{app}-{number}.{app}-endpoints.{self.model.name}.svc.cluster.local"

    def _on_ingress_ready(self, event: IngressReadyEvent) -> None:
        logger.info("The workload is reachable at %s", event.url)

    def _on_ingress_revoked(self, event: IngressRevokedEvent) -> None:
        logger.info("The workload is no longer routed")

    def _on_config_changed(self, event: ops.ConfigChangedEvent) -> None:
        # A new port is a new request.
        self.ingress.provide_ingress_requirements(port=int(self.config["port"]))

    def _on_collect_unit_status(self, event: ops.CollectStatusEvent) -> None:
        url = self.ingress.url
        event.add_status(ops.ActiveStatus(f"routed at {url}" if url else "not routed"))


if __name__ == "__main__":  # pragma: nocover
    ops.main(HelloIngressCharm)
