from odoo import SUPERUSER_ID, api
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models.mk_job import RetryableJobError
from ..services.order_importer import ConcurrentImport
from .common import SimulatorCase

SKU = "SKU-RACE"


@tagged("post_install", "-at_install", "mirakl_connector")
class TestOrderConcurrency(SimulatorCase):
    """Two transactions import the same Mirakl order at once (two workers, or the cron and the
    wizard): one creates the order, the other gives way and, retried, updates that order.

    Both transactions are real, separate database connections, driven from this thread
    (Odoo 19's test runner holds the registry lock, so other threads cannot build an
    environment). The test's own transaction writes nothing; the data is committed by
    separate cursors and removed at the end.
    """

    def _setup_committed_data(self, env):
        product = env["product.product"].create({"name": "Race", "default_code": SKU})
        shop = self.sim.shop("USD")
        instance = env["mk.instance"].create({
            "name": "Race shop", "base_url": self.sim.base_url, "api_key": shop["api_key"],
            "shop_id": str(shop["shop_id"]), "order_states_to_import": "WAITING_ACCEPTANCE",
            "order_tax_source": "marketplace",
        })
        return product.id, instance.id, env["product.pricelist"].search([]).ids

    def _cleanup(self, env, product_id, instance_id, order_id, pricelist_ids):
        env["sale.order"].search([("mk_order_id", "=", order_id)]).unlink()
        env["res.partner"].search([("mk_instance_id", "=", instance_id)]).unlink()
        env["mk.instance"].browse(instance_id).unlink()
        env["product.product"].browse(product_id).product_tmpl_id.unlink()
        env["product.pricelist"].search([("id", "not in", pricelist_ids)]).unlink()

    def _import(self, cr, instance_id, payload):
        env = api.Environment(cr, SUPERUSER_ID, {})
        return env["mk.order.importer"]._import_order(env["mk.instance"].browse(instance_id),
                                                     payload).id

    def _prepare(self):
        sim_order = self.sim.create_order(
            lines=[{"offer_sku": SKU, "quantity": 1, "price_unit": 5.0}], currency="USD",
        )
        product_id, instance_id, pricelists = self._committed(self._setup_committed_data)
        self.addCleanup(self._committed, lambda env: self._cleanup(
            env, product_id, instance_id, sim_order["order_id"], pricelists))
        return sim_order, instance_id

    def _count(self, order_id):
        return self._committed(lambda env: env["sale.order"].search_count(
            [("mk_order_id", "=", order_id)]))

    def test_two_transactions_import_the_same_order_once(self):
        sim_order, instance_id = self._prepare()
        with self.registry.cursor() as first, self.registry.cursor() as second:
            first_id = self._import(first, instance_id, sim_order)
            # the first import is not committed: the second gives way at once, to be retried
            with self.assertRaises(ConcurrentImport):
                self._import(second, instance_id, sim_order)
            second.rollback()
            first.commit()
            # retried in a new transaction (as the queue does), it updates the same order
            second_id = self._import(second, instance_id, sim_order)
            second.commit()
        self.assertEqual(first_id, second_id)
        self.assertEqual(self._count(sim_order["order_id"]), 1)

    def test_an_order_committed_after_our_snapshot_is_not_duplicated(self):
        sim_order, instance_id = self._prepare()
        with self.registry.cursor() as first, self.registry.cursor() as second:
            second.execute("SELECT 1")  # the second transaction's snapshot starts here
            first_id = self._import(first, instance_id, sim_order)
            first.commit()
            # the lock is free again, but the order is invisible to the second snapshot:
            # a unique key (the customer's, first) stops the duplicate; the import is retried
            with self.assertRaises(RetryableJobError), mute_logger("odoo.sql_db"):
                self._import(second, instance_id, sim_order)
            second.rollback()
            second_id = self._import(second, instance_id, sim_order)
            second.commit()
        self.assertEqual(first_id, second_id)
        self.assertEqual(self._count(sim_order["order_id"]), 1)
