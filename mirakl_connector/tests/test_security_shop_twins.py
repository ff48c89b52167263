"""One Odoo shop record per Mirakl shop: a second one would import every order again."""

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import MiraklCase


@tagged("post_install", "-at_install", "mirakl_connector")
class TestShopTwins(MiraklCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shop_id = str(cls.sim.shop_id)
        cls.instance.shop_id = cls.shop_id

    def test_the_same_url_and_shop_id_is_refused_naming_the_first(self):
        for url in (self.sim.base_url, self.sim.base_url + "/api/"):
            with self.subTest(url=url):
                with self.assertRaisesRegex(ValidationError, "already set up as Sim shop"):
                    self._make_instance("Twin", base_url=url, shop_id=" %s " % self.shop_id)

    def test_host_names_compare_without_case(self):
        self._make_instance("Remote", base_url="https://Shop.Mirakl.example", shop_id="42")
        with self.assertRaisesRegex(ValidationError, "already set up as Remote"):
            self._make_instance("Remote twin", base_url="https://shop.mirakl.example/api",
                                shop_id="42")

    def test_another_company_cannot_set_up_the_same_shop_either(self):
        company_b = self.env["res.company"].create({"name": "Twin B"})
        with self.assertRaisesRegex(ValidationError, r"Sim shop \(%s\)" % self.env.company.name):
            self._make_instance("Twin of B", company_id=company_b.id, shop_id=self.shop_id)

    def test_other_shops_of_the_same_operator_are_fine(self):
        other = self._make_instance("Other shop", shop_id=self.shop_id + "9")
        self.assertTrue(other)
        with self.assertRaises(ValidationError):
            other.shop_id = self.shop_id

    def test_test_connection_finds_the_twin_when_it_fills_the_shop_id(self):
        # no shop id typed: A01 tells which shop the key reaches, and that is the first's
        twin = self._make_instance("Twin")
        with self.assertRaisesRegex(ValidationError, "already set up as Sim shop"):
            twin.action_test_connection()

    def test_an_archived_record_steps_aside(self):
        self.instance.action_archive()
        replacement = self._make_instance("Replacement", shop_id=self.shop_id)
        self.assertTrue(replacement)
        with self.assertRaisesRegex(ValidationError, "already set up as Replacement"):
            self.instance.action_unarchive()
