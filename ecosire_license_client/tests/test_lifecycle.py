from odoo.tests import tagged

from odoo.addons.ecosire_license_client import verifier

from .common import DAY
from .test_activation import NOW, LicenseServerCase


@tagged("post_install", "-at_install", "ecosire_license_client")
class TestLifecycle(LicenseServerCase):
    def setUp(self):
        super().setUp()
        self.lic = self.new_licence()
        self.lic.action_activate()
        self.product = "mirakl_connector"

    def verdict(self):
        self.Licence._license_cache_clear()
        return self.Licence._license_verdict(self.product)

    def test_cron_renews_the_receipt_while_the_server_answers(self):
        self.move_clock(20 * DAY)
        self.assertEqual(self.lic.state, "offline")  # not confirmed for 20 days
        with self.assertNoLogs("odoo.addons.ecosire_license_client", "WARNING"):
            self.Licence._cron_revalidate()
        self.assertEqual(self.lic.state, "valid")
        self.assertEqual(self.lic.last_seen, NOW + 20 * DAY)
        self.assertEqual(self.lic.checked_at.timestamp(), NOW + 20 * DAY)

    def test_unreachable_server_gives_a_grace_period_then_ends_it(self):
        self.lic.server_url = "http://127.0.0.1:9"
        self.move_clock(DAY + 1)
        with self.assertLogs("odoo.addons.ecosire_license_client", "WARNING") as logs:
            self.Licence._cron_revalidate()
        self.assertIn("could not be reached", "\n".join(logs.output))
        self.assertTrue(self.lic.receipt, "an unreachable server never removes the activation")
        self.assertEqual(self.lic.state, "grace")
        self.assertIn("14 more day(s)", self.lic.state_message)
        self.assertTrue(self.verdict().ok)

        self.move_clock(14 * DAY - 1)  # the last second of the grace period
        self.assertEqual(self.verdict().state, "grace")
        self.assertIn("1 more day(s)", self.verdict().message)

        self.move_clock(1)
        self.assertEqual(self.lic.state, "offline")
        self.assertFalse(self.verdict().ok)
        self.assertIn("more than 14 days", self.verdict().message)

        # the server is back: the next check restores the licence, nothing was lost
        self.lic.server_url = self.server.url
        self.lic.action_revalidate()
        self.assertEqual(self.lic.state, "valid")

    def test_server_time_undoes_a_clock_that_ran_ahead(self):
        self.now += 3 * DAY  # this machine's clock jumps ahead; the server's does not
        self.Licence._license_cache_clear()
        self.lic.action_revalidate()
        self.assertEqual(self.lic.last_seen, NOW)  # the server's signed time wins
        self.move_clock(-3 * DAY)  # the clock is corrected: no false "set back" alarm
        self.assertEqual(self.lic.state, "valid")

    def test_manual_check_while_unreachable_keeps_the_grace(self):
        self.lic.server_url = "http://127.0.0.1:9"
        self.move_clock(2 * DAY)
        with self.assertLogs("odoo.addons.ecosire_license_client", "WARNING"):
            action = self.lic.action_revalidate()
        self.assertEqual(action["params"]["title"], "Licence not confirmed")
        self.assertIn("could not confirm the licence", action["params"]["message"])
        self.assertIn("keeps working for 13 more day(s)", action["params"]["message"])
        self.assertEqual(self.lic.state, "grace")

    def test_revoked_on_the_server(self):
        keys = self.Licence._license_keys()
        self.server.revoke(verifier.parse_license(self.lic.key, keys).license_id)
        self.move_clock(DAY)
        with self.assertLogs("odoo.addons.ecosire_license_client", "WARNING") as logs:
            self.Licence._cron_revalidate()
        self.assertIn("is revoked", logs.output[0])
        self.assertEqual(self.lic.state, "revoked")
        self.assertIn("revoked", self.lic.state_message)
        self.assertFalse(self.verdict().ok)

    def test_deactivated_elsewhere_is_seen_at_the_next_check(self):
        self.server.registry.deactivate(self.lic.key, self.lic.receipt, self.db_uuid)
        self.move_clock(DAY)
        with self.assertLogs("odoo.addons.ecosire_license_client", "WARNING"):
            self.Licence._cron_revalidate()
        self.assertEqual(self.lic.state, "not_activated")
        self.assertIn("released on the licence server", self.lic.state_message)

    def test_expiry(self):
        lic = self.new_licence(expires="2027-01-20", products=["other_product"])
        lic.action_activate()
        self.product = "other_product"
        self.assertTrue(self.verdict().ok)
        self.move_clock(6 * DAY)
        with self.assertLogs("odoo.addons.ecosire_license_client", "WARNING") as logs:
            self.Licence._cron_revalidate()
        self.assertIn("is expired", "\n".join(logs.output))
        self.assertEqual(lic.state, "expired")
        self.assertIn("expired on 2027-01-20", self.verdict().message)

    def test_cron_is_installed_for_every_day(self):
        cron = self.env.ref("ecosire_license_client.ecosire_license_cron_revalidate")
        self.assertTrue(cron.active)
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))
        if "numbercall" in cron._fields:  # Odoo 17: it would run only once without -1
            self.assertEqual(cron.numbercall, -1)
