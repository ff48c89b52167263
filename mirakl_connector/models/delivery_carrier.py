from odoo import fields, models


class DeliveryCarrier(models.Model):
    _inherit = "delivery.carrier"

    mk_shipping_type_code = fields.Char(
        string="Mirakl Shipping Type", index=True,
        help="Mirakl shipping type code (shipping_type_code of the orders) this delivery method "
        "stands for. Restrict the countries to use one method per destination.",
    )
