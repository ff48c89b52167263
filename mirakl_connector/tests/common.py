"""Shared set-up of the Odoo tests: a licence and the simulator over real HTTP (SimulatorCase),
one shop (MiraklCase), and for the order tests two shops with products and stock (OrderCase)."""

import csv
import io
import sys
from pathlib import Path
from urllib.parse import urlsplit

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase
from odoo.tests.common import _super_send

from odoo.addons.ecosire_license_client.tests.common import install_test_license

from ..compat import storable_product_vals

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

    def setUp(self):
        super().setUp()
        # the call budget is committed at once, so it outlives each rolled-back test
        with self.registry.cursor() as cr:
            cr.execute("DELETE FROM mk_call_budget")

    def _committed(self, function):
        """``function(env)`` in a transaction of its own, committed: the tests of two real
        connections keep their data out of the test's transaction (and remove it after)."""
        with self.registry.cursor() as cr:
            result = function(api.Environment(cr, SUPERUSER_ID, {}))
            cr.commit()
            return result

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
                # the shared call budget would carry over from test to test within a class;
                # test_call_budget covers it
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


ALL_STATES = (
    "STAGING,WAITING_ACCEPTANCE,WAITING_DEBIT,WAITING_DEBIT_PAYMENT,SHIPPING,SHIPPED,"
    "TO_COLLECT,RECEIVED,CLOSED,REFUSED,CANCELED"
)


class OrderCase(SimulatorCase):
    """Two shops (EUR, USD) importing every state, products and stock. No test here."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for xml_id in ("base.EUR", "base.USD"):
            currency = cls.env.ref(xml_id)
            if not currency.active:
                currency.active = True
        cls.company = cls.env.company
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1,
        )
        cls.products = {}
        for sku, price in (("SKU-1", 20.0), ("SKU-2", 7.5), ("SKU-3", 12.0)):
            cls.products[sku] = cls.env["product.product"].create(dict(
                storable_product_vals(cls.env), name="Product %s" % sku, default_code=sku,
                list_price=price, taxes_id=[], invoice_policy="order",
            ))
        cls.products["BAR-1"] = cls.env["product.product"].create(dict(
            storable_product_vals(cls.env), name="Barcode product", barcode="4006381333931",
            list_price=5.0, taxes_id=[],
        ))
        for product in cls.products.values():
            cls.env["stock.quant"]._update_available_quantity(
                product, cls.warehouse.lot_stock_id, 10,
            )
        eur, usd = cls.sim.shop("EUR"), cls.sim.shop("USD")
        cls.instance = cls._make_instance("Sim FR", eur)
        cls.instance_us = cls._make_instance("Sim US", usd)
        cls.importer = cls.env["mk.order.importer"]

    @classmethod
    def _make_instance(cls, name, shop):
        instance = cls.env["mk.instance"].create({
            "name": name,
            "base_url": cls.sim.base_url,
            "api_key": shop["api_key"],
            "shop_id": str(shop["shop_id"]),
            "company_id": cls.company.id,
            "warehouse_id": cls.warehouse.id,
            "order_states_to_import": ALL_STATES,
            "order_tax_mode": shop["order_tax_mode"],
            "order_tax_source": "marketplace",
            "order_create_taxes": True,
            "call_limit_overrides": "* = off",  # the simulator's limits are off too
        })
        cls.env["mk.financial.rule"].create({
            "name": "Confirm", "instance_id": instance.id, "confirm_order": True,
        })
        return instance

    def setUp(self):
        super().setUp()
        # the simulator outlives each test's rolled-back transaction: start it empty too
        self.sim.reset()

    # ------------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------------

    def create_sim_order(self, lines, state="WAITING_ACCEPTANCE", currency="EUR", **fields):
        return self.sim.create_order(state=state, lines=lines, currency=currency, **fields)

    def import_ids(self, *order_ids, instance=None):
        orders, problems = self.importer._import_order_ids(instance or self.instance, order_ids)
        self.assertFalse(problems, problems)
        return orders

    def sim_line(self, sku="SKU-1", quantity=1, price=10.0, **extra):
        return dict(extra, offer_sku=sku, quantity=quantity, price_unit=price)

    def assertTotalsMatch(self, order):
        self.assertFalse(order.mk_total_mismatch, "Odoo %s vs Mirakl %s" % (
            order.amount_total, order.mk_total))
        self.assertAlmostEqual(order.amount_total, order.mk_total, places=2)


class OfferCase(MiraklCase):
    """Offer, stock and price flows against a simulator emptied for each test, with stock in the
    shop's warehouse; the flows run through the queue as the dispatcher runs them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1)
        cls.instance.warehouse_id = cls.warehouse

    def setUp(self):
        super().setUp()
        self.sim.reset()
        self.client = self.instance._get_client()

    def _storable_product(self, code, quantity=0, **values):
        product = self.env["product.product"].create(dict(
            {"name": "Product %s" % code, "default_code": code},
            **storable_product_vals(self.env), **values))
        if quantity:
            self._set_stock(product, quantity)
        return product

    def _set_stock(self, product, quantity):
        """An inventory adjustment, as a warehouse user counts the shelf."""
        self.env["stock.quant"].with_context(inventory_mode=True).create({
            "product_id": product.id, "location_id": self.warehouse.lot_stock_id.id,
            "inventory_quantity": quantity,
        }).action_apply_inventory()

    def _run_flow(self, flow):
        """One run of the shop's flow through the queue; the imports it sent to Mirakl."""
        imports = self.env["mk.offer.import"]
        before = imports.search([("instance_id", "=", self.instance.id)])
        self._flow(self.instance, flow)._enqueue()
        self.env["mk.job"]._run_pending(instances=self.instance)
        return imports.search([("instance_id", "=", self.instance.id)]) - before

    def _csv_rows(self, offer_import):
        """The rows of the file an import sent, as dicts by column."""
        text = offer_import.attachment_id.raw.decode("utf-8")
        return list(csv.DictReader(io.StringIO(text), delimiter=";"))
