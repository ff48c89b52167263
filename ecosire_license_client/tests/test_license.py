from odoo.tests import TransactionCase, tagged

from .common import install_test_license


@tagged("post_install", "-at_install", "ecosire_license_client")
class TestInstallTestLicense(TransactionCase):
    def test_helper_gives_a_valid_licence(self):
        licences = self.env["ecosire.license"]
        self.assertFalse(licences._license_verdict("mirakl_connector").ok)
        record = install_test_license(self.env, products=("mirakl_connector",))
        self.assertEqual(record.state, "valid")
        self.assertTrue(licences._license_verdict("mirakl_connector").ok)
        self.assertFalse(licences._license_verdict("other_product").ok)
