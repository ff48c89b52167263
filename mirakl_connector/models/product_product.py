from odoo import fields, models

from .mk_job import create_auto_key


class ProductProduct(models.Model):
    _inherit = "product.product"

    mk_auto_created = fields.Boolean(
        copy=False, readonly=True, help="Created by the order import for an unknown SKU.",
    )

    def init(self):
        super().init()
        create_auto_key(
            self,
            "product_product_mk_auto_uniq",
            "default_code",
            "mk_auto_created AND active",
        )
