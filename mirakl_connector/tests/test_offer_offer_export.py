
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import OfferCase


@tagged("post_install", "-at_install", "mirakl_connector")
class TestOfferOfferExport(OfferCase):
    """Offers sent in full with OF01: NORMAL by default, REPLACE only once confirmed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.instance.pricelist_id = cls.env["product.pricelist"].create({"name": "Offer prices"})

    def setUp(self):
        super().setUp()
        product = self._storable_product("LAMP", 4, name="Lamp", list_price=30.0,
                                         barcode="3700000000048")
        self.sim.add_product("P-LAMP", "Lamp", ean="3700000000048")
        self.binding = self.env["mk.offer.binding"].create(
            {"instance_id": self.instance.id, "product_id": product.id, "offer_sku": "LAMP-1"})
        # an offer of the shop that Odoo does not list
        self.sim.add_offer("OLD-OFFER", "P-OLD", price="9.00", quantity=1)

    def _wizard(self, **values):
        return self.env["mk.offer.export.wizard"].create(dict({"instance_id": self.instance.id},
                                                              **values))

    def _mirakl_skus(self):
        return {offer["shop_sku"] for offer in self.instance._get_client().iter_offers()}

    def _finish(self):
        self.sim.move_clock(seconds=60)
        self.env["mk.offer.import"]._running(self.instance, "offer")._poll(
            self.instance._get_client(), force=True)

    def test_normal_mode_creates_the_offer_and_keeps_the_others(self):
        wizard = self._wizard()
        wizard.action_send()
        offer_import = self.env["mk.offer.import"].search([("kind", "=", "offer")])
        rows = self._csv_rows(offer_import)
        self.assertEqual(
            [(r["sku"], r["product-id"], r["product-id-type"], r["price"], r["quantity"],
              r["state"]) for r in rows],
            [("LAMP-1", "3700000000048", "EAN", "30.00", "4", "11")])
        self._finish()
        self.assertEqual(offer_import.state, "done")
        self.assertEqual(self._mirakl_skus(), {"LAMP-1", "OLD-OFFER"})
        self.assertTrue(self.binding.offer_exported_at)

    def test_replace_is_refused_without_the_count_confirmed(self):
        wizard = self._wizard(import_mode="REPLACE")
        with self.assertRaises(UserError):
            wizard.action_send()
        wizard.action_check_replace()
        self.assertEqual(wizard.delete_count, 1)
        self.assertIn("OLD-OFFER", wizard.delete_preview)
        wizard.confirm_count = 2
        with self.assertRaisesRegex(UserError, "1 offer"):
            wizard.action_send()
        self.assertFalse(self.sim.request_log("OF01"), "nothing sent before the confirmation")
        wizard.confirm_count = 1
        wizard.action_send()
        self._finish()
        self.assertEqual(self._mirakl_skus(), {"LAMP-1"})
