import base64
import json

from odoo.tests import tagged

from .common import DAY
from .test_activation import NOW, LicenseServerCase


def edit_payload(token, **changes):
    """The same token with its payload edited and its signature kept."""
    head, body, signature = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload.update(changes)
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{head}.{body}.{signature}"


@tagged("post_install", "-at_install", "ecosire_license_client")
class TestTampering(LicenseServerCase):
    def setUp(self):
        super().setUp()
        self.lic = self.new_licence()
        self.lic.action_activate()
        self.assertTrue(self.verdict().ok)

    def verdict(self):
        self.move_clock(0)
        return self.Licence._license_verdict("mirakl_connector")

    def sql_write(self, **values):
        """Edit the row behind the ORM's back, as someone with database access would."""
        self.env.flush_all()
        for column, value in values.items():
            self.env.cr.execute(
                f"UPDATE ecosire_license SET {column} = %s WHERE id = %s", (value, self.lic.id)
            )
        self.env.invalidate_all()

    def test_edited_receipt(self):
        self.sql_write(receipt=edit_payload(self.lic.receipt, check_by=NOW + 3650 * DAY))
        self.assertEqual(self.verdict().state, "tampered")
        self.assertIn("altered", self.lic.state_message)

    def test_edited_licence_key(self):
        self.sql_write(key=edit_payload(self.lic.key, products=["mirakl_connector", "all"],
                                        max_activations=99))
        self.assertEqual(self.verdict().state, "tampered")

    def test_key_swapped_under_a_receipt(self):
        self.sql_write(key=self.server.issue(customer="Someone else"))
        self.assertEqual(self.verdict().state, "tampered")
        self.assertIn("belongs to another licence key", self.verdict().message)

    def test_displayed_fields_carry_no_authority(self):
        self.lic.server_url = "http://127.0.0.1:9"
        self.move_clock(30 * DAY)
        self.assertEqual(self.lic.state, "offline")
        # lowering the clock mark, clearing the error, pointing to another server: no effect
        self.lic.write({"last_seen": 0, "last_error_state": False, "last_error": False})
        self.assertFalse(self.verdict().ok)
        self.assertEqual(self.lic.state, "offline")

    def test_database_copied_to_another_domain(self):
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", "https://copy.example.com")
        verdict = self.verdict()
        self.assertEqual(verdict.state, "wrong_domain")
        self.assertIn("erp.example.com", verdict.message)
        self.assertIn("copy.example.com", verdict.message)

    def test_database_copied_with_a_new_uuid(self):
        self.env["ir.config_parameter"].sudo().set_param("database.uuid", "a-copy-of-the-db")
        verdict = self.verdict()
        self.assertEqual(verdict.state, "wrong_domain")
        self.assertIn("another database", verdict.message)
        # the copy's cron cannot renew the original's activation…
        with self.assertLogs("odoo.addons.ecosire_license_client", "WARNING"):
            self.Licence._cron_revalidate()
        self.assertEqual(self.lic.state, "wrong_domain")
        # …and deactivating in the copy forgets the receipt without freeing the original's slot
        self.lic.action_deactivate()
        self.assertFalse(self.lic.receipt)
        self.assertEqual(len(self.server.active_activations(self.lic.key)), 1)

    def test_rolled_back_clock(self):
        self.move_clock(-2 * DAY)
        self.assertEqual(self.verdict().state, "tampered")
        self.assertIn("clock was set back", self.verdict().message)

    def test_rolled_back_clock_after_the_last_check(self):
        # the server stays out of reach, so only the local mark knows the latest time
        self.lic.server_url = "http://127.0.0.1:9"
        self.move_clock(5 * DAY)
        with self.assertLogs("odoo.addons.ecosire_license_client", "WARNING"):
            self.Licence._cron_revalidate()
        self.assertEqual(self.lic.last_seen, NOW + 5 * DAY)
        self.move_clock(-4 * DAY)  # back inside the first day, when the receipt was fresh
        self.assertEqual(self.verdict().state, "tampered")
