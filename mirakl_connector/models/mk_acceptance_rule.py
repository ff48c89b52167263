from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..mirakl.orders.acceptance import MANUAL, REFUSE


class MkAcceptanceRule(models.Model):
    _name = "mk.acceptance.rule"
    _inherit = "mk.shop.rule.mixin"
    _description = "Mirakl Auto-Acceptance Rule"

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    rule_type = fields.Selection(
        [
            ("stock", "Stock available"),
            ("price_drift", "Price drift"),
            ("max_quantity", "Maximum quantity"),
            ("blocked_sku", "Blocked SKUs"),
            ("country", "Destination countries"),
        ],
        required=True,
        default="stock",
    )
    on_fail = fields.Selection(
        [(MANUAL, "Leave to the operator"), (REFUSE, "Refuse the line")],
        string="When the Line Fails",
        required=True,
        default=MANUAL,
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        help="Stock counted in this warehouse, after reservations. "
        "Empty: the instance's warehouse.",
    )
    max_drift = fields.Float(string="Max Price Drift (%)", default=10.0)
    max_quantity = fields.Integer(default=10)
    blocked_skus = fields.Text(help="SKUs never accepted automatically, one per line or comma.")
    country_ids = fields.Many2many("res.country", string="Allowed Countries")

    # ------------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------------

    @api.constrains("rule_type", "max_drift", "max_quantity")
    def _check_limits(self):
        for rule in self:
            if rule.rule_type == "price_drift" and rule.max_drift < 0:
                raise ValidationError(_("The maximum price drift cannot be negative."))
            if rule.rule_type == "max_quantity" and rule.max_quantity <= 0:
                raise ValidationError(_("The maximum quantity must be positive."))

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    def _to_dict(self):
        """The rule as the pure evaluator reads it."""
        self.ensure_one()
        return {
            "id": self.id,
            "name": self.name,
            "type": self.rule_type,
            "on_fail": self.on_fail,
            "max_drift": self.max_drift,
            "max_quantity": self.max_quantity,
            "skus": self.blocked_skus or "",
            "countries": ",".join(self.country_ids.mapped("code")),
        }
