from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class MkFinancialRule(models.Model):
    _name = "mk.financial.rule"
    _inherit = "mk.shop.rule.mixin"
    _description = "Mirakl Financial Workflow Rule"

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    payment_type = fields.Char(
        help="Mirakl payment type this rule applies to (case-insensitive). Empty: any.",
    )
    paid_status = fields.Selection(
        [("any", "Paid or not"), ("paid", "Paid by the customer"), ("unpaid", "Not paid yet")],
        required=True,
        default="any",
    )
    confirm_order = fields.Boolean(default=True)
    create_invoice = fields.Boolean()
    post_invoice = fields.Boolean()
    register_payment = fields.Boolean()
    journal_id = fields.Many2one(
        "account.journal",
        string="Payment Journal",
        domain="[('type', 'in', ('bank', 'cash')), ('company_id', '=', company_id)]",
    )
    payment_term_id = fields.Many2one("account.payment.term")

    # ------------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------------

    @api.constrains("create_invoice", "post_invoice", "register_payment", "journal_id")
    def _check_steps(self):
        for rule in self:
            if rule.post_invoice and not rule.create_invoice:
                raise ValidationError(_("Rule %s posts an invoice it does not create.", rule.name))
            if rule.register_payment and not (rule.post_invoice and rule.journal_id):
                raise ValidationError(
                    _(
                        "Rule %s registers a payment: it needs a posted invoice and a journal.",
                        rule.name,
                    )
                )

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    def _matches(self, payment_type, paid):
        self.ensure_one()
        if self.payment_type and self.payment_type.strip().lower() != (payment_type or "").lower():
            return False
        return self.paid_status == "any" or (self.paid_status == "paid") == bool(paid)
