"""Every imported order equals what Mirakl says, to the cent (issue 10). The orders come from
the simulator over HTTP, built from the spec's definitions of OR11: line ``price`` is what
the line costs after every promotion, basket promotions are apportioned into the line prices
and listed at order level only, taxes are Mirakl's amounts per line and per code, a line
cancelled down to nothing has quantity 0, ``price`` is the sum of every line price."""

from odoo.tests import tagged

from .common import OrderCase

MULTI_TAX_LINES = [
    {"offer_sku": "SKU-1", "quantity": 3, "price_unit": 19.99,
     "taxes": [{"code": "TVA-20", "rate": 20}],
     "promotions": [{"deduced_amount": 5.0, "type": "AMOUNT_OFF", "id": "PROMO-A"}],
     "shipping_price": 4.9, "shipping_taxes": [{"code": "TVA-20", "rate": 20}]},
    # two taxes on one line: 5.5 % and a 1 % contribution, each rounded by Mirakl
    {"offer_sku": "SKU-2", "quantity": 1, "price_unit": 10.0,
     "taxes": [{"code": "TVA-5.5", "rate": 5.5}, {"code": "ECO", "rate": 1}]},
    {"offer_sku": "SKU-3", "quantity": 1, "price_unit": 1.67,
     "taxes": [{"code": "TVA-20", "rate": 20}, {"code": "DEEE", "amount": 0.25}],
     "shipping_price": 1.35, "shipping_taxes": [{"code": "TVA-20", "rate": 20}]},
]


def mirakl_tax(sim_order):
    return round(sum(tax["amount"] for line in sim_order["order_lines"]
                     for tax in line["taxes"] + line["shipping_taxes"]), 2)


