from odoo import api, models

from ..mirakl.csv_files import OfferCsvWriter

OFFER_FILE_COLUMNS = ("sku", "product-id", "product-id-type", "price", "discount-price",
                      "discount-start-date", "discount-end-date", "quantity", "state",
                      "logistic-class")
NEW_OFFER_STATE = "11"  # OF61 "New", the state Mirakl gives an offer when none is sent


class MkOfferOfferExport(models.AbstractModel):
    """Offers created or updated from Odoo in full (OF01), from the *Send Offers* wizard.

    NORMAL mode by default: offers not in the file stay as they are. REPLACE (the file is the
    whole catalogue: Mirakl deletes every other offer of the shop) only runs when the person
    confirmed the number of offers it would delete. OF24 is never used: it replaces an offer
    with the body sent and resets every field left out."""

    _name = "mk.offer.offer.export"
    _inherit = "mk.offer.export"
    _description = "Mirakl Offer Export (OF01)"
    _export_kind = "offer"

    @api.model
    def _operation(self, instance):
        return "OF01"

    @api.model
    def _make_writer(self, instance):
        return OfferCsvWriter(columns=OFFER_FILE_COLUMNS)

    @api.model
    def _send(self, instance, client, file):
        mode = self.env.context.get("mk_import_mode", "NORMAL")
        return client.import_offers(file, import_mode=mode, filename="offers.csv")

    @api.model
    def _compute_rows(self, instance, full):
        stock_rows, _unchanged = self.env["mk.offer.stock.export"]._compute_stock_rows(
            instance, full=True)
        Binding = self.env["mk.offer.binding"].sudo()
        bindings = Binding.browse([binding_id for binding_id, _sku, _qty in stock_rows])
        bindings = bindings.filtered("active")
        prices = {}
        if instance.pricelist_id:
            prices = self.env["mk.offer.price.export"]._product_prices(
                instance, bindings.product_id.filtered("active"))
        quantities = {binding_id: quantity for binding_id, _sku, quantity in stock_rows}
        rows = []
        for binding in bindings:
            price, discount, start, end = prices.get(
                binding.product_id.id, (binding.product_id.lst_price, None, None, None))
            row = self.env["mk.offer.price.export"]._prepare_price_row(
                binding.offer_sku, price * binding.pack_factor,
                discount and discount * binding.pack_factor, start, end)
            row["sku"] = row.pop("offer-sku")
            row.update(self._product_reference(binding))
            row.update({"quantity": quantities[binding.id],
                        "state": binding.mirakl_state_code or NEW_OFFER_STATE,
                        "logistic-class": binding.mirakl_logistic_class or ""})
            value = "|".join(str(row.get(column) or "") for column in OFFER_FILE_COLUMNS)
            rows.append((binding.id, row, value))
        return rows, []

    @api.model
    def _product_reference(self, binding):
        """How Mirakl finds the catalogue product of a new offer: its SKU when known, else
        the product's barcode as EAN."""
        if binding.product_sku:
            return {"product-id": binding.product_sku, "product-id-type": "SKU"}
        if binding.product_id.barcode:
            return {"product-id": binding.product_id.barcode, "product-id-type": "EAN"}
        return {}

    @api.model
    def _replace_deletes(self, instance, client, skus):
        """Offer SKUs a REPLACE file listing ``skus`` would delete on Mirakl (read with OF21)."""
        keep = set(skus)
        return sorted(offer["shop_sku"] for offer in client.iter_offers()
                      if offer["shop_sku"] not in keep)
