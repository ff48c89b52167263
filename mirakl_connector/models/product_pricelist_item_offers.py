from odoo import api, models


class ProductPricelistItem(models.Model):
    _inherit = "product.pricelist.item"

    @api.model_create_multi
    def create(self, vals_list):
        items = super().create(vals_list)
        items._mk_mark_prices_due()
        return items

    def write(self, vals):
        self._mk_mark_prices_due()
        res = super().write(vals)
        self._mk_mark_prices_due()
        return res

    def unlink(self):
        self._mk_mark_prices_due()
        return super().unlink()

    def _mk_mark_prices_due(self):
        """Every offer of the shops selling with these pricelists may have a new price."""
        instances = self.env["mk.instance"].sudo().with_context(active_test=False).search(
            [("pricelist_id", "in", self.pricelist_id.ids)])
        if instances:
            self.env["mk.offer.binding"].sudo()._mark_instance_due(instances, "price")
