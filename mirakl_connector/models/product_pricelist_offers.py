from odoo import models


class ProductPricelist(models.Model):
    _inherit = "product.pricelist"

    def _get_applicable_rules_domain(self, products, date, **kwargs):
        domain = super()._get_applicable_rules_domain(products, date, **kwargs)
        if self.env.context.get("mk_undated_rules"):
            # the offer's regular price: what the pricelist gives outside its promotions
            domain = domain + [("date_start", "=", False), ("date_end", "=", False)]
        return domain
