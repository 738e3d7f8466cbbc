"""{{name}}: installs {{package}} and keeps the ``{{service}}`` unit enabled and running."""

import logging

import wasmcharm_ops as ops
from wasmcharm_ops.machine import apt, systemd

logger = logging.getLogger(__name__)

PACKAGE = "{{package}}"
SERVICE = "{{service}}"


class {{type}}(ops.CharmBase):
    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        framework.observe(self.on.install, self._on_install)
        framework.observe(self.on.start, self._on_start)

    def _on_install(self, event: ops.InstallEvent) -> None:
        self.unit.status = ops.MaintenanceStatus(f"installing {PACKAGE}")
        try:
            apt.add_package(PACKAGE)
        except ops.ModelError as e:
            logger.error("installing %s failed: %s", PACKAGE, e)
            self.unit.status = ops.BlockedStatus(f"cannot install {PACKAGE}")

    def _on_start(self, event: ops.StartEvent) -> None:
        try:
            systemd.service_enable(SERVICE, now=True)
        except ops.ModelError as e:
            logger.error("starting %s failed: %s", SERVICE, e)
            self.unit.status = ops.BlockedStatus(f"cannot start {SERVICE}")
            return
        self.unit.status = ops.ActiveStatus()


ops.main({{type}})
