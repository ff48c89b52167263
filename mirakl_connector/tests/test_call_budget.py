from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..mirakl import errors
from .common import MiraklCase


@tagged("post_install", "-at_install", "mirakl_connector")
class TestCallBudget(MiraklCase):
    """Every client of a shop spends one call budget, seeded from Mirakl's maximums."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shop = cls._make_instance("Budgeted shop", call_limit_overrides=False)

    def test_clients_of_a_shop_share_mirakl_maximums(self):
        # A01 is allowed once a day: the second flow client must not spend it again
        self.shop._get_client().get_account()
        with self.assertRaises(errors.MiraklRateLimitError):
            self.shop._get_client().get_account()
        self.assertEqual(len(self.sim.request_log()), 1)
        # a person's Test Connection is not held back by the flows' budget
        self.shop.action_test_connection()
        self.assertEqual(self.shop.account_shop_id, str(self.sim.shop_id))

    def test_overrides_relax_and_are_validated(self):
        self.shop.call_limit_overrides = "A01 = off"
        for _attempt in range(2):
            self.shop._get_client().get_account()
        with self.assertRaisesRegex(ValidationError, "line 2 'OR11 ten'"):
            self.shop.call_limit_overrides = "A01 = off\nOR11 ten"
