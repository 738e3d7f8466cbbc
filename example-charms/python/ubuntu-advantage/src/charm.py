"""The ubuntu-advantage machine charm in Python: keeps ``ubuntu-advantage-tools``
installed (from an optional PPA) and the machine attached with the configured token,
its state in stored state and the token never shown anywhere. The ``ops`` charm
excerpted in Juju's "How to run workloads with your charm", with the Rust charm's
fixes, held to the same scenarios (stored under ops' own name for the state)."""

import hashlib
import logging

import wasmcharm_ops as ops
from wasmcharm_ops.machine import apt, run

logger = logging.getLogger(__name__)

PACKAGE = "ubuntu-advantage-tools"


class UbuntuAdvantageCharm(ops.CharmBase):
    _state = ops.StoredState()

    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        framework.observe(self.on.config_changed, self._on_config_changed)

    def _on_config_changed(self, event: ops.ConfigChangedEvent) -> None:
        logger.info("Beginning config_changed")
        self.unit.status = ops.MaintenanceStatus("Configuring")
        self._state.set_default(hashed_token=None, package_needs_installing=True, ppa=None)
        self._handle_ppa()
        if self._handle_package() and self._handle_token():
            self.unit.status = ops.ActiveStatus("Attached")
        logger.info("Finished config_changed")

    def _handle_ppa(self) -> None:
        """Makes the machine's PPA the configured one."""
        wanted = self.config.get("ppa") or None
        if wanted == self._state.ppa:
            return
        if self._state.ppa:
            logger.info("Removing PPA %s", self._state.ppa)
            apt.remove_repository(self._state.ppa)
        if wanted:
            logger.info("Adding PPA %s", wanted)
            apt.add_repository(wanted)
        self._state.ppa = wanted
        # The package may come from a different source now.
        self._state.package_needs_installing = True

    def _handle_package(self) -> bool:
        """Installs the tools if they need (re)installing; False if that failed."""
        if not self._state.package_needs_installing:
            return True
        try:
            apt.add_package(PACKAGE)
        except ops.ModelError as e:
            logger.error("Failed to install %s: %s", PACKAGE, e)
            self.unit.status = ops.BlockedStatus(f"Failed to install {PACKAGE}")
            return False
        self._state.package_needs_installing = False
        return True

    def _handle_token(self) -> bool:
        """Attaches with the configured token if it changed; False if blocked."""
        token = self.config.get("token") or ""
        if not token:
            self.unit.status = ops.BlockedStatus("No token configured")
            return False
        hashed = hashlib.sha256(token.encode()).hexdigest()
        if hashed == self._state.hashed_token:
            return True
        try:
            run(["ua", "attach", token], secret_args=[2])
        except ops.CommandError as e:
            # The error shows the command with the token as ***.
            logger.error("Failed to attach: %s", e)
            self.unit.status = ops.BlockedStatus("Failed to attach")
            return False
        self._state.hashed_token = hashed
        return True


ops.main(UbuntuAdvantageCharm)
