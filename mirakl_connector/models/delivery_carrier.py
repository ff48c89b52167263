from odoo import _, api, fields, models

from ..compat import service_product_vals
from .mk_job import create_auto_key, create_or_retry


class DeliveryCarrier(models.Model):
    _inherit = "delivery.carrier"

    mk_shipping_type_code = fields.Char(
        string="Mirakl Shipping Type", index=True,
        help="Mirakl shipping type code (shipping_type_code of the orders) this delivery method "
        "stands for. Restrict the countries to use one method per destination.",
    )
    mk_auto_created = fields.Boolean(
        copy=False, readonly=True, help="Created by the order import for its shipping type.",
    )

    def init(self):
        super().init()
        create_auto_key(
            self,
            "delivery_carrier_mk_auto_uniq",
            "mk_shipping_type_code, COALESCE(company_id, 0)",
            "mk_auto_created",
        )

    @api.model
    def _mk_find_or_create(self, instance, code, label=None, country=None):
        """The delivery method of a Mirakl shipping type: first one for the destination
        country, then any with that type, else a new one."""
        Carrier = self.with_context(active_test=False)
        domain = [
            ("mk_shipping_type_code", "=", code),
            ("company_id", "in", (False, instance.company_id.id)),
        ]
        if country:
            carrier = Carrier.search(domain + [("country_ids", "in", country.ids)], limit=1)
            if carrier:
                return carrier
        carrier = Carrier.search(domain, limit=1)
        if carrier:
            return carrier
        return create_or_retry(Carrier, self._mk_prepare_values(instance, code, label), _(
            "The delivery method of Mirakl shipping type %s is being created by another "
            "transaction; this import will be retried.", code,
        ))

    @api.model
    def _mk_prepare_values(self, instance, code, label=None):
        product = self.env["product.product"].create({
            **service_product_vals(self.env),
            "name": _("Mirakl shipping %s", label or code),
            "sale_ok": False,
            "list_price": 0.0,
            "taxes_id": [fields.Command.clear()],
        })
        return {
            "name": label or code,
            "mk_shipping_type_code": code,
            "product_id": product.id,
            "delivery_type": "fixed",
            "fixed_price": 0.0,
            "company_id": instance.company_id.id,
            "mk_auto_created": True,
        }
