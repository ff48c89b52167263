"""Shared set-up of the base tests: a licence, the simulator over real HTTP, one shop."""

import sys
from pathlib import Path
from urllib.parse import urlsplit

from odoo.tests import TransactionCase
from odoo.tests.common import _super_send

from odoo.addons.ecosire_license_client.tests.common import install_test_license

DEVTOOLS = Path(__file__).resolve().parents[2] / "devtools"


def running_simulator(**options):
    """The simulator of devtools/ (stdlib only, so it runs in every Odoo virtualenv)."""
    if str(DEVTOOLS) not in sys.path:
        sys.path.insert(0, str(DEVTOOLS))
    from mirakl_simulator.testing import running_simulator as running

    return running(**options)


class SimulatorCase(TransactionCase):
    """A licence for the connector and the Mirakl simulator over real HTTP. No test here."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        install_test_license(cls.env, products=("mirakl_connector",))
        simulator = running_simulator(seed=False, rate_limits=False)
        cls.sim = simulator.__enter__()
        cls.addClassCleanup(simulator.__exit__, None, None, None)

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        # Odoo's harness stretches short timeouts to 10 s (19) and blocks any host but
        # 127.0.0.1. The timeout test needs its short timeout, and the DNS test a name that
        # cannot resolve (.invalid never leaves the resolver); everything else stays guarded.
        host = urlsplit(r.url).hostname or ""
        if host == "127.0.0.1" or host.endswith(".invalid"):
            return _super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)


class MiraklCase(SimulatorCase):
    """One shop on the simulator with only the account flow on. No test here."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.instance = cls._make_instance("Sim shop")

    @classmethod
    def _make_instance(cls, name, **values):
        """A shop on the simulator with only our own flow (account) enabled, so that the
        tests of the queue do not depend on the order flows."""
        instance = cls.env["mk.instance"].create(
            dict(
                # the shared call budget would carry over from test to test; test_call_budget
                # covers it
                {"name": name, "base_url": cls.sim.base_url, "api_key": cls.sim.api_key,
                 "call_limit_overrides": "* = off"},
                **values,
            )
        )
        instance.flow_ids.filtered(lambda line: line.flow != "account").enabled = False
        return instance

    def setUp(self):
        super().setUp()
        # the simulator outlives each rolled-back test: start each test with a clean slate
        self.sim.clear_faults()
        self.sim.clear_request_log()

    def _flow(self, instance, code="account"):
        return instance.flow_ids.filtered(lambda line: line.flow == code)
