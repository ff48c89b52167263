from odoo import _, api, fields, models

from ..compat import service_product_vals


class DeliveryCarrier(models.Model):
    _inherit = "delivery.carrier"

    mk_shipping_type_code = fields.Char(
        string="Mirakl Shipping Type", index=True,
        help="Mirakl shipping type code (shipping_type_code of the orders) this delivery method "
        "stands for. Restrict the countries to use one method per destination.",
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
        return carrier or Carrier.create(self._mk_prepare_values(instance, code, label))

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
        }
