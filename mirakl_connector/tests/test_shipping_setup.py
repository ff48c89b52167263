"""Carriers (SH21), shipping types (SH12), the platform configuration (PC01) and who may
send shipments."""

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..mirakl.governor import CallGovernor
from .test_shipping_common import ShippingCase


@tagged("post_install", "-at_install", "mirakl_connector")
class TestShippingSetup(ShippingCase):
    def test_carriers_and_shipping_types_are_per_shop_and_updated_in_place(self):
        carriers = self.instance.carrier_ids
        self.assertEqual(
            sorted(carriers.mapped("code")), ["COLISSIMO", "DHL", "LOCAL", "UPS", "USPS"]
        )
        ups = carriers.filtered(lambda carrier: carrier.code == "UPS")
        self.assertEqual(ups.tracking_url, "https://www.ups.com/track?tracknum={trackingId}")
        express = self.instance.shipping_type_ids.filtered(lambda kind: kind.code == "EXP")
        self.assertTrue(express.mandatory_tracking)
        self.assertFalse(self.instance_us.carrier_ids, "each shop has its own carriers")

        ups.label = "Old label"
        self.instance._mk_refresh_shipping_setup(governor=CallGovernor.unlimited())
        self.assertEqual(self.instance.carrier_ids, carriers, "no duplicates, same records")
        self.assertEqual(ups.label, "UPS", "updated in place")

    def test_profile_approved_carriers_come_first(self):
        self.instance.carrier_codes = "USPS,UPS"
        self.instance._mk_refresh_shipping_setup(governor=CallGovernor.unlimited())
        self.assertEqual(self.instance.carrier_ids.sorted()[:2].mapped("code"), ["USPS", "UPS"])

    def test_delivery_method_is_matched_by_name_for_the_user_to_confirm(self):
        mapping = self.ups._mk_get_carrier_map(self.instance)
        self.assertEqual(mapping.mk_carrier_id.code, "UPS")
        self.assertTrue(mapping.auto_matched)
        mapping.action_confirm_match()
        self.assertFalse(mapping.auto_matched)
        self.assertIsNone(self.own_courier._mk_get_carrier_map(self.instance))

    def test_one_delivery_method_maps_to_different_codes_per_shop(self):
        self.instance_us._mk_refresh_shipping_setup(governor=CallGovernor.unlimited())
        usps = self.instance_us.carrier_ids.filtered(lambda carrier: carrier.code == "USPS")
        self.env["mk.carrier.map"].create(
            {"instance_id": self.instance_us.id, "delivery_carrier_id": self.ups.id,
             "mk_carrier_id": usps.id}
        )
        self.assertEqual(self.ups._mk_get_carrier_map(self.instance_us).mk_carrier_id, usps)
        self.assertEqual(self.ups._mk_get_carrier_map(self.instance).mk_carrier_id.code, "UPS")

    def test_test_connection_reads_the_platform_and_fills_the_profile_guess(self):
        self.sim.configure_platform(
            {"features": {"shipment": {"multi_shipment": True},
                          "order_workflows": {"sellers_edit_shipping_origin": True}}}
        )
        self.instance.multi_shipment = False  # as the generic profile guesses
        self.assertEqual(self.instance.multi_shipment_source, "profile")
        self.instance.action_test_connection()
        self.assertTrue(self.instance.platform_checked_at)
        self.assertTrue(self.instance.platform_multi_shipment)
        self.assertTrue(self.instance.platform_edit_shipping_origin)
        self.assertEqual(self.instance.platform_order_acceptance, "NOT_AUTOMATIC")
        self.assertTrue(self.instance.multi_shipment)
        self.assertEqual(self.instance.multi_shipment_source, "platform")
        self.assertEqual(len(self.calls("PC01")), 1)

    def test_a_value_set_by_hand_wins_over_the_platform(self):
        self.instance.multi_shipment = True
        self.assertEqual(self.instance.multi_shipment_source, "user")
        self.sim.configure_platform({"features": {"shipment": {"multi_shipment": False}}})
        self.instance.action_test_connection()
        self.assertFalse(self.instance.platform_multi_shipment)
        self.assertTrue(self.instance.multi_shipment, "what the user set stays")

    def test_daily_account_flow_reads_the_platform_too(self):
        log = self.env["mk.sync.log"]._start(self.instance, "account", self.jobs)
        self.env["mk.instance"]._flow_refresh_account(self.instance, log)
        self.assertEqual(len(self.calls("PC01")), 1)
        self.assertEqual(len(self.calls("SH21")), 1)
        self.assertEqual(len(self.calls("SH12")), 1)


@tagged("post_install", "-at_install", "mirakl_connector")
class TestShippingSecurity(ShippingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Shipping B Company"})
        cls.user_b = new_test_user(
            cls.env,
            login="mk_ship_user_b",
            groups="base.group_user,stock.group_stock_user,mirakl_connector.group_mirakl_user",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
        )
        cls.storekeeper = new_test_user(
            cls.env,
            login="mk_ship_storekeeper",
            groups="base.group_user,stock.group_stock_user",
            company_id=cls.env.company.id,
            company_ids=[(6, 0, cls.env.company.ids)],
        )

    def test_user_of_another_company_sees_nothing(self):
        self.instance.multi_shipment = True
        order, _data = self.shipping_order()
        picking = self.deliver(order)
        self.run_jobs()
        self.assertEqual(picking.mk_shipment_state, "sent")
        env_b = self.env(user=self.user_b)
        self.assertFalse(env_b["stock.picking"].search([("mk_instance_id", "!=", False)]))
        self.assertFalse(env_b["mk.carrier"].search([]))
        self.assertFalse(env_b["mk.shipping.type"].search([]))
        self.assertFalse(env_b["mk.carrier.map"].search([]))
        self.assertFalse(env_b["mk.job"].search([("job_type", "=", "shipment")]))
        with self.assertRaises(AccessError):
            picking.with_user(self.user_b).action_mk_send_shipment()

    def test_send_to_mirakl_needs_the_mirakl_group(self):
        order, _data = self.shipping_order()
        picking = self.deliver(order)
        with self.assertRaises(AccessError):
            picking.with_user(self.storekeeper).action_mk_send_shipment()

    def test_a_warehouse_user_validates_and_the_shipment_goes_out(self):
        self.instance.multi_shipment = False
        order, data = self.shipping_order()
        picking = self.open_delivery(order).with_user(self.storekeeper)
        picking.write({"carrier_id": self.ups.id, "carrier_tracking_ref": "1ZWAREHOUSE"})
        for move in picking.move_ids:
            move.write({"quantity": move.product_uom_qty, "picked": True})
        picking.button_validate()
        self.assertEqual(picking.mk_shipment_state, "to_send")
        self.run_jobs()
        self.assertEqual(picking.mk_shipment_state, "sent")
        self.assertEqual(self.sim.get_order(data["order_id"])["shipping_tracking"], "1ZWAREHOUSE")
