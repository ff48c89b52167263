from decimal import Decimal

from odoo import _, api, fields, models

from ..compat import sql_constraints, tax_price_include_vals
from ..mirakl.orders import OrderDataError
from .mk_job import create_or_retry


@sql_constraints(
    (
        "mk_tax_mapping_uniq",
        "UNIQUE(instance_id, code, price_include)",
        "A Mirakl tax code is mapped once per instance and price mode.",
    ),
)
class MkTaxMapping(models.Model):
    _name = "mk.tax.mapping"
    _description = "Mirakl Tax Code Mapping"
    _order = "instance_id, code"

    instance_id = fields.Many2one("mk.instance", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="instance_id.company_id", store=True)
    code = fields.Char(string="Mirakl Tax Code", required=True)
    price_include = fields.Boolean(
        string="Prices Include Tax",
        help="For orders imported in TAX_INCLUDED mode.",
    )
    tax_id = fields.Many2one(
        "account.tax",
        string="Odoo Tax",
        required=True,
        ondelete="restrict",
        domain="[('type_tax_use', '=', 'sale'), ('company_id', '=', company_id)]",
    )

    @api.model
    def _mk_get_tax(self, instance, tax, base, price_include, order_ref):
        """The Odoo tax of one Mirakl tax (``{code, rate, amount}``) in this price mode;
        with tax creation allowed, an unmapped code gets a tax of the rate Mirakl applied to
        ``base``, and its mapping."""
        mapping = self.search([
            ("instance_id", "=", instance.id), ("code", "=", tax["code"]),
            ("price_include", "=", price_include),
        ], limit=1)
        if mapping:
            return mapping.tax_id
        if not instance.order_create_taxes:
            raise OrderDataError(order_ref, _(
                "Mirakl tax code %(code)s (%(mode)s) is not mapped to an Odoo tax. Map it under "
                "the shop's tax mappings, or allow tax creation.",
                code=tax["code"], mode=_("tax included") if price_include else _("tax excluded"),
            ))
        rate = tax["rate"]
        if rate is None:
            net_base = base - tax["amount"] if price_include else base
            rate = (tax["amount"] / net_base * 100).quantize(Decimal("0.01")) if net_base else 0
        account_tax = self.env["account.tax"].create(
            self._mk_prepare_tax_values(instance, tax["code"], Decimal(rate), price_include)
        )
        values = {
            "instance_id": instance.id, "code": tax["code"], "price_include": price_include,
            "tax_id": account_tax.id,
        }
        create_or_retry(self, values, _(
            "Mirakl tax code %s is being mapped by another transaction; this import will be "
            "retried.", tax["code"],
        ))
        return account_tax

    @api.model
    def _mk_prepare_tax_values(self, instance, code, rate, price_include):
        values = {
            "name": "Mirakl %s %s%%%s" % (
                code, format(rate.normalize(), "f"), " incl." if price_include else ""
            ),
            "amount": float(rate),
            "amount_type": "percent",
            "type_tax_use": "sale",
            "company_id": instance.company_id.id,
        }
        values.update(tax_price_include_vals(self.env, price_include))
        return values
