"""The pause Kubernetes charm in Python: runs ``/pause`` in the ``pause`` container
under Pebble, with the ``timeout`` option in its environment. The Rust charm in
``example-charms/pause``, written as an ``ops`` charm is, and held to the same
scenarios."""

import logging

import wasmcharm_ops as ops

logger = logging.getLogger(__name__)

CONTAINER = "pause"
SERVICE = "pause"


class PauseCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        framework.observe(self.on.pause_pebble_ready, self._on_pause_pebble_ready)
        framework.observe(self.on.config_changed, self._on_config_changed)

    def _layer(self) -> ops.Layer:
        """The one layer the charm wants Pebble to hold, from the current config."""
        return ops.Layer(
            {
                "summary": "pause layer",
                "description": "pebble config layer for google/pause",
                "services": {
                    SERVICE: {
                        "override": "replace",
                        "summary": "pause service",
                        "command": "/pause",
                        "startup": "enabled",
                        "environment": {"TIMEOUT": str(self.config["timeout"])},
                    }
                },
            }
        )

    def _on_pause_pebble_ready(self, event: ops.PebbleReadyEvent) -> None:
        workload = event.workload
        workload.add_layer(SERVICE, self._layer(), combine=True)
        # Starts the service, or restarts it if its definition changed since it started.
        workload.replan()
        self.unit.status = ops.ActiveStatus()

    def _on_config_changed(self, event: ops.ConfigChangedEvent) -> None:
        workload = self.unit.get_container(CONTAINER)
        if not workload.can_connect():
            # pebble-ready will apply the config once the container is up.
            self.unit.status = ops.WaitingStatus("waiting for Pebble")
            return
        desired = self._layer()
        current = workload.get_plan().services.get(SERVICE)
        if current != desired.services[SERVICE]:
            workload.add_layer(SERVICE, desired, combine=True)
            logger.debug("Added config layer to Pebble plan")
            workload.restart(SERVICE)
            logger.info("Restarted pause service")
        self.unit.status = ops.ActiveStatus()


ops.main(PauseCharm)
