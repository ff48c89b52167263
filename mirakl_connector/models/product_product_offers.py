from odoo import models


class ProductProduct(models.Model):
    _inherit = "product.product"

    def write(self, vals):
        res = super().write(vals)
        if "active" in vals:
            # an archived product shows 0 on the marketplace, a restored one its stock
            self.env["mk.offer.binding"].sudo()._mark_export_due(self.ids)
        return res
