"""A validated delivery confirms the shipment on Mirakl once, with carrier and tracking."""

import json
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from ..mirakl.governor import CallGovernor
from .test_shipping_common import ShippingCase


def body(entry):
    return json.loads(entry["body"])


@tagged("post_install", "-at_install", "mirakl_connector")
class TestShipmentMultiShipment(ShippingCase):
    """Platforms with multi-shipment: one ST01 shipment per delivery."""

    def setUp(self):
        super().setUp()
        self.instance.multi_shipment = True

    def test_full_delivery_is_one_shipped_st01_shipment(self):
        order, data = self.shipping_order()
        picking = self.deliver(order)
        self.assertEqual(picking.mk_shipment_state, "to_send")
        self.assertEqual(self.calls("ST01"), [], "sent by the queue, not inside Validate")

        self.run_jobs()

        self.assertEqual(picking.mk_shipment_state, "sent")
        self.assertEqual(picking.mk_shipment_mode, "st01")
        self.assertTrue(picking.mk_shipment_id)
        self.assertTrue(picking.mk_shipment_date)
        self.assertEqual(self.sim_state(data), "SHIPPED")
        [call] = self.calls("ST01")
        [shipment] = body(call)["shipments"]
        first, second = self.line_ids(data)
        self.assertEqual(
            sorted((line["order_line_id"], line["quantity"]) for line in shipment[
                "shipment_lines"]),
            sorted([(first, 2), (second, 1)]),
        )
        self.assertEqual(
            shipment["tracking"], {"carrier_code": "UPS", "tracking_number": "1Z999AA10123456784"}
        )
        self.assertIs(shipment["shipped"], True)
        self.assertPosted(order, picking.mk_shipment_id)

    def test_partial_delivery_and_backorder_are_two_shipments(self):
        order, data = self.shipping_order()
        first_picking = self.deliver(order, quantities={"SKU-1": 1, "SKU-2": 0})
        self.run_jobs()
        self.assertEqual(first_picking.mk_shipment_state, "sent")
        self.assertEqual(self.sim_state(data), "SHIPPING", "one unit of SKU-1 and SKU-2 remain")

        backorder = self.deliver(order, tracking="1Z999AA10123456785")
        self.assertEqual(backorder.backorder_id, first_picking)
        self.run_jobs()

        self.assertEqual(backorder.mk_shipment_state, "sent")
        self.assertNotEqual(backorder.mk_shipment_id, first_picking.mk_shipment_id)
        self.assertEqual(self.sim_state(data), "SHIPPED")
        first, second = self.line_ids(data)
        sent = [
            sorted((line["order_line_id"], line["quantity"]) for line in body(call)["shipments"][0][
                "shipment_lines"])
            for call in self.calls("ST01")
        ]
        self.assertEqual(sent, [[(first, 1)], sorted([(first, 1), (second, 1)])])

    def test_lost_answer_of_st01_is_checked_with_st11_and_never_sent_twice(self):
        order, data = self.shipping_order()
        # Mirakl creates the shipment, then the connection drops before the answer
        self.sim.inject_fault("ST01", "reset")
        picking = self.deliver(order)
        self.run_jobs()
        job = self.jobs.search([("identity_key", "=", "shipment:%s" % picking.id)])
        self.assertEqual(job.state, "pending", "a send without answer is tried again")
        self.assertEqual(picking.mk_shipment_state, "to_send")
        self.assertEqual(self.sim_state(data), "SHIPPED", "the write did reach Mirakl")

        job.sudo().next_try = fields.Datetime.now()
        self.run_jobs()

        self.assertEqual(job.state, "done")
        self.assertEqual(picking.mk_shipment_state, "sent")
        self.assertEqual(len(self.calls("ST01")), 1, "the shipment was created once")
        self.assertEqual(len(self.calls("ST11")), 1)
        [shipment] = self.mirakl_shipments(data)
        self.assertEqual(shipment["id"], picking.mk_shipment_id)

    def test_platform_without_multi_shipment_falls_back_and_remembers(self):
        self.sim.configure_platform({"features": {"shipment": {"multi_shipment": False}}})
        order, data = self.shipping_order()
        picking = self.deliver(order)
        self.run_jobs()

        self.assertEqual(picking.mk_shipment_state, "sent")
        self.assertEqual(picking.mk_shipment_mode, "or24")
        self.assertEqual(self.sim_state(data), "SHIPPED")
        self.assertTrue(self.instance.multi_shipment_refused_at)
        self.assertPosted(self.instance, "OR23/OR24")
        self.assertEqual([c["operation"] for c in self.calls("ST01", "OR23", "OR24")],
                         ["ST01", "OR23", "OR24"])

        # the next delivery of the shop goes straight to OR23/OR24
        self.sim.clear_request_log()
        order2, data2 = self.shipping_order([self.sim_line("SKU-3", 1)])
        self.deliver(order2)
        self.run_jobs()
        self.assertEqual([c["operation"] for c in self.calls("ST01", "OR23", "OR24")],
                         ["OR23", "OR24"])
        self.assertEqual(self.sim_state(data2), "SHIPPED")

    def test_ship_from_is_the_warehouse_where_the_platform_allows_it(self):
        self.sim.configure_platform(
            {"features": {"order_workflows": {"sellers_edit_shipping_origin": True}}}
        )
        self.instance._mk_refresh_shipping_setup(governor=CallGovernor.unlimited())
        self.assertTrue(self.instance.platform_edit_shipping_origin)
        order, data = self.shipping_order()
        picking = self.deliver(order)
        warehouse = picking.picking_type_id.warehouse_id
        self.run_jobs()

        self.assertEqual(picking.mk_shipment_state, "sent")
        [call] = self.calls("ST01")
        [shipment] = body(call)["shipments"]
        self.assertEqual(shipment["shipping_from"], {"warehouse": {"code": warehouse.code}})
        [stored] = self.mirakl_shipments(data)
        self.assertEqual(stored["shipping_from"]["warehouse"]["code"], warehouse.code)
        self.assertEqual(self.sim_state(data), "SHIPPED")

    def test_no_ship_from_where_the_platform_does_not_allow_it(self):
        self.assertFalse(self.instance.platform_edit_shipping_origin)
        order, data = self.shipping_order()
        self.deliver(order)
        self.run_jobs()

        [call] = self.calls("ST01")
        [shipment] = body(call)["shipments"]
        self.assertNotIn("shipping_from", shipment)
        self.assertEqual(self.sim_state(data), "SHIPPED")

        # the operator refuses a ship-from it does not allow, as one shipment error
        order2, data2 = self.shipping_order([self.sim_line("SKU-3", 1)])
        line_id = data2["order_lines"][0]["order_line_id"]
        answer = self.instance._get_client().create_shipments([{
            "order_id": data2["order_id"],
            "shipment_lines": [{"order_line_id": line_id, "quantity": 1}],
            "shipping_from": {"warehouse": {"code": "WH"}},
        }])
        self.assertEqual(answer["shipment_success"], [])
        self.assertIn("shipping origin", answer["shipment_errors"][0]["message"])
        self.assertEqual(self.mirakl_shipments(data2), [])

    def test_corrected_tracking_is_sent_with_st23(self):
        order, data = self.shipping_order()
        picking = self.deliver(order)
        self.run_jobs()
        picking.carrier_tracking_ref = "1ZCORRECTED"
        self.run_jobs()

        [call] = self.calls("ST23")
        self.assertEqual(
            body(call)["shipments"],
            [{"id": picking.mk_shipment_id,
              "tracking": {"carrier_code": "UPS", "tracking_number": "1ZCORRECTED"}}],
        )
        self.assertEqual(picking.mk_sent_tracking, "1ZCORRECTED")
        [shipment] = self.mirakl_shipments(data)
        self.assertEqual(shipment["tracking"]["tracking_number"], "1ZCORRECTED")
        self.assertPosted(order, "1ZCORRECTED")

    def test_unknown_carrier_is_sent_by_name_and_tracking_link(self):
        order, _data = self.shipping_order()
        self.deliver(order, carrier=self.own_courier, tracking="SB-42")
        self.run_jobs()
        [call] = self.calls("ST01")
        self.assertEqual(
            body(call)["shipments"][0]["tracking"],
            {
                "carrier_name": "Speedy Bikes",
                "tracking_url": "https://speedy.example/track/SB-42",
                "tracking_number": "SB-42",
            },
        )


