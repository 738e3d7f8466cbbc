"""The openssh machine charm in Python: installs openssh-server and keeps the ``ssh``
unit enabled and running. The Rust charm in ``example-charms/openssh``, written as an
``ops`` charm is, and held to the same scenarios."""

import logging

import wasmcharm_ops as ops
from wasmcharm_ops.machine import apt, read_file, systemd

logger = logging.getLogger(__name__)

SSH_PORT = "22"
HOST_KEY_TYPES = ("ed25519", "ecdsa", "rsa")


class OpenSSHCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        framework.observe(self.on.install, self._on_install)
        framework.observe(self.on.start, self._on_start)
        framework.observe(self.on.ssh_relation_joined, self._on_ssh_relation_joined)
        framework.observe(self.on.get_host_keys_action, self._on_get_host_keys)

    def _on_install(self, event: ops.InstallEvent) -> None:
        try:
            apt.add_package("openssh-server")
        except ops.ModelError as e:
            logger.debug("Package install failed: %s", e)
            self.unit.status = ops.BlockedStatus("Failed to install packages")

    def _on_start(self, event: ops.StartEvent) -> None:
        try:
            systemd.service_enable("ssh", now=True)
        except ops.ModelError as e:
            logger.debug("Starting systemd unit failed: %s", e)
            self.unit.status = ops.BlockedStatus("Failed to start/enable ssh service")
            return
        self.unit.status = ops.ActiveStatus()

    def _on_ssh_relation_joined(self, event: ops.RelationJoinedEvent) -> None:
        """Tells each related application which port ssh listens on."""
        event.relation.data[self.unit]["port"] = SSH_PORT

    def _on_get_host_keys(self, event: ops.ActionEvent) -> None:
        """The machine's public host keys, by type."""
        found = {}
        for kind in HOST_KEY_TYPES:
            try:
                key = read_file(f"/etc/ssh/ssh_host_{kind}_key.pub").decode()
            except ops.NotFoundError:
                continue
            found[kind] = key.strip()
        if not found:
            event.fail("no host keys found: is openssh-server installed?")
            return
        event.set_results({"keys": found})


ops.main(OpenSSHCharm)
