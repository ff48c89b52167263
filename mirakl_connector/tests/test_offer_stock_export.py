
from odoo.tests import new_test_user, tagged

from .. import compat
from .common import OfferCase


@tagged("post_install", "-at_install", "mirakl_connector")
class TestOfferStockExport(OfferCase):
    """The stock flow against the simulator: what reaches Mirakl, and when."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._flow(cls, cls.instance, "stock").enabled = True

    # -- helpers ---------------------------------------------------------------------------

    def _product(self, code, quantity=0, **values):
        return self._storable_product(code, quantity, **values)

    def _bind(self, product, sku, on_mirakl=True, **values):
        if on_mirakl:
            self.sim.add_offer(sku, "P-" + sku, price="10.00", quantity=0)
        return self.env["mk.offer.binding"].create(dict(
            {"instance_id": self.instance.id, "product_id": product.id, "offer_sku": sku},
            **values))

    def _run(self):
        return self._run_flow("stock")

    def _mirakl_done(self):
        """Mirakl finishes the running imports and the next poll is due."""
        self.sim.move_clock(seconds=60)
        self.env["mk.offer.import"].search([("state", "=", "running")]).sudo().write(
            {"next_poll": "2000-01-01 00:00:00"})

    def _rows(self, offer_import):
        return {row.get("offer-sku") or row["sku"]: int(row["quantity"])
                for row in self._csv_rows(offer_import)}

    def _mirakl_quantities(self):
        return {offer["shop_sku"]: offer["quantity"] for offer in self.client.iter_offers()}

    # -- tests -----------------------------------------------------------------------------

    def test_delta_sends_only_the_changes(self):
        a, b, c = (self._product(code, qty) for code, qty in (("A", 10), ("B", 20), ("C", 30)))
        bindings = [self._bind(p, "SKU-" + p.default_code) for p in (a, b, c)]
        first = self._run()
        self.assertTrue(first.full, "the first run of a shop sends every offer")
        self.assertEqual(self._rows(first), {"SKU-A": 10, "SKU-B": 20, "SKU-C": 30})
        self.assertEqual(first.operation, "STO01")
        self.assertTrue(first.mirakl_import_id)
        self._mirakl_done()
        self._set_stock(b, 4)  # a sale elsewhere
        self.assertTrue(bindings[1].stock_due)
        self.assertFalse(bindings[0].stock_due)
        second = self._run()
        self.assertEqual(first.state, "done")
        self.assertEqual(first.lines_in_success, 3)
        self.assertEqual(bindings[0].stock_exported, 10)
        self.assertFalse(second.full)
        self.assertEqual(self._rows(second), {"SKU-B": 4})
        self._mirakl_done()
        self.assertFalse(self._run(), "nothing changed: nothing sent")
        self.assertEqual(second.state, "done")
        self.assertEqual(self._mirakl_quantities(), {"SKU-A": 10, "SKU-B": 4, "SKU-C": 30})
        self.assertEqual(bindings[1].stock_exported, 4)

    def test_a_due_offer_with_the_same_quantity_is_not_sent(self):
        product = self._product("SAME", 5)
        binding = self._bind(product, "SKU-SAME")
        self._run()
        self._mirakl_done()
        self._set_stock(product, 5)  # counted again, same number
        self.assertTrue(binding.stock_due)
        self.assertFalse(self._run())
        self.assertFalse(binding.stock_due)

    def test_reserved_stock_is_not_exported_as_free(self):
        product = self._product("RES", 10)
        self._bind(product, "SKU-RES")
        self._run()
        self._mirakl_done()
        # a sale in Odoo reserves 3 units at confirmation
        order = self.env["sale.order"].create({
            "partner_id": self.env["res.partner"].create({"name": "Shop customer"}).id,
            "warehouse_id": self.warehouse.id,
            "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 3})],
        })
        order.action_confirm()
        self.assertEqual(order.picking_ids.move_ids.quantity, 3)
        self.assertEqual(self._rows(self._run()), {"SKU-RES": 7})
        self._mirakl_done()
        self.instance.stock_basis = "on_hand"
        self.assertEqual(self._rows(self._run()), {"SKU-RES": 10})
        self._mirakl_done()
        self.instance.stock_basis = "forecast"
        self.assertEqual(self._rows(self._run()), {"SKU-RES": 7})

    def test_buffer_cap_and_pack_factor(self):
        self.instance.write({"stock_buffer_kind": "units", "stock_buffer": 2})
        self._bind(self._product("PACK", 20), "SKU-PACK6", pack_factor=6)
        self._bind(self._product("BIG", 500), "SKU-BIG")
        self._bind(self._product("PLAIN", 12), "SKU-PLAIN")
        self.instance.stock_cap = 100
        # (20 - 2) units are 3 packs of 6; 498 capped at 100; 12 - 2
        self.assertEqual(self._rows(self._run()),
                         {"SKU-PACK6": 3, "SKU-BIG": 100, "SKU-PLAIN": 10})
        self._mirakl_done()
        self.instance.write({"stock_buffer_kind": "percent", "stock_buffer": 50})
        # half held back: 10 units are 1 pack, 6 of 12; 250 is still capped at 100, unchanged,
        # so that offer is not sent again
        self.assertEqual(self._rows(self._run()), {"SKU-PACK6": 1, "SKU-PLAIN": 6})

    def test_archived_products_show_zero_and_consumables_are_left_out(self):
        kept = self._product("KEEP", 8)
        gone = self._product("GONE", 8)
        self._bind(kept, "SKU-KEEP")
        self._bind(gone, "SKU-GONE")
        self._bind(self.env["product.product"].create(
            dict({"name": "Service"}, **compat.service_product_vals(self.env))), "SKU-SERVICE")
        self.assertEqual(self._rows(self._run()), {"SKU-KEEP": 8, "SKU-GONE": 8})
        self._mirakl_done()
        gone.active = False
        self.assertEqual(self._rows(self._run()), {"SKU-GONE": 0})

    def test_nothing_sent_while_the_last_import_runs(self):
        product = self._product("RUN", 3)
        self._bind(product, "SKU-RUN")
        self._run()
        self._set_stock(product, 2)
        self.env["mk.offer.import"].search([("state", "=", "running")]).sudo().write(
            {"next_poll": "2000-01-01 00:00:00"})
        self.assertFalse(self._run(), "Mirakl still processes the first file")
        self.assertEqual(len(self.sim.request_log("STO01")), 1)
        self._mirakl_done()
        self.assertEqual(self._rows(self._run()), {"SKU-RUN": 2})

    def test_a_failed_import_is_sent_again(self):
        binding = self._bind(self._product("FAIL", 6), "SKU-FAIL")
        self.sim.inject_fault("STO01", kind="500")
        failed = self._run()
        self.assertEqual(failed.state, "failed")
        self.assertTrue(failed.reason)
        self.assertTrue(binding.stock_due)
        retried = self._run()
        self.assertEqual(self._rows(retried), {"SKU-FAIL": 6})
        self._mirakl_done()
        self._run()
        self.assertEqual(retried.state, "done")
        self.assertEqual(self._mirakl_quantities()["SKU-FAIL"], 6)

    def test_refused_rows_land_on_their_binding_and_go_again_once_fixed(self):
        good = self._bind(self._product("OK", 4), "SKU-OK")
        bad = self._bind(self._product("TYPO", 9), "SKU-TYPO", on_mirakl=False)
        sent = self._run()
        self._mirakl_done()
        self.assertFalse(self._run())
        self.assertEqual(sent.state, "done")
        self.assertEqual(sent.lines_in_error, 1)
        self.assertEqual(sent.error_ids.binding_id, bad)
        self.assertIn("SKU-TYPO", bad.stock_error)
        self.assertEqual(bad.export_error_ids, sent.error_ids)
        self.assertFalse(good.stock_error)
        self.assertEqual(good.stock_exported, 4)
        # the seller fixes the SKU: the row goes again and is accepted
        self.sim.add_offer("SKU-TYPO2", "P-TYPO2", price="10.00", quantity=0)
        bad.offer_sku = "SKU-TYPO2"
        self.assertEqual(self._rows(self._run()), {"SKU-TYPO2": 9})
        self._mirakl_done()
        self._run()
        self.assertFalse(bad.stock_error)
        self.assertEqual(self._mirakl_quantities()["SKU-TYPO2"], 9)

    def test_paused_shop_sends_nothing(self):
        self._bind(self._product("PAUSE", 5), "SKU-PAUSE")
        self.instance.stock_sync_paused = True
        self.assertFalse(self._run())
        self.assertFalse(self.sim.request_log("STO01"))
        self.instance.stock_sync_paused = False
        self.assertEqual(self._rows(self._run()), {"SKU-PAUSE": 5})

    def test_offer_file_where_the_stock_api_is_missing(self):
        self.instance.stock_api = "OF01"
        self._bind(self._product("OF", 7), "SKU-OF")
        sent = self._run()
        self.assertEqual(sent.operation, "OF01")
        self.assertEqual(self._rows(sent), {"SKU-OF": 7})
        self.assertEqual(self.sim.request_log("OF01")[0]["status"], 201)
        self._mirakl_done()
        self._run()
        self.assertEqual(sent.state, "done")
        self.assertEqual(self._mirakl_quantities()["SKU-OF"], 7)

    def test_a_user_of_another_company_sees_no_import(self):
        bad = self._bind(self._product("SEC", 1), "SKU-SEC-X", on_mirakl=False)
        sent = self._run()
        self._mirakl_done()
        self._run()
        self.assertTrue(bad.export_error_ids)
        other = self.env["res.company"].create({"name": "Offers Other Co"})
        outsider = new_test_user(
            self.env, login="mk_offers_outsider",
            groups="base.group_user,mirakl_connector.group_mirakl_user",
            company_id=other.id, company_ids=[(6, 0, other.ids)])
        insider = new_test_user(
            self.env, login="mk_offers_insider",
            groups="base.group_user,mirakl_connector.group_mirakl_user")
        for model in ("mk.offer.import", "mk.offer.import.error"):
            self.assertFalse(self.env[model].with_user(outsider).search([]))
        self.assertIn(sent, self.env["mk.offer.import"].with_user(insider).search([]))
        self.assertEqual(bad.with_user(insider).export_error_ids.message, bad.stock_error)
