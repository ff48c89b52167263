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
            groups="base.group_user,mirakl_connector.group_mirakl_manager",
            company_id=cls.company_a.id,
            company_ids=[(6, 0, (cls.company_a | cls.company_b).ids)],
        )

    def test_every_model_with_a_company_has_a_company_rule(self):
        # multi-company isolation is a rule per model: a new model must not slip through
        models = [
            self.env[name] for name in self.env.registry
            if name.startswith("mk.") and not self.env[name]._abstract
            and not self.env[name]._transient
        ]
        models = [model for model in models
                  if "company_id" in model._fields and model._fields["company_id"].store]
        self.assertIn("mk.offer.binding", [model._name for model in models])
        for model in models:
            rules = self.env["ir.rule"].search([("model_id.model", "=", model._name)])
            self.assertTrue(
                any("company_ids" in (rule.domain_force or "") for rule in rules),
                "%s has no multi-company record rule" % model._name,
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

    def test_company_rules(self):
        job_b = self.env["mk.job"]._enqueue(
            self.instance_b, "test", "mk.instance.flow", "_job_run_flow"
        )
        log_b = self.env["mk.sync.log"]._start(self.instance_b, "account")
        for model, record_b in (
            ("mk.instance", self.instance_b),
            ("mk.job", job_b),
            ("mk.sync.log", log_b),
            ("mk.instance.flow", self.instance_b.flow_ids),
        ):
            with self.subTest(model=model):
                seen = self.env[model].with_user(self.user).search([])
                self.assertFalse(seen & record_b, "company B's records stay hidden from company A")
                seen = (
                    self.env[model]
                    .with_user(self.manager)
                    .with_context(allowed_company_ids=(self.company_a | self.company_b).ids)
                    .search([])
                )
                self.assertEqual(seen & record_b, record_b)
        self.assertIn(self.instance, self.env["mk.instance"].with_user(self.user).search([]))

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
        for model in ("mk.job", "mk.sync.log", "mk.instance.flow"):
            views = (
                self.env[model]
                .with_user(self.manager)
                .get_views([(False, list_tag), (False, "search")])
            )
            self.assertEqual(etree.fromstring(views["views"][list_tag]["arch"]).tag, list_tag)
