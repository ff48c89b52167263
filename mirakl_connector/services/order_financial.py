from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..mirakl.orders import states


class MkOrderFinancial(models.AbstractModel):
    """Financial workflow of an accepted order, chosen by payment type and paid status:
    confirm, invoice, post, pay, payment terms. Each step runs once, whatever the re-runs."""

    _name = "mk.order.financial"
    _inherit = ["mk.order.import.listener"]
    _description = "Mirakl Order Financial Workflow"
    _order_listener_sequence = 30

    @api.model
    def _on_order_imported(self, order, data, previous_state):
        """An accepted order that lives on gets (or re-runs) its financial rule."""
        if data["state"] in states.ACCEPTED_STATES and order.state != "cancel":
            self._enqueue(order)

    @api.model
    def _enqueue(self, order):
        return self.env["mk.job"]._enqueue(
            order.mk_instance_id, "order_financial", self._name, "_job_apply_rules",
            payload={"order_id": order.id},
            identity_key="financial:%s:%s" % (order.id, order.mk_last_updated or ""),
            record=order, priority=15,
        )

    @api.model
    def _job_apply_rules(self, job):
        order = self.env["sale.order"].browse(job.payload["order_id"]).exists()
        if not order or order.state == "cancel":
            return {"skipped": "order cancelled or deleted"}
        rule = self._apply(order)
        return {"order": order.name, "rule": rule.name}

    @api.model
    def _find_rule(self, order):
        rules = order.mk_instance_id.financial_rule_ids.filtered("active").sorted("sequence")
        for rule in rules:
            if rule._matches(order.mk_payment_type, order.mk_paid):
                return rule
        raise UserError(_(
            "No financial rule of shop %(shop)s matches payment type \"%(type)s\" "
            "(%(paid)s) of Mirakl order %(order)s. Add one under the shop's financial rules.",
            shop=order.mk_instance_id.name, type=order.mk_payment_type or _("(none)"),
            paid=_("paid") if order.mk_paid else _("not paid"), order=order.mk_order_id,
        ))

    @api.model
    def _apply(self, order):
        rule = self._find_rule(order)
        order.mk_financial_rule_id = rule
        if rule.payment_term_id and order.payment_term_id != rule.payment_term_id:
            order.payment_term_id = rule.payment_term_id
        if rule.confirm_order and order.state in ("draft", "sent"):
            order.action_confirm()
        if rule.create_invoice and order.state == "sale":
            self._invoice(order, rule)
        return rule

    @api.model
    def _invoice(self, order, rule):
        invoices = order.invoice_ids.filtered(lambda m: m.state != "cancel")
        if not invoices and order.invoice_status == "to invoice":
            invoices = order._create_invoices()
            order.message_post(body=_("Invoice created by financial rule %s.", rule.name))
        if rule.post_invoice:
            drafts = invoices.filtered(lambda m: m.state == "draft")
            if drafts:
                drafts.action_post()
        if rule.register_payment and order.mk_paid:
            self._register_payment(invoices, rule)

    @api.model
    def _register_payment(self, invoices, rule):
        due = invoices.filtered(
            lambda m: m.state == "posted" and m.payment_state in ("not_paid", "partial")
        )
        if not due:
            return self.env["account.payment"]
        wizard = self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=due.ids,
        ).create(self._prepare_payment_values(due, rule))
        return wizard._create_payments()

    @api.model
    def _prepare_payment_values(self, invoices, rule):
        return {"journal_id": rule.journal_id.id, "payment_date": fields.Date.context_today(self)}
