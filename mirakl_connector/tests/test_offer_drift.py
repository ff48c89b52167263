
from odoo.tests import tagged

from .. import compat
from .common import OfferCase


@tagged("post_install", "-at_install", "mirakl_connector")
class TestOfferDrift(OfferCase):
    """Offers changed on the Mirakl side are found and, with auto-correct, sent again."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.instance.pricelist_id = cls.env["product.pricelist"].create({"name": "Drift prices"})

    def _product(self, code, quantity, price):
        return self._storable_product(code, quantity, name=code, list_price=price)

    def _bind(self, product, sku):
        return self.env["mk.offer.binding"].create(
            {"instance_id": self.instance.id, "product_id": product.id, "offer_sku": sku})

    def _run(self, flow):
        return self._run_flow(flow)

    def _settle(self):
        """Mirakl finishes every running import and the connector reads the outcome."""
        self.sim.move_clock(seconds=60)
        self.env["mk.offer.import"]._running(self.instance, "stock")._poll(
            self.instance._get_client(), force=True)
        self.env["mk.offer.import"]._running(self.instance, "price")._poll(
            self.instance._get_client(), force=True)

    def _rows(self, offer_import):
        return self._csv_rows(offer_import)

    def test_drift_found_and_corrected_through_the_delta(self):
        for code, quantity, price in (("DRIFT", 10, 10.0), ("STEADY", 5, 20.0)):
            self.sim.add_offer("SKU-" + code, "P-" + code, price="1.00", quantity=0)
            self._bind(self._product(code, quantity, price), "SKU-" + code)
        self._run("stock")
        self._run("prices")
        self._settle()
        self.assertEqual(self._run("stock") | self._run("prices"), self.env["mk.offer.import"])
        # someone edits the offer in the Mirakl back office; an offer Odoo does not know
        self.sim.add_offer("SKU-DRIFT", "P-DRIFT", price="12.00", quantity=3)
        self.sim.add_offer("SKU-ORPHAN", "P-ORPHAN", price="5.00", quantity=1)
        service = self.env["product.product"].create(
            dict({"name": "Not listed"}, **compat.service_product_vals(self.env)))
        self._bind(service, "SKU-MISSING")

        self.instance.drift_auto_correct = False
        self.instance.action_check_drift()
        self.env["mk.job"]._run_pending(instances=self.instance)
        self.assertIn("1 stock drift(s), 1 price drift(s), 1 offer(s) on Mirakl only, "
                      "1 offer(s) in Odoo only", self.instance.drift_summary)
        self.assertIn("SKU-DRIFT: Mirakl 3, Odoo 10", self.instance.drift_summary)
        self.assertFalse(self._run("stock"), "without auto-correct nothing is sent")

        self.instance.drift_auto_correct = True
        self.instance.action_check_drift()
        self.env["mk.job"]._run_pending(instances=self.instance)
        stock = self._run("stock")
        self.assertEqual([(row["offer-sku"], row["quantity"]) for row in self._rows(stock)],
                         [("SKU-DRIFT", "10")], "only the drifted row goes again")
        prices = self._run("prices")
        self.assertIn(("SKU-DRIFT", "10.00"),
                      [(row["offer-sku"], row["price"]) for row in self._rows(prices)])
        self.assertNotIn("SKU-STEADY", [row["offer-sku"] for row in self._rows(prices)])
        self._settle()
        offers = {offer["shop_sku"]: offer for offer in self.instance._get_client().iter_offers()}
        self.assertEqual((offers["SKU-DRIFT"]["quantity"], offers["SKU-DRIFT"]["price"]),
                         (10, 10.0))

    def test_the_drift_flow_is_off_until_turned_on(self):
        self._flow(self.instance, "drift").unlink()
        self.instance._ensure_flows()
        self.assertFalse(self._flow(self.instance, "drift").enabled)
        self.assertTrue(self._flow(self.instance, "stock"))
