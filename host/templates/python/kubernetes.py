"""{{name}}: runs its workload in the ``{{container}}`` container under Pebble, with
the ``port`` option in its environment."""

import logging

import wasmcharm_ops as ops

logger = logging.getLogger(__name__)

CONTAINER = "{{container}}"
SERVICE = "{{container}}"


class {{type}}(ops.CharmBase):
    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        framework.observe(self.on.{{container}}_pebble_ready, self._apply_layer)
        framework.observe(self.on.config_changed, self._apply_layer)

    def _desired_layer(self) -> ops.Layer:
        """The layer the charm wants Pebble to hold, from the current config."""
        return ops.Layer(
            {
                "summary": "{{name}} layer",
                "services": {
                    SERVICE: {
                        "override": "replace",
                        "summary": "{{name}} workload",
                        "command": "/bin/workload",
                        "startup": "enabled",
                        "environment": {"PORT": str(self.config["port"])},
                    }
                },
            }
        )

    def _apply_layer(self, event: ops.EventBase) -> None:
        """Makes Pebble's plan the desired one, restarting the service if it changed."""
        workload = self.unit.get_container(CONTAINER)
        if not workload.can_connect():
            # pebble-ready will come once the container is up.
            self.unit.status = ops.WaitingStatus("waiting for Pebble")
            return
        desired = self._desired_layer()
        if workload.get_plan().services.get(SERVICE) != desired.services[SERVICE]:
            workload.add_layer(SERVICE, desired, combine=True)
            workload.replan()
            logger.info("applied the %s layer", SERVICE)
        self.unit.status = ops.ActiveStatus()


ops.main({{type}})
