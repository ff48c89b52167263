from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import OfferCase


@tagged("post_install", "-at_install", "mirakl_connector")
class TestOfferPriceExport(OfferCase):
    """The prices flow against the simulator: pricelist prices, discounts, deltas."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pricelist = cls.env["product.pricelist"].create({
            "name": "Marketplace prices", "currency_id": cls.env.company.currency_id.id})
        cls.instance.pricelist_id = cls.pricelist

    def _bind(self, code, list_price, on_mirakl=True, **values):
        product = self.env["product.product"].create(
            {"name": "Product %s" % code, "default_code": code, "list_price": list_price})
        sku = "SKU-" + code
        if on_mirakl:
            self.sim.add_offer(sku, "P-" + sku, price="1.00", quantity=5)
        return self.env["mk.offer.binding"].create(dict(
            {"instance_id": self.instance.id, "product_id": product.id, "offer_sku": sku},
            **values))

    def _run(self):
        return self._run_flow("prices")

    def _mirakl_done(self):
        self.sim.move_clock(seconds=60)
        self.env["mk.offer.import"].search([("state", "=", "running")]).sudo().write(
            {"next_poll": "2000-01-01 00:00:00"})

    def _rows(self, offer_import):
        return {row["offer-sku"]: {key: value for key, value in row.items()
                                   if key != "offer-sku" and value}
                for row in self._csv_rows(offer_import)}

    def _mirakl_offers(self):
        return {offer["shop_sku"]: offer for offer in self.client.iter_offers()}

    def test_prices_go_as_deltas(self):
        a = self._bind("PA", 10.0)
        b = self._bind("PB", 20.0)
        first = self._run()
        self.assertEqual(first.operation, "PRI01")
        self.assertEqual(self._rows(first), {"SKU-PA": {"price": "10.00"},
                                             "SKU-PB": {"price": "20.00"}})
        self._mirakl_done()
        b.product_id.list_price = 25.0
        second = self._run()
        self.assertEqual(first.state, "done")
        self.assertEqual(self._rows(second), {"SKU-PB": {"price": "25.00"}})
        self._mirakl_done()
        self.assertFalse(self._run())
        self.assertEqual(second.state, "done")
        self.assertEqual(self._mirakl_offers()["SKU-PB"]["price"], 25.0)
        self.assertEqual(a.price_exported, "10.00|||")

    def test_a_dated_rule_is_the_discount_with_its_dates(self):
        binding = self._bind("PROMO", 10.0, pack_factor=2)
        self._run()
        self._mirakl_done()
        start = fields.Datetime.now().replace(microsecond=0) - timedelta(days=1)
        end = start + timedelta(days=10)
        self.env["product.pricelist.item"].create({
            "pricelist_id": self.pricelist.id, "applied_on": "0_product_variant",
            "product_id": binding.product_id.id, "compute_price": "fixed", "fixed_price": 8.0,
            "date_start": start, "date_end": end,
        })
        self.assertTrue(binding.price_due)
        sent = self._run()
        self.assertEqual(self._rows(sent), {"SKU-PROMO": {
            "price": "20.00", "discount-price": "16.00",
            "discount-start-date": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "discount-end-date": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }})
        self._mirakl_done()
        self._run()
        offer = self._mirakl_offers()["SKU-PROMO"]
        self.assertEqual(offer["discount"]["origin_price"], 20.0)
        self.assertEqual(offer["discount"]["discount_price"], 16.0)
        self.assertEqual(offer["price"], 16.0, "the buyer pays the discount price")

    def test_a_refused_price_lands_on_its_binding(self):
        self._bind("PGOOD", 5.0)
        bad = self._bind("PBAD", 7.0, on_mirakl=False)
        sent = self._run()
        self._mirakl_done()
        self._run()
        self.assertEqual(sent.state, "done")
        self.assertEqual(sent.error_ids.binding_id, bad)
        self.assertIn("SKU-PBAD", bad.price_error)
        self.assertFalse(bad.stock_error, "a price refusal is not a stock refusal")

    def test_paused_prices_send_nothing(self):
        self._bind("PPAUSE", 5.0)
        self.instance.price_sync_paused = True
        self.assertFalse(self._run())
        self.assertFalse(self.sim.request_log("PRI01"))
