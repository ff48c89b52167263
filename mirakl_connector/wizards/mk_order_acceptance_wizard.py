from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .. import access
from ..mirakl import errors

# Mirakl has no reason type for refusals (OR21 takes none): offer the shop's cancellation and
# refund reasons, which say the same things ("out of stock" …), to explain the refusal.
REASON_TYPES = ("CANCELATION", "REFUND")


class MkOrderAcceptanceWizard(models.TransientModel):
    _name = "mk.order.acceptance.wizard"
    _description = "Accept or Refuse Mirakl Order Lines"

    order_id = fields.Many2one("sale.order", required=True, readonly=True)
    line_ids = fields.One2many("mk.order.acceptance.wizard.line", "wizard_id")
    reason_ids = fields.One2many("mk.order.acceptance.wizard.reason", "wizard_id")

    @api.model
    def _create_for_order(self, order):
        """The wizard with one line per Mirakl line and the shop's reasons, read from RE01."""
        return self.create({
            "order_id": order.id,
            "line_ids": [
                fields.Command.create({
                    "sale_line_id": line.id, "accept": line.mk_decision != "refuse",
                })
                for line in order._mk_lines()
            ],
            "reason_ids": [
                fields.Command.create({"code": code, "label": label})
                for code, label in self._fetch_reasons(order)
            ],
        })

    @api.model
    def _fetch_reasons(self, order):
        """RE01 reasons the shop may use; none when Mirakl cannot be reached (the decision
        itself does not need a reason)."""
        try:
            reasons = order.mk_instance_id._get_client().list_reasons().get("reasons", [])
        except errors.MiraklError:
            return []
        return [
            (r["code"], r.get("label") or r["code"]) for r in reasons
            if r.get("type") in REASON_TYPES and r.get("is_shop_right", True)
        ]

    def action_confirm(self):
        self.ensure_one()
        access.check_caller(self.order_id, operation="write")
        missing = self.line_ids.filtered(lambda line: not line.accept and not line.reason_id
                                         and self.reason_ids)
        if missing:
            raise UserError(_("Give a reason for each refused line (%s).",
                              ", ".join(missing.mapped("sku"))))
        decisions = {line.sale_line_id.mk_line_id: line.accept for line in self.line_ids}
        reasons = [
            "%s: %s" % (line.sku, line.reason_id.label)
            for line in self.line_ids if not line.accept and line.reason_id
        ]
        why = _("decided by %s", self.env.user.name)
        if reasons:
            why = "%s (%s)" % (why, "; ".join(reasons))
        order = self.order_id._mk_as_connector()
        order.env["mk.order.acceptance"]._decide(order, decisions, why)
        return {"type": "ir.actions.act_window_close"}


class MkOrderAcceptanceWizardLine(models.TransientModel):
    _name = "mk.order.acceptance.wizard.line"
    _description = "Mirakl Order Line Decision"

    wizard_id = fields.Many2one("mk.order.acceptance.wizard", required=True, ondelete="cascade")
    sale_line_id = fields.Many2one("sale.order.line", required=True)
    sku = fields.Char(related="sale_line_id.mk_offer_sku")
    product_id = fields.Many2one(related="sale_line_id.product_id")
    quantity = fields.Float(related="sale_line_id.mk_ordered_qty")
    rule_reason = fields.Char(related="sale_line_id.mk_decision_reason", string="Rules Say")
    accept = fields.Boolean()
    reason_id = fields.Many2one(
        "mk.order.acceptance.wizard.reason", string="Refusal Reason",
        domain="[('wizard_id', '=', wizard_id)]",
    )


class MkOrderAcceptanceWizardReason(models.TransientModel):
    _name = "mk.order.acceptance.wizard.reason"
    _description = "Mirakl Reason"
    _rec_name = "label"

    wizard_id = fields.Many2one("mk.order.acceptance.wizard", required=True, ondelete="cascade")
    code = fields.Char(required=True)
    label = fields.Char(required=True)
