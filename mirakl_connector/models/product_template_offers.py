from odoo import models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    def write(self, vals):
        res = super().write(vals)
        if "list_price" in vals:
            self.env["mk.offer.binding"].sudo()._mark_export_due(
                self.with_context(active_test=False).product_variant_ids.ids, ("price",))
        return res
