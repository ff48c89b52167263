from psycopg2 import IntegrityError

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from ..mirakl.operators import OPERATOR_PROFILES
from .common import MiraklCase


@tagged("post_install", "-at_install", "mirakl_connector")
class TestMkInstance(MiraklCase):
    def test_base_url_https_or_loopback_only(self):
        for url in (
            "http://operator.mirakl.net",
            "ftp://operator.mirakl.net",
            "not a url",
            "https://user:pw@operator.mirakl.net",
            "https://operator.mirakl.net/?x=1",
        ):
            with (
                self.subTest(url=url),
                self.assertRaises(ValidationError) as caught,
                self.env.cr.savepoint(),
            ):
                self.instance.base_url = url
            self.assertIn("base URL", str(caught.exception))
        with self.assertRaisesRegex(ValidationError, "https"), self.env.cr.savepoint():
            self.instance.base_url = "http://operator.mirakl.net"
        for url in (
            "https://operator-prod.mirakl.net",
            "http://127.0.0.1:8900",
            "http://localhost:8900",
            "http://[::1]:8900",
        ):
            self.instance.base_url = url
            self.assertEqual(self.instance.base_url, url)

    def test_base_url_pasted_with_api_suffix_is_normalised(self):
        self.instance.base_url = " https://operator-prod.mirakl.net/api/ "
        self.assertEqual(self.instance.base_url, "https://operator-prod.mirakl.net")
        other = self._make_instance("Pasted", base_url="https://x.mirakl.net/api")
        self.assertEqual(other.base_url, "https://x.mirakl.net")

    def test_profile_prefills_and_stays_editable(self):
        target = self._make_instance("Target", operator_profile="target_plus")
        self.assertEqual(target._get_carrier_codes(), ["USPS", "FEDEX", "UPS"])
        self.assertEqual(target.acceptance_window_hours, 24)
        self.assertFalse(target.invoice_upload_required)
        # what the caller gives wins over the profile
        custom = self._make_instance("Custom", operator_profile="target_plus", carrier_codes="UPS")
        self.assertEqual(custom._get_carrier_codes(), ["UPS"])

        with Form(self.env["mk.instance"]) as form:
            form.name = "Carrefour"
            form.base_url = "https://carrefour-prod.mirakl.net"
            form.operator_profile = "carrefour"
            self.assertTrue(form.invoice_upload_required)
            self.assertEqual(
                form.carrier_codes, ",".join(OPERATOR_PROFILES["carrefour"]["carrier_codes"])
            )
            form.carrier_codes = "DPD"
        carrefour = form.save()
        self.assertEqual(carrefour.carrier_codes, "DPD")
        self.assertTrue(carrefour.invoice_upload_required)

    def test_every_profile_is_complete(self):
        keys = {
            "label",
            "acceptance_window_hours",
            "carrier_codes",
            "invoice_upload_required",
            "multi_shipment",
        }
        for code, profile in OPERATOR_PROFILES.items():
            self.assertEqual(set(profile), keys, code)
            instance = self._make_instance(code, operator_profile=code)
            self.assertEqual(instance.acceptance_window_hours, profile["acceptance_window_hours"])

    def test_order_states_are_checked(self):
        self.instance.order_states_to_import = "waiting_acceptance, SHIPPING"
        self.assertEqual(
            self.instance._get_order_states_to_import(), ["WAITING_ACCEPTANCE", "SHIPPING"]
        )
        with self.assertRaisesRegex(ValidationError, "SHIPED"), self.env.cr.savepoint():
            self.instance.order_states_to_import = "SHIPED"

    def test_one_schedule_line_per_flow(self):
        self.assertEqual(
            sorted(self.instance.flow_ids.mapped("flow")),
            sorted(self.env["mk.instance.flow"]._flow_labels()),
        )
        # the constraint declared through compat.sql_constraints exists on every series
        self.env.cr.execute(
            "SELECT conname FROM pg_constraint "
            "WHERE conname = 'mk_instance_flow_instance_flow_uniq'"
        )
        self.assertTrue(self.env.cr.fetchone())
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.env["mk.instance.flow"].create(
                {"instance_id": self.instance.id, "flow": "account"}
            )

    def test_activation_needs_a_key(self):
        keyless = self._make_instance("No key", api_key=False)
        with self.assertRaisesRegex(UserError, "API key"):
            keyless.action_activate()
        self.assertEqual(keyless.state, "draft")
