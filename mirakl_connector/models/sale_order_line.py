from odoo import api, fields, models

from ..mirakl.orders import states


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    mk_line_id = fields.Char(string="Mirakl Line", index=True, copy=False, readonly=True)
    mk_line_state = fields.Selection(
        list(states.LINE_STATES), string="Mirakl Line State", copy=False, readonly=True
    )
    mk_offer_sku = fields.Char(string="Mirakl SKU", copy=False, readonly=True)
    mk_ordered_qty = fields.Float(
        string="Mirakl Ordered Qty",
        copy=False,
        readonly=True,
        help="Quantity as ordered on Mirakl, before cancellations and refunds.",
    )
    mk_canceled_qty = fields.Float(string="Canceled on Mirakl", copy=False, readonly=True)
    mk_refunded_qty = fields.Float(string="Refunded on Mirakl", copy=False, readonly=True)
    mk_price = fields.Monetary(
        string="Mirakl Line Amount",
        copy=False,
        readonly=True,
        help="What Mirakl charges for this line, after promotions.",
    )
    mk_promotion_type = fields.Char(string="Promotion Type", copy=False, readonly=True)
    mk_promotion_ref = fields.Char(string="Promotion Id", copy=False, readonly=True)
    mk_promotion_amount = fields.Monetary(string="Promotion Amount", copy=False, readonly=True)
    mk_promotion_details = fields.Text(string="Promotions", copy=False, readonly=True)
    mk_decision = fields.Selection(
        [("accept", "Accept"), ("refuse", "Refuse"), ("manual", "Operator")],
        string="Acceptance Decision",
        copy=False,
        readonly=True,
    )
    mk_decision_rule_id = fields.Many2one(
        "mk.acceptance.rule",
        string="Decided by Rule",
        copy=False,
        readonly=True,
        ondelete="set null",
    )
    mk_decision_reason = fields.Char(string="Decision Reason", copy=False, readonly=True)
    mk_fee_code = fields.Char(
        string="Mirakl Fee",
        copy=False,
        readonly=True,
        help="Code of the Mirakl fee this line charges (order_lines[].fees).",
    )
    mk_fixed_tax = fields.Boolean(
        string="Mirakl Tax Amount Kept",
        copy=False,
        readonly=True,
        help="The line's tax is Mirakl's amount (marketplace taxes), not recomputed by Odoo.",
    )
    mk_tax_amount = fields.Monetary(string="Mirakl Tax", copy=False, readonly=True)

    @api.depends("mk_fixed_tax", "mk_tax_amount", "order_id.mk_tax_mode")
    def _compute_amount(self):
        """Mirakl's per-line tax amounts are the truth of a marketplace order: Odoo's tax from
        the rate can differ by a cent (tax-included prices, global rounding, several taxes)."""
        super()._compute_amount()
        for line in self.filtered("mk_fixed_tax"):
            currency = line.order_id.currency_id
            amount = currency.round(
                line.price_unit * (1 - (line.discount or 0.0) / 100.0) * line.product_uom_qty
            )
            tax = currency.round(line.mk_tax_amount)
            if line.order_id.mk_tax_mode == "TAX_INCLUDED":
                line.update({"price_total": amount, "price_subtotal": amount - tax,
                             "price_tax": tax})
            else:
                line.update({"price_subtotal": amount, "price_tax": tax,
                             "price_total": amount + tax})
