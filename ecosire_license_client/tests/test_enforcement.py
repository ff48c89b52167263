import contextlib

from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, tagged

from .common import (
    DAY,
    TEST_PRODUCT,
    install_test_license,
    license_clock,
    register_licensed_job_model,
)


@tagged("post_install", "-at_install", "ecosire_license_client")
class TestEnforcement(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Job = register_licensed_job_model(cls)
        cls.jobs = cls.Job.create([{"name": f"offer {n}"} for n in range(3)])

    def test_ui_action_without_licence_is_a_clear_error(self):
        with self.assertRaisesRegex(UserError, f"No licence for {TEST_PRODUCT} is installed"):
            self.jobs[0].action_send()
        self.assertEqual(self.jobs[0].state, "pending")

    def test_cron_without_licence_skips_and_keeps_the_queue(self):
        with self.assertLogs("odoo.addons.ecosire_license_client", "WARNING") as logs:
            self.assertEqual(self.Job._cron_send_pending(), 0)
        self.assertIn(f"skipped because the {TEST_PRODUCT} licence is not valid",
                      logs.output[0])
        self.assertEqual(set(self.jobs.mapped("state")), {"pending"})
        self.assertTrue(self.Job.search([("state", "=", "pending")]))

        # licensed again: the same queued work goes out
        install_test_license(self.env, products=(TEST_PRODUCT,))
        self.assertEqual(self.Job._cron_send_pending(), 3)
        self.assertEqual(set(self.jobs.mapped("state")), {"done"})

    def test_licence_for_another_product_does_not_unlock(self):
        install_test_license(self.env, products=("mirakl_connector",))
        with self.assertRaisesRegex(UserError, f"No licence for {TEST_PRODUCT}"):
            self.jobs[0].action_send()

    def test_lapsed_licence_blocks_writes_but_reading_stays(self):
        lic = install_test_license(self.env, products=(TEST_PRODUCT,), valid_days=10)
        self.jobs[0].action_send()
        self.assertEqual(self.jobs[0].state, "done")
        now = lic._license_now()
        with license_clock(self.env, now + 30 * DAY):
            with self.assertRaisesRegex(UserError, "more than 14 days"):
                self.jobs[1].action_send()
            with self.assertLogs("odoo.addons.ecosire_license_client", "WARNING"):
                self.assertEqual(self.Job._cron_send_pending(), 0)
            # reading the data is never gated
            self.assertEqual(self.Job.search_count([("state", "=", "pending")]), 2)
            self.assertEqual(self.jobs[1].name, "offer 1")
        with license_clock(self.env, now + 15 * DAY):  # in the grace period: still working
            self.assertEqual(self.Job._cron_send_pending(), 2)

    def test_verdict_never_outlives_a_rolled_back_licence(self):
        class Rollback(Exception):
            pass

        with contextlib.suppress(Rollback), self.env.cr.savepoint():
            install_test_license(self.env, products=(TEST_PRODUCT,))
            self.assertTrue(self.Job._check_license())
            raise Rollback
        self.env.invalidate_all()
        with self.assertLogs("odoo.addons.ecosire_license_client", "WARNING"):
            self.assertFalse(self.Job._check_license(raise_if_invalid=False))

    def test_any_internal_user_is_checked_without_reading_licences(self):
        user = self.env["res.users"].create({"name": "Clerk", "login": "licence-clerk"})
        with self.assertRaises(AccessError):
            self.env["ecosire.license"].with_user(user).search([])
        with self.assertRaisesRegex(UserError, "No licence"):
            self.Job.with_user(user)._check_license()
        install_test_license(self.env, products=(TEST_PRODUCT,))
        self.assertTrue(self.Job.with_user(user)._check_license())

    def test_a_model_must_name_its_product(self):
        with self.assertRaises(NotImplementedError):
            self.env["ecosire.license.mixin"]._check_license()


@tagged("post_install", "-at_install", "ecosire_license_client")
class TestLicenceWindow(TransactionCase):
    def test_menu_opens_list_and_form_on_every_version(self):
        action = self.env["ecosire.license"].action_open_licences()
        list_mode = action["views"][0][1]
        self.assertIn(list_mode, dict(self.env["ir.ui.view"]._fields["type"].selection))
        views = self.env["ecosire.license"].get_views(action["views"])["views"]
        self.assertIn("activated_domain", views[list_mode]["arch"])
        self.assertIn("action_activate", views["form"]["arch"])
        server_action = self.env.ref("ecosire_license_client.ecosire_license_action")
        self.assertEqual(server_action.run()["views"], action["views"])
        menu = self.env.ref("ecosire_license_client.ecosire_license_menu")
        self.assertEqual(menu.parent_id, self.env.ref("base.menu_administration"))
