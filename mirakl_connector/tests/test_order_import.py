from odoo.tests import tagged

from ..compat import service_product_vals
from .common import OrderCase

PROMOTED_LINES = [
    {
        "offer_sku": "SKU-1", "quantity": 3, "price_unit": 19.99,
        "taxes": [{"code": "TVA-20", "rate": 20}],
        "promotions": [{"deduced_amount": 5.0, "type": "AMOUNT_OFF", "id": "PROMO-A"}],
        "shipping_price": 4.9, "shipping_taxes": [{"code": "TVA-20", "rate": 20}],
    },
    {
        "offer_sku": "SKU-2", "quantity": 2, "price_unit": 7.5,
        "taxes": [{"code": "TVA-5.5", "rate": 5.5}, {"code": "ECO", "rate": 1}],
        "shipping_price": 1.35, "shipping_taxes": [{"code": "TVA-20", "rate": 20}],
    },
    {
        # matched on the barcode; a percentage promotion with an awkward amount
        "offer_sku": "4006381333931", "quantity": 7, "price_unit": 4.76,
        "taxes": [{"code": "TVA-20", "rate": 20}],
        "promotions": [{"deduced_amount": 3.32, "type": "PERCENTAGE_OFF", "id": "PROMO-B"}],
    },
]


@tagged("post_install", "-at_install", "mirakl_connector")
class TestOrderImport(OrderCase):

    def test_promoted_multi_tax_order_matches_mirakl_tax_included(self):
        sim_order = self.create_sim_order(PROMOTED_LINES, order_tax_mode="TAX_INCLUDED")
        order = self.import_ids(sim_order["order_id"])
        self.assertEqual(order.mk_tax_mode, "TAX_INCLUDED")
        self.assertTotalsMatch(order)
        self.assertAlmostEqual(order.amount_total, sim_order["total_price"], places=2)
        first = order.order_line.filtered(lambda line: line.mk_offer_sku == "SKU-1")
        self.assertEqual(first.product_id, self.products["SKU-1"])
        self.assertAlmostEqual(first.price_unit, 19.99)
        self.assertEqual(first.product_uom_qty, 3)
        self.assertGreater(first.discount, 0)
        self.assertAlmostEqual(first.price_total, 54.97, places=2)
        self.assertEqual(first.mk_promotion_ref, "PROMO-A")
        self.assertEqual(first.mk_promotion_type, "AMOUNT_OFF")
        self.assertAlmostEqual(first.mk_promotion_amount, 5.0)
        barcode_line = order.order_line.filtered(
            lambda line: line.mk_offer_sku == "4006381333931"
        )
        self.assertEqual(barcode_line.product_id, self.products["BAR-1"])
        self.assertAlmostEqual(barcode_line.price_total, 30.0, places=2)
        # Mirakl tax codes became price-included Odoo taxes, mapped once per code
        mappings = self.env["mk.tax.mapping"].search([("instance_id", "=", self.instance.id)])
        self.assertEqual(sorted(mappings.mapped("code")), ["ECO", "TVA-20", "TVA-5.5"])
        self.assertTrue(all(mappings.mapped("tax_id.price_include")))
        second = order.order_line.filtered(lambda line: line.mk_offer_sku == "SKU-2")
        self.assertEqual(len(second.tax_id if "tax_id" in second._fields else second.tax_ids), 2)
        shipping = order.order_line.filtered("is_delivery")
        self.assertAlmostEqual(shipping.price_total, 6.25, places=2)
        self.assertEqual(order.carrier_id.mk_shipping_type_code, "STD")
        self.assertEqual(order.carrier_id.product_id.type, "service")
        # header values kept from Mirakl
        self.assertEqual(order.mk_channel_code, "WEB")
        self.assertEqual(order.mk_state, "WAITING_ACCEPTANCE")
        self.assertEqual(order.mk_acceptance_state, "pending")
        self.assertTrue(order.mk_acceptance_deadline)
        self.assertAlmostEqual(order.mk_commission, sim_order["total_commission"], places=2)
        self.assertEqual(order.mk_payment_type, sim_order["payment_type"])
        self.assertEqual(order.pricelist_id.currency_id.name, "EUR")
        self.assertIn('"order_id": "%s"' % sim_order["order_id"], order.mk_payload)

    def test_promoted_multi_tax_order_matches_mirakl_tax_excluded(self):
        sim_order = self.create_sim_order(PROMOTED_LINES, currency="USD",
                                          order_tax_mode="TAX_EXCLUDED")
        order = self.import_ids(sim_order["order_id"], instance=self.instance_us)
        self.assertEqual(order.currency_id.name, "USD")
        self.assertTotalsMatch(order)
        taxes = sum(
            tax["amount"] for line in sim_order["order_lines"]
            for tax in line["taxes"] + line["shipping_taxes"]
        )
        self.assertAlmostEqual(order.amount_total, sim_order["total_price"] + taxes, places=2)
        self.assertAlmostEqual(order.amount_untaxed, sim_order["total_price"], places=2)
        mappings = self.env["mk.tax.mapping"].search([("instance_id", "=", self.instance_us.id)])
        self.assertFalse(any(mappings.mapped("tax_id.price_include")))

    def test_odoo_product_taxes_mode(self):
        self.instance_us.order_tax_source = "product"
        tax = self.env["account.tax"].create({
            "name": "Sales 10%", "amount": 10, "amount_type": "percent", "type_tax_use": "sale",
        })
        self.products["SKU-3"].taxes_id = tax
        sim_order = self.create_sim_order(
            [self.sim_line("SKU-3", 2, 12.0, taxes=[{"code": "US-10", "rate": 10}])],
            currency="USD", order_tax_mode="TAX_EXCLUDED",
        )
        order = self.import_ids(sim_order["order_id"], instance=self.instance_us)
        line = order.order_line.filtered("mk_line_id")
        self.assertEqual(line.tax_ids if "tax_ids" in line._fields else line.tax_id, tax)
        self.assertFalse(self.env["mk.tax.mapping"].search(
            [("instance_id", "=", self.instance_us.id)]))
        self.assertTotalsMatch(order)
        self.assertAlmostEqual(order.amount_total, 26.4, places=2)

    def test_marketplace_taxes_through_the_fiscal_position(self):
        Tax = self.env["account.tax"]
        vat = Tax.create({"name": "VAT 20", "amount": 20, "type_tax_use": "sale"})
        export = Tax.create({"name": "Export 0", "amount": 0, "type_tax_use": "sale"})
        fpos = self.env["account.fiscal.position"].create({"name": "Export"})
        if "account.fiscal.position.tax" in self.env:  # 17, 18
            fpos.tax_ids = [(0, 0, {"tax_src_id": vat.id, "tax_dest_id": export.id})]
        else:  # 19: the destination tax names its fiscal positions and original taxes
            export.write({"fiscal_position_ids": [(4, fpos.id)],
                          "original_tax_ids": [(4, vat.id)]})
        self.instance_us.write({"order_tax_source": "marketplace_fpos",
                                "fiscal_position_id": fpos.id})
        self.env["mk.tax.mapping"].create({"instance_id": self.instance_us.id, "code": "US-20",
                                           "tax_id": vat.id})
        sim_order = self.create_sim_order(
            [self.sim_line("SKU-1", 1, 50.0, taxes=[{"code": "US-20", "rate": 20}])],
            currency="USD", order_tax_mode="TAX_EXCLUDED",
        )
        order = self.import_ids(sim_order["order_id"], instance=self.instance_us)
        line = order.order_line.filtered("mk_line_id")
        self.assertEqual(order.fiscal_position_id, fpos)
        self.assertEqual(line.tax_ids if "tax_ids" in line._fields else line.tax_id, export)
        # the fiscal position deliberately departs from Mirakl's taxes: the difference shows
        self.assertTrue(order.mk_total_mismatch)
        self.assertAlmostEqual(order.mk_total_difference, -10.0, places=2)

    def test_total_difference_is_flagged(self):
        sim_order = self.create_sim_order([self.sim_line("SKU-1", 1, 10.0)])
        order = self.import_ids(sim_order["order_id"])
        self.assertFalse(order.mk_total_mismatch)
        # an Odoo-side change that Mirakl does not know about must show, never pass silently
        order.order_line.price_unit = 10.05
        self.assertTrue(order.mk_total_mismatch)
        self.assertAlmostEqual(order.mk_total_difference, 0.05, places=2)

    def test_reimport_updates_the_same_order_and_fills_hidden_addresses(self):
        customer = {
            "customer_id": "C-REVEAL", "firstname": "Ada", "lastname": "Lovelace",
            "billing_address": {"firstname": "Ada", "lastname": "Lovelace",
                                "street_1": "1 rue Rivoli", "city": "Paris", "zip_code": "75001",
                                "country": "France", "country_iso_code": "FRA"},
            "shipping_address": {"firstname": "Ada", "lastname": "Lovelace",
                                 "street_1": "9 quai Voltaire", "city": "Paris",
                                 "zip_code": "75007", "country": "France",
                                 "country_iso_code": "FRA"},
        }
        sim_order = self.create_sim_order([self.sim_line()], customer=customer)
        order = self.import_ids(sim_order["order_id"])
        self.assertTrue(order.mk_addresses_hidden)
        self.assertEqual(order.partner_shipping_id, order.partner_id)
        again = self.import_ids(sim_order["order_id"])
        self.assertEqual(again, order)
        self.sim.advance(sim_order["order_id"], "accept")
        order.action_mk_reimport()
        self.assertEqual(self.env["sale.order"].search_count(
            [("mk_order_id", "=", sim_order["order_id"])]), 1)
        self.assertEqual(order.mk_state, "WAITING_DEBIT_PAYMENT")
        self.assertEqual(order.mk_acceptance_state, "accepted")
        self.assertFalse(order.mk_addresses_hidden)
        self.assertEqual(order.partner_shipping_id.type, "delivery")
        self.assertEqual(order.partner_shipping_id.street, "9 quai Voltaire")
        self.assertEqual(order.partner_shipping_id.country_id, self.env.ref("base.fr"))
        self.assertEqual(order.partner_invoice_id.street, "1 rue Rivoli")
        self.assertEqual(order.partner_shipping_id.parent_id, order.partner_id)
        # the same customer at the same address is reused; a new address is a new contact
        second = self.create_sim_order([self.sim_line()], state="SHIPPING", customer=customer)
        moved = dict(customer, shipping_address=dict(customer["shipping_address"],
                                                     street_1="3 rue du Bac"))
        third = self.create_sim_order([self.sim_line()], state="SHIPPING", customer=moved)
        orders = self.import_ids(second["order_id"], third["order_id"])
        self.assertEqual(orders.mapped("partner_id"), order.partner_id)
        self.assertEqual(orders[0].partner_shipping_id, order.partner_shipping_id)
        self.assertNotEqual(orders[1].partner_shipping_id, order.partner_shipping_id)
        self.assertEqual(orders[1].partner_shipping_id.street, "3 rue du Bac")

    def test_homonyms_are_different_customers(self):
        first = self.create_sim_order([self.sim_line()], state="SHIPPING", customer={
            "customer_id": "C-A", "firstname": "Jean", "lastname": "Martin",
            "billing_address": {"lastname": "Martin", "street_1": "1 rue A", "city": "Lyon",
                                "country_iso_code": "FRA", "country": "France"},
            "shipping_address": {"lastname": "Martin", "street_1": "1 rue A", "city": "Lyon",
                                 "country_iso_code": "FRA", "country": "France"},
        })
        second = self.create_sim_order([self.sim_line()], state="SHIPPING", customer={
            "customer_id": "C-B", "firstname": "Jean", "lastname": "Martin",
            "billing_address": {"lastname": "Martin", "street_1": "1 rue A", "city": "Lyon",
                                "country_iso_code": "FRA", "country": "France"},
            "shipping_address": {"lastname": "Martin", "street_1": "1 rue A", "city": "Lyon",
                                 "country_iso_code": "FRA", "country": "France"},
        })
        orders = self.import_ids(first["order_id"], second["order_id"])
        self.assertEqual(len(orders.mapped("partner_id")), 2)

    def test_company_parent_is_created_when_asked(self):
        self.instance.order_create_company = True
        address = {"lastname": "Buyer", "street_1": "5 av. Foch", "city": "Paris",
                   "country_iso_code": "FRA", "country": "France", "company": "ACME SAS"}
        sim_order = self.create_sim_order([self.sim_line()], state="SHIPPING", customer={
            "customer_id": "C-ORG", "firstname": "Bob", "lastname": "Buyer",
            "billing_address": address, "shipping_address": address,
        })
        order = self.import_ids(sim_order["order_id"])
        self.assertEqual(order.partner_id.parent_id.name, "ACME SAS")
        self.assertTrue(order.partner_id.parent_id.is_company)

    def test_unknown_sku_creates_the_product_when_allowed(self):
        self.instance.order_create_products = True
        sim_order = self.create_sim_order([self.sim_line("NOPE-42")])
        order = self.import_ids(sim_order["order_id"])
        self.assertEqual(order.order_line.filtered("mk_line_id").product_id.default_code, "NOPE-42")
        self.assertFalse(order.mk_import_error)

    def test_unmapped_tax_code_names_the_code(self):
        self.instance.order_create_taxes = False
        sim_order = self.create_sim_order([self.sim_line(taxes=[{"code": "VAT-X", "rate": 7}])])
        _orders, problems = self.importer._import_order_ids(self.instance, [sim_order["order_id"]])
        self.assertIn("tax code VAT-X", problems[0])

    def test_delivery_method_is_matched_by_country_first(self):
        product = self.env["product.product"].create(
            dict(service_product_vals(self.env), name="Ship")
        )
        anywhere = self.env["delivery.carrier"].create({
            "name": "Express anywhere", "product_id": product.id, "mk_shipping_type_code": "EXP",
        })
        france = self.env["delivery.carrier"].create({
            "name": "Express France", "product_id": product.id, "mk_shipping_type_code": "EXP",
            "country_ids": [(6, 0, self.env.ref("base.fr").ids)],
        })
        shipping_type = {"code": "EXP", "label": "Express"}
        sim_fr = self.create_sim_order([self.sim_line(shipping_price=5)], state="SHIPPING",
                                       shipping_type=shipping_type)
        sim_hidden = self.create_sim_order([self.sim_line(shipping_price=5)],
                                           shipping_type=shipping_type)
        order_fr, order_hidden = self.import_ids(sim_fr["order_id"], sim_hidden["order_id"])
        self.assertEqual(order_fr.carrier_id, france)
        self.assertEqual(order_hidden.carrier_id, anywhere)

    def test_state_filter_decides_what_is_imported(self):
        self.instance.order_states_to_import = "SHIPPING"
        waiting = self.create_sim_order([self.sim_line()])
        shipping = self.create_sim_order([self.sim_line()], state="SHIPPING")
        self.importer._enqueue_orders(self.instance)
        self.env["mk.job"]._run_pending()
        imported = self.env["sale.order"].search([("mk_instance_id", "=", self.instance.id)])
        self.assertEqual(imported.mapped("mk_order_id"), [shipping["order_id"]])
        self.assertNotIn(waiting["order_id"], imported.mapped("mk_order_id"))

    def test_poll_queues_each_order_once_and_follows_changes(self):
        first = self.create_sim_order([self.sim_line("SKU-1", 2, 10.0)])
        second = self.create_sim_order([self.sim_line("SKU-2", 1, 7.5)])
        log = self.env["mk.sync.log"]._start(self.instance, "orders")
        self.importer._flow_poll_orders(self.instance, log)
        jobs = self.env["mk.job"].search([("job_type", "=", "order_import"),
                                          ("instance_id", "=", self.instance.id)])
        self.assertEqual(len(jobs), 2)
        self.assertEqual({job.payload["order"]["order_id"] for job in jobs},
                         {first["order_id"], second["order_id"]})
        self.env["mk.job"]._run_pending()
        self.assertEqual(set(jobs.mapped("state")), {"done"})
        orders = self.env["sale.order"].search([("mk_instance_id", "=", self.instance.id)])
        self.assertEqual(len(orders), 2)
        self.assertTrue(self.instance.order_last_update)
        # nothing changed on Mirakl: the next poll queues nothing
        self.importer._flow_poll_orders(self.instance, log)
        self.assertEqual(self.env["mk.job"].search_count(
            [("job_type", "=", "order_import"), ("instance_id", "=", self.instance.id)]), 2)
        # a change on Mirakl is picked up by the next poll and updates the same order
        self.sim.move_clock(minutes=5)
        self.sim.advance(second["order_id"], "accept")
        self.importer._flow_poll_orders(self.instance, log)
        self.env["mk.job"]._run_pending()
        updated = orders.filtered(lambda o: o.mk_order_id == second["order_id"])
        self.assertEqual(updated.mk_state, "WAITING_DEBIT_PAYMENT")
        self.assertEqual(self.env["sale.order"].search_count(
            [("mk_instance_id", "=", self.instance.id)]), 2)

    def test_orders_flow_runs_through_the_shop_schedule(self):
        sim_order = self.create_sim_order([self.sim_line()])
        flow = self.instance.flow_ids.filtered(lambda line: line.flow == "orders")
        self.assertTrue(flow.has_handler)
        flow._enqueue()
        self.env["mk.job"]._run_pending()  # the flow run, then the import job it queued
        self.env["mk.job"]._run_pending()
        order = self.env["sale.order"].search([("mk_order_id", "=", sim_order["order_id"])])
        self.assertEqual(order.mk_instance_id, self.instance)
        log = self.env["mk.sync.log"].search([("instance_id", "=", self.instance.id),
                                              ("flow", "=", "orders")], limit=1)
        self.assertEqual((log.state, log.fetched_count), ("done", 1))

    def test_wizard_imports_by_date_range_and_by_ids(self):
        sim_order = self.create_sim_order([self.sim_line()])
        wizard = self.env["mk.order.import.wizard"].create({
            "instance_id": self.instance.id, "mode": "ids",
            "order_ids": "%s\nDOES-NOT-EXIST" % sim_order["order_id"],
        })
        wizard.action_import()
        self.assertIn("1 order(s) imported", wizard.result)
        self.assertIn("DOES-NOT-EXIST", wizard.result)
        other = self.create_sim_order([self.sim_line()])
        wizard = self.env["mk.order.import.wizard"].create({
            "instance_id": self.instance.id, "mode": "created",
            "date_from": "2000-01-01 00:00:00", "date_to": "2100-01-01 00:00:00",
        })
        wizard.action_import()
        self.env["mk.job"]._run_pending()
        self.assertTrue(self.env["sale.order"].search([("mk_order_id", "=", other["order_id"])]))