@tagged("post_install", "-at_install", "mirakl_connector")
class TestShipmentWholeOrder(ShippingCase):
    """Platforms without multi-shipment: OR23 (tracking) then OR24 (ship the order)."""

    def setUp(self):
        super().setUp()
        self.instance.multi_shipment = False

    def test_full_delivery_sends_tracking_then_ships(self):
        order, data = self.shipping_order()
        picking = self.deliver(order)
        self.run_jobs()

        self.assertEqual(picking.mk_shipment_state, "sent")
        self.assertEqual([c["operation"] for c in self.calls("ST01", "OR23", "OR24")],
                         ["OR23", "OR24"])
        self.assertEqual(
            body(self.calls("OR23")[0]),
            {"carrier_code": "UPS", "tracking_number": "1Z999AA10123456784"},
        )
        mirakl = self.sim.get_order(data["order_id"])
        self.assertEqual(mirakl["order_state"], "SHIPPED")
        self.assertEqual(mirakl["shipping_tracking"], "1Z999AA10123456784")
        self.assertEqual(mirakl["shipping_carrier_code"], "UPS")
        self.assertEqual(order.mk_state, "SHIPPED")
        self.assertPosted(order, "OR23/OR24")

    def test_partial_delivery_ships_the_order_with_its_last_delivery(self):
        order, data = self.shipping_order()
        first = self.deliver(order, quantities={"SKU-1": 2, "SKU-2": 0})
        self.run_jobs()
        self.assertEqual(first.mk_shipment_state, "sent")
        self.assertIn("whole orders", first.mk_shipment_note)
        self.assertEqual([c["operation"] for c in self.calls("OR23", "OR24")], ["OR23"])
        self.assertEqual(self.sim_state(data), "SHIPPING")

        self.deliver(order, tracking="1Z999AA10123456785")
        self.run_jobs()
        self.assertEqual([c["operation"] for c in self.calls("OR23", "OR24")],
                         ["OR23", "OR23", "OR24"])
        self.assertEqual(self.sim_state(data), "SHIPPED")

    def test_the_seller_may_ship_the_whole_order_with_a_partial_delivery(self):
        order, data = self.shipping_order()
        first = self.deliver(order, quantities={"SKU-1": 2, "SKU-2": 0})
        self.run_jobs()
        self.assertEqual(self.sim_state(data), "SHIPPING")
        first.action_mk_ship_whole_order()
        self.run_jobs()
        self.assertEqual(self.sim_state(data), "SHIPPED")
        self.assertEqual([c["operation"] for c in self.calls("OR23", "OR24")], ["OR23", "OR24"])

    def test_partial_delivery_without_backorder_ships_the_order(self):
        order, data = self.shipping_order()
        picking = self.deliver(order, quantities={"SKU-1": 1, "SKU-2": 1}, backorder=False)
        self.run_jobs()
        self.assertEqual(picking.mk_shipment_state, "sent")
        self.assertEqual(self.sim_state(data), "SHIPPED")

    def test_lost_answer_of_or24_is_read_back_with_or11_and_not_sent_again(self):
        order, data = self.shipping_order()
        self.sim.clear_request_log()
        # Mirakl ships the order, then the connection drops before the answer
        self.sim.inject_fault("OR24", "reset")
        picking = self.deliver(order)
        self.run_jobs()
        job = self.jobs.search([("identity_key", "=", "shipment:%s" % picking.id)])
        self.assertEqual(job.state, "pending")
        self.assertEqual(self.sim_state(data), "SHIPPED")

        job.sudo().next_try = fields.Datetime.now()
        self.run_jobs()

        self.assertEqual(job.state, "done")
        self.assertEqual(picking.mk_shipment_state, "sent")
        self.assertEqual([c["operation"] for c in self.calls("OR23", "OR24", "OR11")],
                         ["OR23", "OR24", "OR11"], "read back, neither tracking nor ship again")

    def test_order_already_shipped_by_the_operator_is_success(self):
        order, data = self.shipping_order()
        self.sim.advance(data["order_id"], "ship")
        picking = self.deliver(order)
        self.run_jobs()
        self.assertEqual(picking.mk_shipment_state, "sent")
        self.assertFalse(picking.mk_shipment_error)

    def test_unknown_carrier_without_tracking_link_is_sent_by_name(self):
        self.own_courier[self.link_field] = False
        order, _data = self.shipping_order()
        self.deliver(order, carrier=self.own_courier, tracking="SB-43")
        self.run_jobs()
        self.assertEqual(
            body(self.calls("OR23")[0]),
            {"carrier_name": "Speedy Bikes", "tracking_number": "SB-43"},
        )

    def test_orders_of_a_dropship_centre_are_not_confirmed_by_us(self):
        self.instance.shipping_skip_centers = "DEFAULT, OTHER"
        order, _data = self.shipping_order()
        picking = self.deliver(order)
        self.run_jobs()
        self.assertEqual(picking.mk_shipment_state, "not_needed")
        self.assertIn("DEFAULT", picking.mk_shipment_note)
        self.assertPosted(order, "dropship or 3PL")
        self.assertEqual(self.calls("ST01", "OR23", "OR24"), [])

    def test_mandatory_tracking_missing_blocks_before_any_call(self):
        order, data = self.shipping_order(shipping_type={"code": "EXP", "label": "Express"})
        picking = self.deliver(order, tracking=False)

        self.assertEqual(picking.mk_shipment_state, "failed")
        self.assertIn("tracking number", picking.mk_shipment_error)
        self.assertIn("Express", picking.mk_shipment_error)
        self.assertFalse(self.jobs.search([("identity_key", "=", "shipment:%s" % picking.id)]))
        self.run_jobs()
        self.assertEqual(self.calls("ST01", "OR23", "OR24"), [])

        picking.carrier_tracking_ref = "1ZLATE"
        self.run_jobs()
        self.assertEqual(picking.mk_shipment_state, "sent")
        self.assertEqual(self.sim_state(data), "SHIPPED")

    def test_corrected_tracking_is_sent_with_or23(self):
        order, data = self.shipping_order()
        picking = self.deliver(order)
        self.run_jobs()
        self.sim.clear_request_log()
        picking.carrier_tracking_ref = "1ZFIXED"
        self.run_jobs()
        self.assertEqual([c["operation"] for c in self.calls("OR23", "OR24")], ["OR23"])
        self.assertEqual(self.sim.get_order(data["order_id"])["shipping_tracking"], "1ZFIXED")

    def test_send_to_mirakl_retries_a_failed_delivery(self):
        order, data = self.shipping_order()
        self.sim.inject_fault("OR23", "500")
        picking = self.deliver(order)
        job = self.jobs.search([("identity_key", "=", "shipment:%s" % picking.id)])
        job.sudo().max_attempts = 1
        self.run_jobs()
        self.assertEqual(picking.mk_shipment_state, "failed")
        self.assertIn("server error", picking.mk_shipment_error)
        self.assertTrue(order.activity_ids, "the salesperson is told")
        not_confirmed = self.env["stock.picking"].search(picking._mk_not_confirmed_domain())
        self.assertIn(picking, not_confirmed)

        self.sim.clear_faults()
        picking.action_mk_send_shipment()
        self.run_jobs()
        self.assertEqual(picking.mk_shipment_state, "sent")
        self.assertEqual(self.sim_state(data), "SHIPPED")
        self.assertNotIn(picking, self.env["stock.picking"].search(
            picking._mk_not_confirmed_domain()))


