from odoo import fields, models


class MkShopRuleMixin(models.AbstractModel):
    """What every per-shop rule has: a name, an order of evaluation, and its shop's company.
    Acceptance and financial rules inherit it; so can an integrator's own rules."""

    _name = "mk.shop.rule.mixin"
    _description = "Mirakl Shop Rule (abstract)"
    _order = "instance_id, sequence, id"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    instance_id = fields.Many2one("mk.instance", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="instance_id.company_id", store=True)
