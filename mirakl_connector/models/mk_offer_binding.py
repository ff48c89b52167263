from odoo import api, fields, models

from ..compat import sql_constraints


@sql_constraints(
    (
        "instance_offer_sku_uniq",
        "UNIQUE(instance_id, offer_sku)",
        "This offer SKU is already linked to a product on this shop.",
    ),
)
class MkOfferBinding(models.Model):
    """Which Odoo product sells as which offer SKU on which shop.

    The seller's offer SKU (Mirakl's ``shop_sku``/``offer_sku``) often differs from the
    internal reference, and one product may sell under different SKUs on different shops.
    Order import looks here first, before the internal reference and the barcode.
    """

    _name = "mk.offer.binding"
    _description = "Mirakl Offer SKU"
    _order = "instance_id, offer_sku"
    _rec_name = "offer_sku"
    _check_company_auto = True

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    instance_id = fields.Many2one("mk.instance", string="Shop", required=True,
                                  ondelete="cascade", index=True)
    company_id = fields.Many2one(related="instance_id.company_id", store=True)
    offer_sku = fields.Char(string="Offer SKU", required=True, index=True,
                            help="Your SKU of the offer on the marketplace (shop SKU).")
    product_id = fields.Many2one("product.product", string="Product", required=True,
                                 ondelete="restrict", index=True, check_company=True)
    product_sku = fields.Char(string="Marketplace Product SKU",
                              help="The operator's SKU of the catalogue product, when known.")
    active = fields.Boolean(default=True)

    # ------------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._prepare_binding_values(vals) for vals in vals_list])

    def write(self, vals):
        return super().write(self._prepare_binding_values(vals))

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    @api.model
    def _prepare_binding_values(self, vals):
        """SKUs are compared exactly by Mirakl: a pasted space would never match an order."""
        vals = dict(vals)
        for field_name in ("offer_sku", "product_sku"):
            if isinstance(vals.get(field_name), str):
                vals[field_name] = vals[field_name].strip()
        return vals

    @api.model
    def _find_product(self, instance, sku):
        """The product bound to ``sku`` on ``instance`` (as offer SKU, then product SKU)."""
        for field_name in ("offer_sku", "product_sku"):
            binding = self.search(
                [("instance_id", "=", instance.id), (field_name, "=", sku)], limit=1
            )
            if binding:
                return binding.product_id
        return self.env["product.product"]
