from odoo.tests import tagged

from .. import compat
from .common import MiraklCase


@tagged("post_install", "-at_install", "mirakl_connector")
class TestOfferListingImport(MiraklCase):
    """The offers flow: the shop's listings read from the simulator into offer bindings."""

    def setUp(self):
        super().setUp()
        self.sim.reset()

    def _run(self):
        log = self.env["mk.sync.log"]
        self.instance.action_import_listings()
        self.env["mk.job"]._run_pending(instances=self.instance)
        return log.search([("instance_id", "=", self.instance.id), ("flow", "=", "offers")],
                          order="id desc", limit=1)

    def _bindings(self):
        return self.env["mk.offer.binding"].search([("instance_id", "=", self.instance.id)])

    def test_offers_link_by_reference_then_barcode(self):
        by_code = self.env["product.product"].create(dict(
            {"name": "Kettle", "default_code": "KET-1"}, **compat.storable_product_vals(self.env)))
        by_barcode = self.env["product.product"].create(dict(
            {"name": "Toaster", "barcode": "3700000000024"},
            **compat.storable_product_vals(self.env)))
        self.sim.add_product("P-TOAST", "Toaster", ean="3700000000024")
        self.sim.add_offer("KET-1", "P-KET", price="19.90", quantity=3)
        self.sim.add_offer("TOAST-OFFER", "P-TOAST", price="29.00", quantity=0)
        self.sim.add_offer("NOBODY", "P-NOBODY", price="5.00", quantity=1)
        log = self._run()
        bindings = {binding.offer_sku: binding for binding in self._bindings()}
        self.assertEqual(bindings["KET-1"].product_id, by_code)
        self.assertEqual(bindings["TOAST-OFFER"].product_id, by_barcode)
        self.assertNotIn("NOBODY", bindings)
        self.assertIn("NOBODY", log.message)
        self.assertEqual((log.created_count, log.failed_count), (2, 1))
        kettle = bindings["KET-1"]
        self.assertEqual((kettle.mirakl_price, kettle.mirakl_quantity, kettle.mirakl_state_code),
                         (19.9, 3, "11"))
        self.assertTrue(kettle.mirakl_active)
        self.assertFalse(bindings["TOAST-OFFER"].mirakl_active, "no stock: inactive on Mirakl")

    def test_a_known_link_wins_and_is_updated(self):
        product = self.env["product.product"].create({"name": "Linked"})
        binding = self.env["mk.offer.binding"].create({
            "instance_id": self.instance.id, "offer_sku": "LINKED", "product_id": product.id})
        self.sim.add_offer("LINKED", "P-LINKED", price="7.00", quantity=9)
        log = self._run()
        self.assertEqual(log.updated_count, 1)
        self.assertEqual(binding.mirakl_quantity, 9)
        self.assertEqual(len(self._bindings()), 1)

    def test_missing_products_are_created_when_asked(self):
        self.instance.write({"listing_create_products": True,
                             "pricelist_id": self.env["product.pricelist"].create(
                                 {"name": "Shop prices"}).id,
                             "listing_update_prices": True})
        self.sim.add_product("P-NEW", "Brand new lamp", ean="3700000000031")
        self.sim.add_offer("LAMP-1", "P-NEW", price="42.00", quantity=2)
        self._run()
        binding = self._bindings()
        self.assertEqual(binding.offer_sku, "LAMP-1")
        product = binding.product_id
        self.assertEqual((product.name, product.barcode, product.default_code, product.list_price),
                         ("Brand new lamp", "3700000000031", "LAMP-1", 42.0))
        self.assertEqual(self.instance.pricelist_id._get_product_price(product, 1.0), 42.0)

    def test_importing_listings_needs_a_mirakl_user(self):
        from odoo.exceptions import AccessError
        from odoo.tests import new_test_user

        clerk = new_test_user(self.env, login="mk_listing_clerk", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.instance.with_user(clerk).action_import_listings()
