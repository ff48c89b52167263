from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import OrderCase


@tagged("post_install", "-at_install", "mirakl_connector")
class TestOrderAfterDelivery(OrderCase):
    """Mirakl changes an order Odoo has already delivered, or in a way Odoo cannot map: the
    import goes on, and the order keeps following Mirakl's state (issue 8.7)."""

    def _poll(self):
        since = fields.Datetime.now() - timedelta(days=1)
        self.importer._enqueue_orders(self.instance, start_update_date=since)
        return self.env["mk.job"]._run_pending(instances=self.instance)

    def _order(self, sim_order):
        return self.env["sale.order"].search([("mk_order_id", "=", sim_order["order_id"])])

    def _failed_imports(self):
        return self.env["mk.job"].search([
            ("instance_id", "=", self.instance.id), ("job_type", "=", "order_import"),
            ("state", "=", "failed"),
        ])

    def _deliver(self, order):
        picking = order.picking_ids
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")

    def test_refund_after_delivery_keeps_the_delivered_quantity(self):
        sim_order = self.create_sim_order([self.sim_line("SKU-1", 3, 10.0)], state="SHIPPED")
        self._poll()
        self._poll()  # the financial rule confirms it
        order = self._order(sim_order)
        self.assertEqual(order.state, "sale")
        self._deliver(order)
        line = sim_order["order_lines"][0]
        self.sim.move_clock(minutes=5)
        self.instance._get_client().refund_order_lines([{
            "order_line_id": line["order_line_id"], "amount": 10.0, "shipping_amount": 0.0,
            "quantity": 1, "reason_code": "REF_DAMAGED",
        }])
        self._poll()
        self.assertFalse(self._failed_imports(), self._failed_imports().mapped("error"))
        self.assertFalse(order.mk_import_error)
        sale_line = order.order_line.filtered(lambda ol: ol.mk_line_id == line["order_line_id"])
        self.assertEqual((sale_line.product_uom_qty, sale_line.qty_delivered), (3, 3))
        self.assertEqual(sale_line.mk_refunded_qty, 1)
        self.assertTrue(order.activity_ids.filtered(
            lambda activity: "refund after delivery" in activity.summary
        ))
        # later versions still apply
        self.sim.move_clock(minutes=5)
        self.sim.advance(sim_order["order_id"], "receive")
        self._poll()
        self.assertEqual(order.mk_state, "RECEIVED")
        self.assertFalse(self._failed_imports())

    def test_an_unmappable_change_does_not_stop_the_state(self):
        sim_order = self.create_sim_order(
            [self.sim_line("SKU-1", 1, 10.0, taxes=[{"code": "VAT-GONE", "rate": 20}])],
            state="SHIPPING",
        )
        self._poll()
        order = self._order(sim_order)
        self.assertEqual(order.mk_state, "SHIPPING")
        # the tax mapping is removed and may no longer be created: the lines cannot be mapped
        self.instance.tax_mapping_ids.unlink()
        self.instance.order_create_taxes = False
        self.sim.move_clock(minutes=5)
        self.sim.advance(sim_order["order_id"], "ship")
        self._poll()
        self.assertFalse(self._failed_imports(), self._failed_imports().mapped("error"))
        self.assertEqual(order.mk_state, "SHIPPED", "the state follows Mirakl")
        self.assertIn("VAT-GONE", order.mk_import_error)
