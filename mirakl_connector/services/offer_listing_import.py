from odoo import _, api, fields, models

from ..compat import storable_product_vals
from ..mirakl.offers.listing import parse_offer

# SKUs named in the log message when offers cannot be linked
SHOWN_UNLINKED = 20


class MkOfferListingImport(models.AbstractModel):
    """The ``offers`` flow: the shop's listings (OF21) into the offer bindings.

    Each offer is linked to its Odoo product by the offer SKU link already known, then the
    internal reference, then a barcode of the catalogue product; with *Create products* on,
    a product is created for an offer that matches none. The Mirakl values (state, price,
    discount, quantity, logistic class, channels, active) are kept on the binding beside
    Odoo's, for the Offers list and its filters."""

    _name = "mk.offer.listing.import"
    _description = "Mirakl Listing Import"

    @api.model
    def _flow_import_listings(self, instance, log):
        client = instance._get_client()
        Binding = self.env["mk.offer.binding"].sudo().with_context(active_test=False)
        known = {binding.offer_sku: binding
                 for binding in Binding.search([("instance_id", "=", instance.id)])}
        unlinked = []
        for offer in client.iter_offers():
            log._add(fetched=1)
            values = parse_offer(offer)
            binding = known.get(values["offer_sku"])
            if binding:
                if not instance.listing_only_new:
                    binding.write(self._prepare_listing_values(values, binding))
                    log._add(updated=1)
                continue
            product = self._find_listing_product(instance, values)
            if not product:
                unlinked.append(values["offer_sku"])
                log._add(failed=1)
                continue
            binding = Binding.create(dict(
                self._prepare_listing_values(values, Binding),
                instance_id=instance.id, offer_sku=values["offer_sku"], product_id=product.id))
            known[values["offer_sku"]] = binding
            if instance.listing_update_prices and values["price"] is not None:
                self._set_pricelist_price(instance, product, values["price"])
            log._add(created=1)
        if unlinked:
            log.message = _(
                "%(count)s offers match no product (offer SKU, internal reference or barcode): "
                "%(skus)s. Link them under Offers, or turn on Create products.",
                count=len(unlinked), skus=", ".join(unlinked[:SHOWN_UNLINKED]))
        return unlinked

    @api.model
    def _prepare_listing_values(self, values, binding):
        price = float(values["price"]) if values["price"] is not None else 0.0
        exported_price = (binding.price_exported or "").split("|")[0] if binding else ""
        return {
            "product_sku": values["product_sku"],
            "mirakl_offer_id": values["offer_id"],
            "mirakl_state_code": values["state_code"],
            "mirakl_price": price,
            "mirakl_discount_price": float(values["discount_price"] or 0.0),
            "mirakl_quantity": values["quantity"],
            "mirakl_logistic_class": values["logistic_class"],
            "mirakl_channels": ",".join(values["channels"]),
            "mirakl_active": values["active"],
            "mirakl_read_at": fields.Datetime.now(),
            "price_differs": bool(exported_price) and float(exported_price) != price,
        }

    @api.model
    def _find_listing_product(self, instance, values):
        Product = self.env["product.product"].sudo()
        company = [("company_id", "in", (False, instance.company_id.id))]
        product = Product.search([("default_code", "=", values["offer_sku"])] + company, limit=1)
        if not product and values["barcodes"]:
            product = Product.search([("barcode", "in", values["barcodes"])] + company, limit=1)
        if not product and instance.listing_create_products:
            product = Product.create(dict(
                {"name": values["title"], "default_code": values["offer_sku"],
                 "barcode": values["barcodes"][0] if values["barcodes"] else False,
                 "list_price": float(values["price"] or 0.0)},
                **storable_product_vals(self.env)))
        return product

    @api.model
    def _set_pricelist_price(self, instance, product, price):
        """The Mirakl price as a fixed price of the shop's pricelist (in its currency)."""
        pricelist = instance.pricelist_id.sudo()
        if not pricelist:
            return
        Item = self.env["product.pricelist.item"].sudo()
        item = Item.search([("pricelist_id", "=", pricelist.id), ("product_id", "=", product.id),
                            ("date_start", "=", False), ("date_end", "=", False)], limit=1)
        values = {"pricelist_id": pricelist.id, "applied_on": "0_product_variant",
                  "product_id": product.id, "product_tmpl_id": product.product_tmpl_id.id,
                  "compute_price": "fixed", "fixed_price": float(price)}
        if item:
            item.write(values)
        else:
            Item.create(values)
