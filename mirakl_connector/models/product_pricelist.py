from odoo import fields, models

from .mk_job import create_auto_key


class ProductPricelist(models.Model):
    _inherit = "product.pricelist"

    mk_auto_created = fields.Boolean(
        copy=False, readonly=True, help="Created by the order import for a Mirakl currency.",
    )

    def init(self):
        super().init()
        create_auto_key(
            self,
            "product_pricelist_mk_auto_uniq",
            "currency_id, COALESCE(company_id, 0)",
            "mk_auto_created AND active",
        )
