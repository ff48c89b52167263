from odoo import fields, models

from ..compat import sql_constraints


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