@tagged("post_install", "-at_install", "mirakl_connector")
class TestOrderFidelity(OrderCase):

    def assertEqualsMirakl(self, order, total, tax):
        self.assertAlmostEqual(order.amount_total, total, places=2)
        self.assertAlmostEqual(order.amount_tax, tax, places=2)
        self.assertTotalsMatch(order)

    # ------------------------------------------------------------------
    # 1. BASKET PROMOTIONS
    # ------------------------------------------------------------------

    def test_basket_promotion_in_the_line_prices_is_not_deducted_twice(self):
        sim_order = self.create_sim_order(
            [self.sim_line("SKU-1", 2, 40.0), self.sim_line("SKU-2", 1, 56.0)],
            basket_promotions=[{"deduced_amount": 10.0, "id": "BASKET-10"}],
        )
        self.assertEqual(sim_order["promotions"]["total_deduced_amount"], 10.0)
        self.assertFalse(any(line["promotions"] for line in sim_order["order_lines"]))
        self.assertEqual(sim_order["total_price"], 126.0)
        order = self.import_ids(sim_order["order_id"])
        self.assertEqualsMirakl(order, 126.0, 0.0)
        first = order.order_line.filtered(lambda line: line.mk_offer_sku == "SKU-1")
        self.assertAlmostEqual(first.price_unit, 40.0)
        self.assertAlmostEqual(first.price_total, sim_order["order_lines"][0]["price"], places=2)
        self.assertAlmostEqual(first.mk_promotion_amount,
                               80.0 - sim_order["order_lines"][0]["price"], places=2)
        self.assertEqual(first.mk_promotion_ref, "BASKET-10")

    # ------------------------------------------------------------------
    # 2. MIRAKL'S TAX AMOUNTS, WHATEVER THE ROUNDING
    # ------------------------------------------------------------------

    def _check_taxes_kept(self, rounding):
        self.company.tax_calculation_rounding_method = rounding
        for instance, currency, mode in ((self.instance, "EUR", "TAX_INCLUDED"),
                                         (self.instance_us, "USD", "TAX_EXCLUDED")):
            sim_order = self.create_sim_order(MULTI_TAX_LINES, currency=currency,
                                              order_tax_mode=mode)
            order = self.import_ids(sim_order["order_id"], instance=instance)
            total = sim_order["total_price"] + (mode == "TAX_EXCLUDED") * mirakl_tax(sim_order)
            self.assertEqualsMirakl(order, total, mirakl_tax(sim_order))
            line = order.order_line.filtered(lambda line: line.mk_offer_sku == "SKU-2")
            self.assertAlmostEqual(line.price_tax, 0.65 if mode == "TAX_EXCLUDED" else 0.62)

    def test_mirakl_tax_amounts_are_kept_when_rounding_globally(self):
        self._check_taxes_kept("round_globally")

    def test_mirakl_tax_amounts_are_kept_when_rounding_per_line(self):
        self._check_taxes_kept("round_per_line")

    def test_one_cent_is_a_mismatch(self):
        sim_order = self.create_sim_order([self.sim_line("SKU-1", 1, 10.0)])
        order = self.import_ids(sim_order["order_id"])
        self.assertFalse(order.mk_total_mismatch)
        order.order_line.filtered("mk_line_id").price_unit = 10.01
        self.assertTrue(order.mk_total_mismatch)
        self.assertAlmostEqual(order.mk_total_difference, 0.01, places=2)

    def test_order_level_taxes_are_the_truth(self):
        # three lines of 1.67 at 20 %: 0.33 each per line, but 1.00 computed on the order
        sim_order = self.create_sim_order(
            [self.sim_line(sku, 1, 1.67, taxes=[{"code": "US-20", "rate": 20}])
             for sku in ("SKU-1", "SKU-2", "SKU-3")],
            currency="USD", order_tax_mode="TAX_EXCLUDED", order_level_taxes=True,
        )
        self.assertEqual(sim_order["order_taxes"],
                         [{"code": "US-20", "rate": 20, "total_amount": 1.0}])
        order = self.import_ids(sim_order["order_id"], instance=self.instance_us)
        self.assertEqualsMirakl(order, 6.01, 1.0)

    def test_both_tax_modes_give_the_same_order(self):
        self.company.tax_calculation_rounding_method = "round_globally"
        sim_order = self.create_sim_order(MULTI_TAX_LINES, order_tax_mode="TAX_INCLUDED")
        included = self.import_ids(sim_order["order_id"])
        # one active record per Mirakl shop: the tax-excluded one takes the shop over
        self.instance.action_archive()
        excluded = self._make_instance("Sim FR tax excluded", self.sim.shop("EUR"))
        excluded.order_tax_mode = "TAX_EXCLUDED"
        other = self.import_ids(sim_order["order_id"], instance=excluded)
        self.assertEqual(other.mk_tax_mode, "TAX_EXCLUDED")
        self.assertEqualsMirakl(included, sim_order["total_price"], mirakl_tax(sim_order))
        self.assertEqualsMirakl(other, included.amount_total, included.amount_tax)
        self.assertAlmostEqual(other.amount_untaxed, included.amount_untaxed, places=2)

    def test_fees_are_charged_on_their_own_line(self):
        sim_order = self.create_sim_order(
            [self.sim_line("SKU-1", 1, 20.0, taxes=[{"code": "TVA-20", "rate": 20}],
                           fees=[{"code": "PACKAGING", "amount": 0.65}]),
             self.sim_line("SKU-2", 2, 7.5, fees=[{"code": "PACKAGING", "amount": 0.3}])],
            state="SHIPPING",
        )
        self.assertEqual(sim_order["total_price"], 35.95)  # spec: price, shipping and fees
        order = self.import_ids(sim_order["order_id"])
        fee = order.order_line.filtered("mk_fee_code")
        self.assertEqual(fee.mk_fee_code, "PACKAGING")
        self.assertAlmostEqual(fee.price_total, 0.95, places=2)
        self.assertFalse(fee.mk_line_id)  # not a Mirakl line: OR21 never sees it
        self.assertEqualsMirakl(order, 35.95, 3.33)

    # ------------------------------------------------------------------
    # 3. CANCELLED LINE WITH QUANTITY 0
    # ------------------------------------------------------------------

    def test_cancelled_line_with_quantity_zero_does_not_reject_the_order(self):
        sim_order = self.create_sim_order(
            [self.sim_line("SKU-1", 2, 10.0, taxes=[{"code": "TVA-20", "rate": 20}]),
             self.sim_line("SKU-2", 1, 7.5, canceled=True, shipping_price=2.0,
                           taxes=[{"code": "TVA-20", "rate": 20}])],
            state="SHIPPING",
        )
        cancelled = sim_order["order_lines"][1]
        self.assertEqual((cancelled["quantity"], cancelled["order_line_state"]), (0, "CANCELED"))
        order = self.import_ids(sim_order["order_id"])
        line = order.order_line.filtered(lambda line: line.mk_offer_sku == "SKU-2")
        self.assertEqual(line.product_uom_qty, 0)
        self.assertEqual(line.mk_line_state, "CANCELED")
        self.assertEqualsMirakl(order, 20.0, 20.0 / 6)

    # ------------------------------------------------------------------
    # 4. UNKNOWN SKU
    # ------------------------------------------------------------------

    def test_unknown_sku_imports_on_a_placeholder_and_is_fixed_by_linking_it(self):
        self.instance.order_auto_accept = True
        sim_order = self.create_sim_order(
            [self.sim_line("SKU-1", 1, 20.0), self.sim_line("GHOST-7", 2, 5.0)],
        )
        order = self.import_ids(sim_order["order_id"])
        ghost = order.order_line.filtered(lambda line: line.mk_offer_sku == "GHOST-7")
        self.assertEqual(ghost.product_id.name, "Unknown Mirakl product")
        self.assertEqual(ghost.product_uom_qty, 2)
        self.assertIn("GHOST-7", order.mk_import_error)
        activity = order.activity_ids.filtered(lambda a: "Unknown Mirakl SKU" in a.summary)
        self.assertEqual(len(activity), 1)
        self.assertIn("GHOST-7", activity.note)
        self.assertTotalsMatch(order)
        # auto-accept left it alone, on Mirakl too
        self.assertEqual(order.mk_acceptance_state, "pending")
        self.assertEqual(self.sim.get_order(sim_order["order_id"])["order_state"],
                         "WAITING_ACCEPTANCE")
        # the deadline fallback does not accept it either
        self.assertFalse(self.env["mk.order.acceptance"]._apply_fallback(order))
        self.env["mk.offer.binding"].create({
            "instance_id": self.instance.id, "offer_sku": "GHOST-7",
            "product_id": self.products["SKU-3"].id,
        })
        self.instance.order_auto_accept = False
        order.action_mk_reimport()
        self.assertEqual(ghost.product_id, self.products["SKU-3"])
        self.assertFalse(order.mk_import_error)
        self.assertFalse(order.activity_ids.filtered(lambda a: "Unknown Mirakl SKU" in a.summary))
        self.assertTotalsMatch(order)

    # ------------------------------------------------------------------
    # 5. CURRENCY
    # ------------------------------------------------------------------

    def test_currency_stays_mirakl_s_after_the_addresses_are_revealed(self):
        # a company selling on a shop in another currency (EUR company on the USD shop, or
        # the other way round: the test database's company may be in either)
        currency = "EUR" if self.company.currency_id.name != "EUR" else "USD"
        instance = self.instance if currency == "EUR" else self.instance_us
        mode = self.sim.shop(currency)["order_tax_mode"]
        sim_order = self.create_sim_order(
            [self.sim_line("SKU-1", 2, 10.0, taxes=[{"code": "VAT-8", "rate": 8}])],
            currency=currency, order_tax_mode=mode,
        )
        order = self.import_ids(sim_order["order_id"], instance=instance)
        self.assertTrue(order.mk_addresses_hidden)
        self.assertEqual(order.currency_id.name, currency)
        self.sim.advance(sim_order["order_id"], "accept")
        order.action_mk_reimport()
        self.assertFalse(order.mk_addresses_hidden)
        self.assertEqual(order.pricelist_id.currency_id.name, currency)
        self.assertEqual(order.currency_id.name, currency)
        total = 21.6 if mode == "TAX_EXCLUDED" else 20.0
        self.assertEqualsMirakl(order, total, mirakl_tax(sim_order))

    # ------------------------------------------------------------------
    # 6. PARTIAL REFUSAL
    # ------------------------------------------------------------------

    def test_no_false_mismatch_after_a_partial_refusal(self):
        sim_order = self.create_sim_order(
            [self.sim_line("SKU-1", 1, 20.0, taxes=[{"code": "TVA-20", "rate": 20}],
                           shipping_price=4.0, shipping_taxes=[{"code": "TVA-20", "rate": 20}]),
             self.sim_line("SKU-2", 2, 7.5, taxes=[{"code": "TVA-20", "rate": 20}])],
        )
        order = self.import_ids(sim_order["order_id"])
        lines = order._mk_lines()
        self.env["mk.order.acceptance"]._decide(
            order, {line.mk_line_id: line.mk_offer_sku == "SKU-1" for line in lines}, "test",
        )
        seen = self.sim.get_order(sim_order["order_id"])
        self.assertEqual(seen["total_price"], 39.0)  # spec: the sum of every line price
        self.assertEqual(order.mk_acceptance_state, "partial")
        self.assertEqualsMirakl(order, 24.0, 24.0 / 6)

    # ------------------------------------------------------------------
    # EVERY SEEDED ORDER
    # ------------------------------------------------------------------

    def test_every_seeded_order_imports_without_a_total_mismatch(self):
        self.sim.reset(seed=True)
        self.company.tax_calculation_rounding_method = "round_globally"
        imported = self.env["sale.order"]
        for instance in (self.instance, self.instance_us):
            ids = [o["order_id"] for o in instance._get_client().iter_orders(
                order_tax_mode=instance.order_tax_mode)]
            imported |= self.import_ids(*ids, instance=instance)
        self.assertGreater(len(imported), 40)
        self.assertGreater(len(set(imported.mapped("mk_state"))), 8)
        mismatched = imported.filtered("mk_total_mismatch")
        self.assertFalse(mismatched, [(o.mk_order_id, o.amount_total, o.mk_total)
                                      for o in mismatched])