@tagged("post_install", "-at_install", "mirakl_connector")
class TestShippingWatchdog(ShippingCase):
    def test_watchdog_resends_unconfirmed_and_alerts_near_deadline(self):
        self.instance.multi_shipment = False
        order, data = self.shipping_order()
        self.sim.inject_fault("OR23", "500")
        picking = self.deliver(order)
        self.jobs.search([("identity_key", "=", "shipment:%s" % picking.id)]).sudo().write(
            {"max_attempts": 1})
        self.run_jobs()
        self.assertEqual(picking.mk_shipment_state, "failed")
        self.sim.clear_faults()
        picking.date_done = fields.Datetime.now() - timedelta(hours=2)
        order.sudo().mk_shipping_deadline = fields.Datetime.now() + timedelta(hours=3)
        late, _late_data = self.shipping_order([self.sim_line("SKU-3", 1)])
        late.sudo().mk_shipping_deadline = fields.Datetime.now() + timedelta(hours=3)

        model, method = self.env["mk.instance.flow"]._flow_handlers()["shipping"]
        log = self.env["mk.sync.log"]._start(self.instance, "shipping", self.jobs)
        getattr(self.env[model], method)(self.instance, log)
        log._finish()
        self.run_jobs()

        self.assertEqual(picking.mk_shipment_state, "sent")
        self.assertEqual(self.sim_state(data), "SHIPPED")
        self.assertEqual(log.updated_count, 1)
        self.assertTrue(late.activity_ids.filtered(lambda a: "deadline" in a.summary))
        self.assertIn("1 deliveries sent again", log.message)

    def test_documents_of_the_operator_are_attached_once(self):
        order, data = self.shipping_order()
        picking = self.open_delivery(order)
        self.sim.add_order_document(data["order_id"], "label-1.pdf", b"%PDF-1.4 label")
        exporter = self.env["mk.shipment.exporter"]

        self.assertEqual(exporter._fetch_documents(self.instance), 1)
        self.assertEqual(exporter._fetch_documents(self.instance), 0, "once per document id")

        self.assertEqual(len(self.calls("OR72")), 2)
        self.assertEqual(len(self.calls("OR73")), 1)
        for record in (order, picking):
            [attachment] = self.env["ir.attachment"].search(
                [("res_model", "=", record._name), ("res_id", "=", record.id),
                 ("name", "=", "label-1.pdf")]
            )
            self.assertEqual(attachment.raw, b"%PDF-1.4 label")
        document = self.env["mk.order.document"].search([("sale_order_id", "=", order.id)])
        self.assertEqual(document.type_code, "SYSTEM_DELIVERY_BILL")
