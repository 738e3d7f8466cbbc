"""The ingress library under the real ``ops`` (``ops.testing.Harness``), held to what
the scenarios hold it to on wasmcharm: the same file runs unchanged on both.

Run from the charm's directory with a Python that has ``ops`` installed
(``./dev test`` makes one in target/python-ops): ``python tests/real_ops.py``."""

import pathlib
import sys
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "lib"))

import ops  # noqa: E402
from ops.testing import Harness  # noqa: E402

from charms.hello_ingress.v0.ingress import IngressRequirer  # noqa: E402

METADATA = """
name: hello-ingress
requires:
  ingress:
    interface: ingress
    limit: 1
"""

URL = "http://example.com/prod-hello-ingress"


class Charm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        self.ingress = IngressRequirer(self, port=8080, host="hello.example")
        self.seen = []
        framework.observe(self.ingress.on.ready, self._on_ready)
        framework.observe(self.ingress.on.revoked, self._on_revoked)

    def _on_ready(self, event) -> None:
        self.seen.append(("ready", event.url))

    def _on_revoked(self, event) -> None:
        self.seen.append(("revoked",))


class IngressUnderOps(unittest.TestCase):
    def setUp(self) -> None:
        self.harness = Harness(Charm, meta=METADATA)
        self.addCleanup(self.harness.cleanup)
        self.harness.set_model_name("prod")
        self.harness.set_leader(True)
        self.harness.begin()
        self.relation = self.harness.add_relation("ingress", "traefik")
        self.harness.add_relation_unit(self.relation, "traefik/0")

    def provide(self, ingress: str) -> None:
        self.harness.update_relation_data(self.relation, "traefik", {"ingress": ingress})

    def test_the_leader_publishes_the_request(self) -> None:
        self.assertEqual(
            self.harness.get_relation_data(self.relation, "hello-ingress"),
            {"model": "prod", "name": "hello-ingress", "host": "hello.example", "port": "8080"},
        )

    def test_a_url_is_taken_once_and_revoked_when_withdrawn_or_ended(self) -> None:
        charm = self.harness.charm
        self.provide(f"url: {URL}\n")
        self.provide(f"url: {URL}\n")
        self.harness.update_relation_data(self.relation, "traefik", {"other": "1"})
        self.assertEqual(charm.seen, [("ready", URL)])
        self.assertEqual(charm.ingress.url, URL)
        self.provide("")
        self.assertEqual(charm.seen, [("ready", URL), ("revoked",)])
        self.assertIsNone(charm.ingress.url)
        self.provide(f"url: {URL}\n")
        self.harness.remove_relation(self.relation)
        self.assertEqual(charm.seen[-2:], [("ready", URL), ("revoked",)])
        self.assertIsNone(charm.ingress.url)

    def test_what_is_not_a_url_is_not_taken(self) -> None:
        with self.assertLogs("charms.hello_ingress.v0.ingress", "WARNING") as logs:
            self.provide("url: javascript:alert(1)\n")
        self.assertEqual(self.harness.charm.seen, [])
        self.assertIn("traefik gave no usable URL in `ingress`; taken as none", logs.output[0])


if __name__ == "__main__":
    unittest.main()
