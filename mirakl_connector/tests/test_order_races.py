from decimal import Decimal

from odoo import SUPERUSER_ID, api
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..mirakl.orders import parse_order
from ..models.mk_job import RetryableJobError
from .common import SimulatorCase

CURRENCY = "SEK"  # a currency no pricelist of the test databases uses


@tagged("post_install", "-at_install", "mirakl_connector")
class TestOrderRaces(SimulatorCase):
    """Two imports find-or-create the same customer, tax mapping, carrier, pricelist or
    product at once. The second one's snapshot began before the first committed, so its
    search cannot see the record: the record's key stops the twin and the import is retried
    as a queue-level error, whose new transaction finds the first one's record.

    Real, separate connections (see test_order_concurrency); data is committed and removed.
    """

    def _setup(self, env):
        currency = env["res.currency"].with_context(active_test=False).search(
            [("name", "=", CURRENCY)]
        )
        was_active = currency.active
        currency.active = True
        instance = env["mk.instance"].create({
            "name": "Race shop", "base_url": self.sim.base_url, "api_key": self.sim.api_key,
            "order_tax_source": "marketplace", "order_create_taxes": True,
            "order_create_products": True,
        })
        return instance.id, currency.id, was_active

    def _cleanup(self, env, instance_id, currency_id, was_active):
        instance = env["mk.instance"].browse(instance_id)
        taxes = instance.tax_mapping_ids.tax_id
        instance.tax_mapping_ids.unlink()
        taxes.unlink()
        env["res.partner"].with_context(active_test=False).search(
            [("mk_instance_id", "=", instance_id)]
        ).unlink()
        carriers = env["delivery.carrier"].with_context(active_test=False).search(
            [("mk_auto_created", "=", True), ("mk_shipping_type_code", "=", "RACE")]
        )
        products = carriers.product_id | env["product.product"].search(
            [("mk_auto_created", "=", True), ("default_code", "=", "RACE-SKU")]
        )
        carriers.unlink()
        products.product_tmpl_id.unlink()
        env["product.pricelist"].search(
            [("mk_auto_created", "=", True), ("currency_id", "=", currency_id)]
        ).unlink()
        instance.unlink()
        env["res.currency"].browse(currency_id).active = was_active

    def _race(self, lookup):
        """``lookup(env, instance)`` -> record, run by two transactions whose snapshots
        both began before either created it."""
        setup = self._committed(self._setup)
        self.addCleanup(self._committed, lambda env: self._cleanup(env, *setup))
        instance_id = setup[0]

        def run(cr):
            env = api.Environment(cr, SUPERUSER_ID, {})
            return lookup(env, env["mk.instance"].browse(instance_id)).id

        with self.registry.cursor() as first, self.registry.cursor() as second:
            second.execute("SELECT 1")  # the second transaction's snapshot starts here
            first_id = run(first)
            first.commit()
            with self.assertRaises(RetryableJobError), mute_logger("odoo.sql_db"):
                run(second)
            second.rollback()
            self.assertEqual(run(second), first_id, "the retry reuses the first record")
            second.commit()

    def _payload(self):
        order = self.sim.create_order(
            state="SHIPPING",
            lines=[{"offer_sku": "RACE-SKU", "quantity": 1, "price_unit": 10.0}],
        )
        return parse_order(order)

    def test_same_customer_twice(self):
        data = self._payload()
        self._race(lambda env, instance: env["res.partner"]._mk_find_or_create_customer(
            instance, data["customer"], data["order_id"])[0])
        self.assertEqual(self._committed(lambda env: env["res.partner"].search_count([
            ("mk_customer_id", "=", data["customer"]["customer_id"]), ("type", "=", "contact"),
            ("mk_instance_id.name", "=", "Race shop"),
        ])), 1)

    def test_same_tax_mapping_twice(self):
        tax = {"code": "RACE-VAT", "rate": Decimal("20"), "amount": Decimal("2")}
        self._race(lambda env, instance: env["mk.tax.mapping"]._mk_get_tax(
            instance, tax, Decimal("10"), False, "RACE-1"))

    def test_same_carrier_twice(self):
        self._race(lambda env, instance: env["delivery.carrier"]._mk_find_or_create(
            instance, "RACE", "Race delivery"))

    def test_same_pricelist_twice(self):
        self._race(lambda env, instance: instance._get_order_pricelist(CURRENCY, "RACE-1"))

    def test_same_new_product_twice(self):
        data = self._payload()
        self._race(lambda env, instance: env["mk.order.importer"]._get_product(
            instance, data["lines"][0], env["sale.order"]))

    def test_a_held_order_is_a_queue_retry_not_a_mirakl_error(self):
        instance = self.env["mk.instance"].create({
            "name": "Held shop", "base_url": self.sim.base_url, "api_key": self.sim.api_key,
            "order_states_to_import": "WAITING_ACCEPTANCE",
        })
        order = self.sim.create_order(
            lines=[{"offer_sku": "RACE-SKU", "quantity": 1, "price_unit": 10.0}],
        )
        job = self.env["mk.order.importer"]._enqueue_import(instance, order)
        with self.registry.cursor() as other:
            # another worker is importing this very order
            other.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                ["mk.order:%s:%s" % (instance.id, order["order_id"])],
            )
            self.env["mk.job"]._run_pending(instances=instance)
        self.assertEqual((job.state, job.attempts), ("pending", 1), "retried later")
        self.assertIn("being imported by another transaction", job.error)
        self.assertNotIn("Mirakl", job.error.replace("Mirakl order", ""),
                         "Mirakl was not involved")
        self.assertFalse(job.response, "no Mirakl answer is invented")
