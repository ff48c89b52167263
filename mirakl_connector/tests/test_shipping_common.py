"""Shared set-up of the shipping tests: orders imported from the simulator, confirmed, and
delivered in Odoo the way a warehouse user does it (quantities, tracking, Validate).

Mirakl's spec check needs ``jsonschema``, which Odoo's virtualenvs do not carry; the project's
own ``.venv`` does. So the simulator runs in this process when it can validate here, else in a
separate process with the project's Python, else (neither at hand) without the check.
"""

import importlib.util
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from odoo.tests import Form

from ..compat import carrier_tracking_link_field, move_set_done_quantity, service_product_vals
from ..mirakl.governor import CallGovernor
from .common import DEVTOOLS, OrderCase

REPO = DEVTOOLS.parent
SPEC = Path(
    os.environ.get("MIRAKL_OPENAPI_SPEC") or REPO.parent / "shared/mirakl/mmp-seller-openapi.json"
)
if not SPEC.is_file():  # a worktree sits one level deeper than the main checkout
    SPEC = REPO.parents[1] / "shared/mirakl/mmp-seller-openapi.json"


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_validating_simulator():
    """(client, stop) of a simulator that checks every request against Mirakl's spec, or
    (None, None) when neither this Python nor the project's can run the check."""
    if str(DEVTOOLS) not in sys.path:
        sys.path.insert(0, str(DEVTOOLS))
    from mirakl_simulator.testing import SimulatorClient, running_simulator

    if not SPEC.is_file():
        return None, None
    if importlib.util.find_spec("jsonschema"):
        os.environ.setdefault("MIRAKL_OPENAPI_SPEC", str(SPEC))
        context = running_simulator(seed=False, rate_limits=False, validate=True)
        return context.__enter__(), lambda: context.__exit__(None, None, None)
    python = REPO / ".venv" / "bin" / "python"
    if not python.exists():
        return None, None
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - our own simulator, fixed arguments
        [str(python), "-m", "mirakl_simulator", "--port", str(port), "--no-rate-limits",
         "--validate"],
        cwd=str(DEVTOOLS),
        env=dict(os.environ, PYTHONPATH=str(DEVTOOLS), MIRAKL_OPENAPI_SPEC=str(SPEC)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def stop():
        process.terminate()
        process.wait(timeout=10)

    client = SimulatorClient("http://127.0.0.1:%d" % port)
    for _attempt in range(100):
        try:
            client.shops  # noqa: B018 - waits until it answers
            return client, stop
        except OSError:
            time.sleep(0.1)
    stop()
    return None, None


class ShippingCase(OrderCase):
    """No test here. ``self.instance`` (EUR shop) with carriers and shipping types loaded."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        validating, stop = start_validating_simulator()
        cls.validating = validating is not None
        if validating is not None:
            cls.addClassCleanup(stop)
            cls.sim = validating
            (cls.instance | cls.instance_us).write({"base_url": validating.base_url})
        cls.instance._mk_refresh_shipping_setup(governor=CallGovernor.unlimited())
        Carrier = cls.env["delivery.carrier"]
        product = cls.env["product.product"].create(
            dict(service_product_vals(cls.env), name="Shipping")
        )
        cls.ups = Carrier.create({"name": "UPS", "product_id": product.id})
        cls.link_field = carrier_tracking_link_field(cls.env)
        cls.own_courier = Carrier.create(
            {
                "name": "Speedy Bikes",
                "product_id": product.id,
                cls.link_field: "https://speedy.example/track/<shipmenttrackingnumber>",
            }
        )
        cls.jobs = cls.env["mk.job"]

    def setUp(self):
        super().setUp()
        self.sim.clear_request_log()

    def tearDown(self):
        if self.validating:
            self.assertEqual(self.sim.violations(), [], "requests outside Mirakl's spec")
        super().tearDown()

    # helpers --------------------------------------------------------------------------

    def shipping_order(self, lines=None, shipping_type=None):
        """A Mirakl order in SHIPPING, imported and confirmed in Odoo (its delivery ready)."""
        fields = {}
        if shipping_type:
            fields["shipping_type"] = shipping_type
        data = self.create_sim_order(
            lines or [self.sim_line("SKU-1", 2), self.sim_line("SKU-2", 1)],
            state="SHIPPING",
            **fields,
        )
        order = self.import_ids(data["order_id"])
        self.run_jobs()
        self.assertEqual(order.state, "sale")
        return order, data

    def line_ids(self, data):
        return [line["order_line_id"] for line in data["order_lines"]]

    def open_delivery(self, order):
        return order.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing" and p.state not in ("done", "cancel")
        )

    def deliver(self, order, quantities=None, tracking="1Z999AA10123456784", carrier=None,
                backorder=True):
        """Set quantities and tracking and press Validate (and the backorder choice)."""
        picking = self.open_delivery(order)
        self.assertEqual(len(picking), 1)
        picking.write({"carrier_id": (carrier or self.ups).id, "carrier_tracking_ref": tracking})
        for move in picking.move_ids:
            quantity = (quantities or {}).get(move.product_id.default_code, move.product_uom_qty)
            move_set_done_quantity(move, quantity)
        action = picking.button_validate()
        if isinstance(action, dict) and action.get("res_model") == "stock.backorder.confirmation":
            wizard = Form(
                self.env["stock.backorder.confirmation"].with_context(action["context"])
            ).save()
            if backorder:
                wizard.process()
            else:
                wizard.process_cancel_backorder()
        self.assertEqual(picking.state, "done")
        return picking

    def run_jobs(self):
        return self.jobs._run_pending(limit=50)

    def calls(self, *operations):
        return [entry for entry in self.sim.request_log() if entry["operation"] in operations]

    def mirakl_shipments(self, data):
        """ST11, as the seller sees them."""
        return self.instance._get_client().list_shipments(order_id=[data["order_id"]])["data"]

    def assertPosted(self, record, text):
        bodies = [str(message.body) for message in record.message_ids]
        self.assertTrue(any(text in body for body in bodies), "%r not in %s" % (text, bodies))

    def sim_state(self, data):
        return self.sim.get_order(data["order_id"])["order_state"]
