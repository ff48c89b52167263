from decimal import Decimal

from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .. import compat
from .common import MiraklCase


@tagged("post_install", "-at_install", "mirakl_connector")
class TestSecurity(MiraklCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Mirakl B Company"})
        cls.instance_b = cls._make_instance("Shop of B", company_id=cls.company_b.id)
        cls.user = new_test_user(
            cls.env,
            login="mk_user",
            groups="base.group_user,mirakl_connector.group_mirakl_user",
            company_id=cls.company_a.id,
            company_ids=[(6, 0, cls.company_a.ids)],
        )
        cls.manager = new_test_user(
            cls.env,
            login="mk_manager",
            groups="base.group_user,mirakl_connector.group_mirakl_manager,"
                   "sales_team.group_sale_salesman_all_leads",
            company_id=cls.company_a.id,
            company_ids=[(6, 0, (cls.company_a | cls.company_b).ids)],
        )
        # the strongest role company B has: a Mirakl Manager who sees every salesperson's
        # orders, of company B only
        cls.manager_b = new_test_user(
            cls.env,
            login="mk_manager_b",
            groups="base.group_user,mirakl_connector.group_mirakl_manager,"
                   "sales_team.group_sale_salesman_all_leads",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
        )

    def _company_a_records(self):
        """One record of company A per stored mk.* model (and a Mirakl order), made the way
        the connector makes them. A new model must get its record here, or the test fails."""
        instance = self.instance
        job = self.env["mk.job"]._enqueue(instance, "test", "mk.instance.flow", "_job_run_flow")
        no_shop_job = self.env["mk.job"].with_company(self.company_a)._enqueue(
            False, "no-shop", "mk.instance.flow", "_job_run_flow"
        )
        product = self.env["product.product"].create({"name": "Bound product"})
        tax = self.env["account.tax"].create(
            self.env["mk.tax.mapping"]._mk_prepare_tax_values(instance, "TVA10", Decimal(10), False)
        )
        partner = self.env["res.partner"].create({"name": "Mirakl customer"})
        records = {
            "mk.instance": instance,
            "mk.instance.flow": instance.flow_ids,
            "mk.job": job | no_shop_job,
            "mk.sync.log": self.env["mk.sync.log"]._start(instance, "account", job),
            "mk.acceptance.rule": self.env["mk.acceptance.rule"].create(
                {"name": "Stock", "instance_id": instance.id}
            ),
            "mk.financial.rule": self.env["mk.financial.rule"].create(
                {"name": "Confirm", "instance_id": instance.id}
            ),
            "mk.tax.mapping": self.env["mk.tax.mapping"].create(
                {"instance_id": instance.id, "code": "TVA10", "tax_id": tax.id}
            ),
            "mk.offer.binding": self.env["mk.offer.binding"].create(
                {"instance_id": instance.id, "offer_sku": "OFFER-A", "product_id": product.id}
            ),
            "sale.order": self.env["sale.order"].create(
                {"partner_id": partner.id, "company_id": self.company_a.id,
                 "mk_instance_id": instance.id, "mk_order_id": "A-ORDER-1"}
            ),
        }
        # the store writes budgets with SQL in transactions of its own; this one is the test's
        records["mk.call.budget"] = self.env["mk.call.budget"].create(
            {"instance_id": instance.id, "company_id": self.company_a.id, "operation": "A01"})
        offer_import = self.env["mk.offer.import"]._start(
            instance, "stock", "STO01", b'"offer-sku";"quantity"\n', 0)
        records["mk.offer.import"] = offer_import
        records["mk.offer.import.error"] = self.env["mk.offer.import.error"].create({
            "import_id": offer_import.id, "binding_id": records["mk.offer.binding"].id,
            "offer_sku": "OFFER-A", "message": "Unknown offer"})
        carrier = self.env["mk.carrier"].create(
            {"instance_id": instance.id, "code": "UPS", "label": "UPS"})
        records["mk.carrier"] = carrier
        records["mk.shipping.type"] = self.env["mk.shipping.type"].create(
            {"instance_id": instance.id, "code": "STD", "label": "Standard"})
        records["mk.carrier.map"] = self.env["mk.carrier.map"].create({
            "instance_id": instance.id, "mk_carrier_id": carrier.id,
            "delivery_carrier_id": self.env["delivery.carrier"].create({
                "name": "UPS A", "product_id": product.id}).id})
        records["mk.order.document"] = self.env["mk.order.document"].create({
            "instance_id": instance.id, "mirakl_document_id": "DOC-A",
            "sale_order_id": records["sale.order"].id, "file_name": "label.pdf"})
        records["mk.webhook.event"] = self.env["mk.webhook.event"].create({
            "instance_id": instance.id, "fingerprint": "id:A-EVENT",
            "received_at": "2026-01-01 00:00:00"})
        records["mk.thread"] = self.env["mk.thread"].create({
            "instance_id": instance.id, "mirakl_thread_id": "A-THREAD"})
        records["mk.thread.message"] = self.env["mk.thread.message"].create({
            "thread_id": records["mk.thread"].id, "body": "Hello"})
        stored = [
            name for name in self.env.registry
            if name.startswith("mk.") and not self.env[name]._abstract
            and not self.env[name]._transient
        ]
        for name in stored:
            if name not in records:
                records[name] = (
                    self.env[name].with_context(active_test=False)
                    .search([("company_id", "=", self.company_a.id)])
                    if "company_id" in self.env[name]._fields else self.env[name]
                )
            self.assertTrue(records[name], "no company A record of %s to test with" % name)
        return records

    def test_company_b_reads_nothing_of_company_a(self):
        records = self._company_a_records()
        for model, record_a in records.items():
            with self.subTest(model=model):
                as_b = self.env[model].with_user(self.manager_b).with_context(active_test=False)
                domain = [("mk_instance_id", "!=", False)] if model == "sale.order" else []
                self.assertFalse(as_b.search(domain) & record_a,
                                 "company B finds company A's %s" % model)
                with self.assertRaises(AccessError):
                    record_a.with_user(self.manager_b).read(["display_name"])
                # company A's own people still see them
                seen = self.env[model].with_user(self.manager).with_context(active_test=False)
                self.assertEqual(seen.search([("id", "in", record_a.ids)]), record_a)
        self.assertEqual(
            self.env["mk.instance"].with_user(self.manager_b).search([]), self.instance_b
        )

    def test_api_key_only_for_managers(self):
        instance = self.instance.with_user(self.user)
        self.assertEqual(instance.name, "Sim shop", "a Mirakl User reads the shop")
        with self.assertRaises(AccessError):
            instance.api_key  # noqa: B018
        self.assertEqual(self.instance.with_user(self.manager).api_key, self.sim.api_key)
        with self.assertRaises(AccessError):
            instance.write({"name": "Renamed"})

    def test_mirakl_user_runs_flows_without_reading_the_key(self):
        # the client reads the key as superuser; the user never sees it
        client = self.instance.with_user(self.user)._get_client()
        self.assertEqual(client.base_url, self.sim.base_url)

    def test_mirakl_user_runs_a_flow_now(self):
        line = self.instance.flow_ids.filtered(lambda f: f.flow == "account").with_user(self.user)
        line.action_run_now()
        job = self.env["mk.job"].search([("instance_id", "=", self.instance.id)])
        self.assertEqual(job.job_type, "flow_account")
        with self.assertRaises(AccessError):
            line.interval_minutes = 1

    def test_admin_is_mirakl_manager(self):
        admin = self.env.ref("base.user_admin")
        self.assertTrue(admin.has_group("mirakl_connector.group_mirakl_manager"))
        self.assertTrue(self.manager.has_group("mirakl_connector.group_mirakl_user"))
        self.assertFalse(self.user.has_group("mirakl_connector.group_mirakl_manager"))

    def test_views_load_for_each_role(self):
        """The web client's get_views: our XML loads on this series (<list> becomes <tree>
        on 17 only) and the key field is left out for a Mirakl User."""
        list_tag = "tree" if compat.list_view_is_tree(self.env) else "list"
        for user, sees_key in ((self.user, False), (self.manager, True)):
            views = (
                self.env["mk.instance"]
                .with_user(user)
                .get_views([(False, list_tag), (False, "form")])
            )
            self.assertEqual(etree.fromstring(views["views"][list_tag]["arch"]).tag, list_tag)
            form = etree.fromstring(views["views"]["form"]["arch"])
            self.assertEqual(bool(form.xpath("//field[@name='api_key']")), sees_key)
        for user, sees_request in ((self.user, False), (self.manager, True)):
            views = self.env["mk.job"].with_user(user).get_views([(False, "form")])
            form = etree.fromstring(views["views"]["form"]["arch"])
            self.assertEqual(bool(form.xpath("//field[@name='payload_display']")), sees_request)
        for model in ("mk.job", "mk.sync.log", "mk.instance.flow"):
            views = (
                self.env[model]
                .with_user(self.manager)
                .get_views([(False, list_tag), (False, "search")])
            )
            self.assertEqual(etree.fromstring(views["views"][list_tag]["arch"]).tag, list_tag)
