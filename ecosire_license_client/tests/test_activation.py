import base64

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import config

from .common import (
    DAY,
    ecosire_license,
    license_clock,
    running_license_server,
    sign_license,
    trusted_test_key,
)

NOW = 1_800_000_000  # 2027-01-15: the client and the server see the time the tests set


@tagged("post_install", "-at_install", "ecosire_license_client")
class LicenseServerCase(TransactionCase):
    """A reference licence server on 127.0.0.1 and a client clock set by the tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = cls.enterClassContext(running_license_server())
        cls.server.now = NOW
        cls.Licence = cls.env["ecosire.license"]
        # the server's key stands for the vendor's, for these tests only
        ecosire_license.TEST_KEYS.append(cls.server.public_key)
        cls.addClassCleanup(ecosire_license.TEST_KEYS.remove, cls.server.public_key)
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("web.base.url", "https://erp.example.com")
        cls.db_uuid = params.get_param("database.uuid")

    def setUp(self):
        super().setUp()
        self.now = self.server.now = NOW
        self.enterContext(license_clock(self.env, lambda: self.now))

    def new_licence(self, **issue):
        return self.Licence.create({"key": self.server.issue(**issue),
                                    "server_url": self.server.url})

    def move_clock(self, seconds):
        """Move the client's and the server's clocks together."""
        self.now += seconds
        self.server.now = self.now
        self.Licence._license_cache_clear()
        self.env.invalidate_all()


class TestActivation(LicenseServerCase):
    def test_activate_binds_this_database_and_domain(self):
        lic = self.new_licence(products=["mirakl_connector"])
        self.assertEqual(lic.state, "not_activated")
        self.assertFalse(self.Licence._license_verdict("mirakl_connector").ok)

        self.assertIs(lic.action_activate(), True)
        self.assertEqual(lic.state, "valid")
        self.assertEqual(lic.activated_domain, "erp.example.com")
        self.assertTrue(lic.activation_id)
        self.assertEqual(lic.last_seen, NOW)
        self.assertTrue(self.Licence._license_verdict("mirakl_connector").ok)
        self.assertEqual(self.server.active_activations(lic.key)[0]["db_uuid"], self.db_uuid)

    def test_deactivate_frees_the_slot(self):
        lic = self.new_licence(max_activations=1)
        lic.action_activate()
        lic.action_deactivate()
        self.assertFalse(lic.receipt)
        self.assertEqual(lic.state, "not_activated")
        self.assertEqual(self.server.active_activations(lic.key), [])
        self.assertFalse(self.Licence._license_verdict("mirakl_connector").ok)
        # the freed slot is usable again
        lic.action_activate()
        self.assertEqual(lic.state, "valid")

    def test_fourth_activation_is_refused_with_a_clear_reason(self):
        lic = self.new_licence()
        for n in range(3):
            self.server.registry.activate(lic.key, f"other-db-{n}", f"shop{n}.example.com")
        action = lic.action_activate()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("already active on 3 domains", action["params"]["message"])
        self.assertIn("Deactivate", action["params"]["message"])
        self.assertEqual(lic.state, "no_activations")
        self.assertEqual(lic.state_message, action["params"]["message"])
        self.assertFalse(lic.receipt)
        self.assertEqual(len(self.server.active_activations(lic.key)), 3)

    def test_move_to_another_domain(self):
        lic = self.new_licence(max_activations=1)
        lic.action_activate()
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", "https://new.example.com")
        self.move_clock(0)
        self.assertEqual(lic.state, "wrong_domain")
        self.assertIn("erp.example.com", lic.state_message)
        lic.action_deactivate()
        lic.action_activate()
        self.assertEqual((lic.state, lic.activated_domain), ("valid", "new.example.com"))

    def test_unreachable_server_refuses_activation_clearly(self):
        lic = self.new_licence()
        lic.server_url = "http://127.0.0.1:9"
        with self.assertLogs("odoo.addons.ecosire_license_client", "WARNING"), \
                self.assertRaisesRegex(UserError, "cannot be reached.*offline activation"):
            lic.action_activate()
        self.assertFalse(lic.receipt)

    def test_key_problems_are_refused_before_calling_the_server(self):
        lic = self.Licence.create({"key": "not a key", "server_url": self.server.url})
        self.assertEqual(lic.state, "invalid")
        with self.assertRaisesRegex(UserError, "not an ECOSIRE licence key"):
            lic.action_activate()
        lic.key = self.server.issue(expires="2026-12-31")
        with self.assertRaisesRegex(UserError, "expired on 2026-12-31"):
            lic.action_activate()
        self.assertEqual(self.server.active_activations(lic.key), [])

    def test_offline_activation_with_a_receipt_file(self):
        lic = self.new_licence()
        answer = self.server.registry.activate(lic.key, self.db_uuid, "erp.example.com",
                                               offline=True)
        wizard = self.env["ecosire.license.offline.wizard"].create({
            "license_id": lic.id,
            "receipt_file": base64.b64encode(answer["receipt"].encode()),
        })
        self.assertEqual((wizard.db_uuid, wizard.domain), (self.db_uuid, "erp.example.com"))
        wizard.action_activate()
        self.assertEqual(lic.state, "valid")
        # an offline receipt lasts a year without any server contact
        self.move_clock(300 * DAY)
        self.assertEqual(lic.state, "valid")

    def test_offline_receipt_for_another_database_is_refused(self):
        lic = self.new_licence()
        answer = self.server.registry.activate(lic.key, "another-db", "erp.example.com",
                                               offline=True)
        wizard = self.env["ecosire.license.offline.wizard"].create({
            "license_id": lic.id,
            "receipt_file": base64.b64encode(answer["receipt"].encode()),
        })
        with self.assertRaisesRegex(UserError, "refused.*another database"):
            wizard.action_activate()
        wizard.receipt_file = base64.b64encode(b"\xff\xfe garbage")
        with self.assertRaisesRegex(UserError, "not an ECOSIRE activation receipt"):
            wizard.action_activate()
        self.assertFalse(lic.receipt)


@tagged("post_install", "-at_install", "ecosire_license_client")
class TestDemoKey(TransactionCase):
    def test_demo_key_needs_the_server_config_and_is_flagged(self):
        private_key = trusted_test_key()
        demo_public = ecosire_license.TEST_KEYS.pop()  # trusted only through the config
        lic = self.env["ecosire.license"].create({"key": sign_license(private_key)})
        self.assertEqual(lic.state, "invalid")
        self.assertIn("Demo licences only work", lic.state_message)

        option = ecosire_license.DEMO_KEY_OPTION
        config.options[option] = base64.b64encode(demo_public.raw).decode()
        try:
            self.env["ecosire.license"]._license_cache_clear()
            lic.invalidate_recordset()
            self.assertEqual(lic.state, "not_activated")
            self.assertTrue(lic.is_demo)
            self.assertTrue(lic.name.startswith("DEMO · "))
        finally:
            del config.options[option]
