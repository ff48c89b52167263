from odoo import models

# A move writing one of these changes on-hand, reserved or forecast quantities.
STOCK_CHANGING_FIELDS = frozenset({"state", "quantity", "product_uom_qty", "location_id",
                                   "location_dest_id"})


class StockMove(models.Model):
    _inherit = "stock.move"

    def write(self, vals):
        res = super().write(vals)
        if STOCK_CHANGING_FIELDS & set(vals):
            # a sale elsewhere reaches the marketplace at the next stock run
            self.env["mk.offer.binding"].sudo()._mark_export_due(self.product_id.ids, ("stock",))
        return res