@tagged("post_install", "-at_install", "mirakl_connector")
class TestOrderImportMalformed(OrderCase):

    def test_malformed_orders_fail_alone_with_a_clear_message(self):
        good = self.create_sim_order([self.sim_line()], state="SHIPPING")
        address = {"lastname": "Far", "street_1": "1 Nowhere", "city": "X",
                   "country_iso_code": "QQQ", "country": "Atlantis"}
        unknown_country = self.create_sim_order(
            [self.sim_line()], state="SHIPPING",
            customer={"customer_id": "C-ATL", "firstname": "A", "lastname": "Far",
                      "billing_address": address, "shipping_address": address},
        )
        no_lines = dict(self.create_sim_order([self.sim_line()]), order_lines=[])
        null_price = self.create_sim_order([self.sim_line()])
        null_price["order_lines"][0]["price"] = None
        for payload in (good, unknown_country, no_lines, null_price):
            self.importer._enqueue_import(self.instance, payload)
        self.env["mk.job"]._run_pending()
        jobs = self.env["mk.job"].search([("job_type", "=", "order_import")])
        by_order = {job.payload["order"]["order_id"]: job for job in jobs}
        self.assertEqual(by_order[good["order_id"]].state, "done")
        expected = {
            unknown_country["order_id"]: "unknown country QQQ (Atlantis)",
            no_lines["order_id"]: "has no order_lines",
            null_price["order_id"]: "price is missing",
        }
        for order_id, message in expected.items():
            job = by_order[order_id]
            self.assertEqual(job.state, "failed", order_id)
            self.assertIn(message, job.error)
            self.assertIn(order_id, job.error)
            self.assertFalse(self.env["sale.order"].search([("mk_order_id", "=", order_id)]))
        self.assertTrue(self.env["sale.order"].search([("mk_order_id", "=", good["order_id"])]))
