import json

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import ecosire_license, running_license_server


@tagged("post_install", "-at_install", "ecosire_license_client")
class TestLicenceButtonsOverHttp(HttpCase):
    """The buttons as the web client calls them: real requests, real licence server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = cls.enterClassContext(running_license_server())
        ecosire_license.TEST_KEYS.append(cls.server.public_key)
        cls.addClassCleanup(ecosire_license.TEST_KEYS.remove, cls.server.public_key)

    def click(self, licence, method):
        """POST what the web client posts for a button; return (result, error message)."""
        self.authenticate("admin", "admin")
        payload = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
            "model": "ecosire.license", "method": method, "args": [licence.ids], "kwargs": {},
        }}
        response = self.url_open("/web/dataset/call_button", data=json.dumps(payload),
                                 headers={"Content-Type": "application/json"})
        body = response.json()
        return body.get("result"), body.get("error", {}).get("data", {}).get("message")

    def test_activate_then_deactivate_from_the_web_client(self):
        licence = self.env["ecosire.license"].create({
            "key": self.server.issue(), "server_url": self.server.url,
        })
        result, error = self.click(licence, "action_activate")
        self.assertIsNone(error)
        licence.invalidate_recordset()
        self.assertEqual(licence.state, "valid")
        self.assertEqual(len(self.server.active_activations(licence.key)), 1)

        result, error = self.click(licence, "action_deactivate")
        self.assertIsNone(error)
        self.assertEqual(self.server.active_activations(licence.key), [])

    def test_refusals_read_as_sentences(self):
        expired = self.env["ecosire.license"].create({
            "key": self.server.issue(expires="2020-01-31"), "server_url": self.server.url,
        })
        with mute_logger("odoo.http"):  # Odoo logs each UserError a request raises
            result, error = self.click(expired, "action_activate")
        self.assertEqual(error, "The licence expired on 2020-01-31. Renew it to keep sending "
                         "data to the marketplace; your data stays available.")

        full = self.env["ecosire.license"].create({
            "key": self.server.issue(max_activations=1), "server_url": self.server.url,
        })
        self.server.registry.activate(full.key, "another-db", "other.example.com")
        result, error = self.click(full, "action_activate")
        self.assertIsNone(error)
        self.assertEqual(result["tag"], "display_notification")
        self.assertIn("already active on 1 domains", result["params"]["message"])
