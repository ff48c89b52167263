from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import MiraklCase


@tagged("post_install", "-at_install", "mirakl_connector")
class TestConnection(MiraklCase):
    """Test Connection (A01) against the simulator over real HTTP, and each way it fails."""

    def _test_connection_error(self, **values):
        if values:
            self.instance.write(values)
        with self.assertRaises(UserError) as caught:
            self.instance.action_test_connection()
        self.assertFalse(self.instance.account_checked_at, "a failed test stores nothing")
        return str(caught.exception.args[0])

    def test_success_shows_and_stores_the_shop(self):
        shop = self.sim.shops[0]
        action = self.instance.action_test_connection()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn(shop["shop_name"], action["params"]["message"])
        self.assertIn(shop["currency_iso_code"], action["params"]["message"])
        self.assertEqual(self.instance.account_shop_name, shop["shop_name"])
        self.assertEqual(self.instance.account_shop_id, str(shop["shop_id"]))
        self.assertEqual(self.instance.account_currency, shop["currency_iso_code"])
        self.assertEqual(self.instance.account_shop_state, "OPEN")
        self.assertTrue(self.instance.account_checked_at)
        self.assertEqual(self.instance.shop_id, str(shop["shop_id"]), "an empty shop id is filled")
        self.assertEqual([r["operation"] for r in self.sim.request_log("A01")], ["A01"])

    def test_wrong_key(self):
        message = self._test_connection_error(api_key="not-the-key")
        self.assertIn("refused the API key", message)
        self.assertIn("401", message)
        self.assertNotIn("not-the-key", message)

    def test_wrong_path_is_a_404(self):
        message = self._test_connection_error(base_url=self.sim.base_url + "/wrong")
        self.assertIn("404", message)
        self.assertIn("base URL", message)

    def test_unknown_host(self):
        message = self._test_connection_error(base_url="https://no-such-host.invalid")
        self.assertIn("DNS", message)

    def test_timeout(self):
        self.sim.inject_fault("A01", "delay", seconds=3)
        message = self._test_connection_error(request_timeout=1)
        self.assertIn("did not answer in time", message)

    def test_rate_limited(self):
        self.sim.inject_fault("A01", "429", retry_after=7)
        message = self._test_connection_error()
        self.assertIn("429", message)
        self.assertIn("7 seconds", message)

    def test_rate_limited_for_a_day_reads_in_hours(self):
        # A01 is allowed once a day: a wait of 86,305 s is "24 hours", not a second count
        self.sim.inject_fault("A01", "429", retry_after=86305)
        message = self._test_connection_error()
        self.assertIn("Try again in 24 hours", message)

    def test_tls_failure(self):
        # https to the simulator's plain-HTTP port: the TLS handshake fails
        port = self.sim.base_url.rsplit(":", 1)[1]
        message = self._test_connection_error(base_url="https://127.0.0.1:%s" % port)
        self.assertIn("TLS", message)

    def test_pasted_key_with_a_newline_works(self):
        self.instance.api_key = " %s\n" % self.sim.api_key
        self.assertEqual(self.instance.api_key, self.sim.api_key)
        self.assertEqual(self.instance.action_test_connection()["params"]["type"], "success")

    def test_unusable_key(self):
        message = self._test_connection_error(api_key="two words")
        self.assertIn("whitespace", message)

    def test_messages_are_distinct(self):
        self.assertEqual(
            len(
                {
                    self._test_connection_error(api_key="wrong"),
                    self._test_connection_error(
                        api_key=self.sim.api_key, base_url=self.sim.base_url + "/x"
                    ),
                    self._test_connection_error(base_url="https://no-such-host.invalid"),
                }
            ),
            3,
        )
