from psycopg2 import IntegrityError

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import OrderCase


@tagged("post_install", "-at_install", "mirakl_connector")
class TestOfferBinding(OrderCase):
    """An offer SKU linked to a product: order lines find the product through it."""

    def test_order_line_finds_its_product_through_the_offer_sku(self):
        # "FR-RED-MUG" is neither an internal reference nor a barcode in Odoo
        product = self.products["SKU-2"]
        self.env["mk.offer.binding"].create({
            "instance_id": self.instance.id, "offer_sku": "  FR-RED-MUG ", "product_id": product.id,
        })
        sim_order = self.create_sim_order([self.sim_line("FR-RED-MUG", quantity=2, price=9.0)])
        order = self.import_ids(sim_order["order_id"])
        self.assertEqual(order.order_line.filtered("mk_line_id").product_id, product)

    def test_a_binding_is_per_shop(self):
        # bound on the French shop only: the US shop does not know that SKU
        self.env["mk.offer.binding"].create({
            "instance_id": self.instance.id, "offer_sku": "FR-ONLY", "product_id":
            self.products["SKU-1"].id,
        })
        sim_order = self.sim.create_order(state="WAITING_ACCEPTANCE", currency="USD",
                                          lines=[self.sim_line("FR-ONLY")])
        orders, problems = self.importer._import_order_ids(self.instance_us,
                                                          [sim_order["order_id"]])
        self.assertFalse(problems)
        line = orders.order_line.filtered("mk_line_id")
        self.assertNotEqual(line.product_id, self.products["SKU-1"])
        self.assertEqual(line.product_id.name, "Unknown Mirakl product")
        self.assertIn("FR-ONLY", orders.mk_import_error)

    def test_one_offer_sku_per_shop(self):
        values = {"instance_id": self.instance.id, "offer_sku": "DUP-1",
                  "product_id": self.products["SKU-1"].id}
        self.env["mk.offer.binding"].create(values)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                self.env["mk.offer.binding"].create(dict(values, offer_sku=" DUP-1"))
