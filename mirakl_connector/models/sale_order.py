import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .. import access
from ..compat import sql_constraints
from ..mirakl.orders import states


@sql_constraints(
    (
        "mk_order_uniq",
        "UNIQUE(mk_instance_id, mk_order_id)",
        "A Mirakl order can only exist once per instance.",
    ),
)
class SaleOrder(models.Model):
    _inherit = "sale.order"

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    mk_instance_id = fields.Many2one(
        "mk.instance",
        string="Mirakl Instance",
        index=True,
        copy=False,
        readonly=True,
        ondelete="restrict",
    )
    mk_order_id = fields.Char(string="Mirakl Order", index=True, copy=False, readonly=True)
    mk_commercial_id = fields.Char(string="Mirakl Commercial Order", copy=False, readonly=True)
    mk_state = fields.Selection(
        list(states.ORDER_STATES),
        string="Mirakl State",
        copy=False,
        readonly=True,
        tracking=True,
    )
    mk_state_reason = fields.Char(string="Mirakl State Reason", copy=False, readonly=True)
    mk_last_updated = fields.Datetime(
        string="Mirakl Last Update",
        copy=False,
        readonly=True,
        help="last_updated_date of the payload this order was last mapped from.",
    )
    mk_version = fields.Char(
        string="Mirakl Version",
        copy=False,
        readonly=True,
        help="That last_updated_date exactly as Mirakl sent it (to the millisecond): two "
        "updates within one second are two versions.",
    )
    mk_payload = fields.Text(
        string="Mirakl Payload",
        copy=False,
        readonly=True,
        help="The raw OR11 order as last received, kept so the order can be re-mapped.",
    )
    mk_tax_mode = fields.Selection(
        [("TAX_INCLUDED", "Tax included"), ("TAX_EXCLUDED", "Tax excluded")],
        string="Mirakl Tax Mode",
        copy=False,
        readonly=True,
    )
    mk_channel_code = fields.Char(string="Mirakl Channel", copy=False, readonly=True)
    mk_channel_label = fields.Char(string="Mirakl Channel Label", copy=False, readonly=True)
    mk_shipping_zone = fields.Char(string="Mirakl Shipping Zone", copy=False, readonly=True)
    mk_shipping_type = fields.Char(string="Mirakl Shipping Type", copy=False, readonly=True)
    mk_payment_type = fields.Char(string="Mirakl Payment Type", copy=False, readonly=True)
    mk_payment_workflow = fields.Char(string="Mirakl Payment Workflow", copy=False, readonly=True)
    mk_paid = fields.Boolean(string="Paid on Mirakl", copy=False, readonly=True)
    mk_commission = fields.Monetary(string="Mirakl Commission", copy=False, readonly=True)
    mk_created_date = fields.Datetime(string="Mirakl Creation Date", copy=False, readonly=True)
    mk_acceptance_deadline = fields.Datetime(
        string="Acceptance Deadline",
        copy=False,
        readonly=True,
        help="When the operator refuses the order automatically if the shop has not decided.",
    )
    mk_acceptance_decision_date = fields.Datetime(
        string="Acceptance Decision Date",
        copy=False,
        readonly=True,
    )
    mk_shipping_deadline = fields.Datetime(string="Shipping Deadline", copy=False, readonly=True)
    mk_received_date = fields.Datetime(string="Received on Mirakl", copy=False, readonly=True)
    mk_closed_date = fields.Datetime(string="Closed on Mirakl", copy=False, readonly=True)
    mk_addresses_hidden = fields.Boolean(
        string="Addresses Hidden by Mirakl",
        copy=False,
        readonly=True,
        help="Mirakl hides the customer's addresses until the order is accepted; they are "
        "filled in by the next import that carries them.",
    )
    mk_total = fields.Monetary(string="Mirakl Total", copy=False, readonly=True)
    mk_total_difference = fields.Monetary(
        string="Total Difference",
        compute="_compute_mk_total_difference",
        store=True,
    )
    mk_total_mismatch = fields.Boolean(
        string="Total Mismatch",
        compute="_compute_mk_total_difference",
        store=True,
    )
    mk_acceptance_state = fields.Selection(
        [
            ("pending", "Pending"),
            ("accepted", "Accepted"),
            ("refused", "Refused"),
            ("partial", "Partially accepted"),
        ],
        string="Acceptance",
        copy=False,
        readonly=True,
        tracking=True,
    )
    mk_acceptance_date = fields.Datetime(string="Decided On", copy=False, readonly=True)
    mk_acceptance_log = fields.Text(
        string="Acceptance Decisions",
        copy=False,
        readonly=True,
        help="Which rule (or user) decided each line, and why.",
    )
    mk_deadline_alerted = fields.Boolean(copy=False, readonly=True)
    mk_financial_rule_id = fields.Many2one(
        "mk.financial.rule",
        string="Financial Rule",
        copy=False,
        readonly=True,
    )
    mk_import_error = fields.Text(string="Mirakl Import Problem", copy=False, readonly=True)

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    @api.depends("amount_total", "mk_total", "mk_order_id")
    def _compute_mk_total_difference(self):
        for order in self:
            if not order.mk_order_id:
                order.mk_total_difference = 0.0
                order.mk_total_mismatch = False
                continue
            difference = order.currency_id.round(order.amount_total - order.mk_total)
            order.mk_total_difference = difference
            # Mirakl's amounts are exact: even one cent apart is a difference to look at
            order.mk_total_mismatch = not order.currency_id.is_zero(difference)

    @api.depends("order_line.mk_fixed_tax", "order_line.price_tax", "order_line.price_total")
    def _compute_amounts(self):
        """Lines keeping Mirakl's tax amounts: the order's totals are the sums of its lines
        (Odoo would recompute the tax from the rates when rounding globally)."""
        super()._compute_amounts()
        for order in self:
            lines = order.order_line.filtered(lambda line: not line.display_type)
            if not any(lines.mapped("mk_fixed_tax")):
                continue
            order.amount_untaxed = sum(lines.mapped("price_subtotal"))
            order.amount_tax = sum(lines.mapped("price_tax"))
            order.amount_total = order.amount_untaxed + order.amount_tax

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_mk_reimport(self):
        """Read these orders from Mirakl again. The person must see them; the import itself
        runs as the connector, which must find every order of the shop (also those the
        person's rules hide) to update rather than duplicate. Re-importing may send OR21 (the
        shop's auto-accept rules), so it needs a valid licence."""
        orders = self._mk_orders()
        access.check_caller(orders)
        for instance in orders.mk_instance_id:
            instance._check_license()
        for order in orders:
            instance = access.as_connector(order.mk_instance_id, order.company_id)
            instance.env["mk.order.importer"]._import_order_ids(instance, [order.mk_order_id])
        return True

    def action_mk_accept_all(self):
        return self._mk_decide_all(True, _("accepted by %s", self.env.user.name))

    def action_mk_refuse_all(self):
        return self._mk_decide_all(False, _("refused by %s", self.env.user.name))

    def _mk_decide_all(self, accepted, why):
        orders = self._mk_orders()
        access.check_caller(orders, operation="write")
        for order in orders:
            order._mk_check_waiting_acceptance()
            order = order._mk_as_connector()
            order.env["mk.order.acceptance"]._decide(
                order, {line.mk_line_id: accepted for line in order._mk_lines()}, why
            )
        return True

    def action_mk_accept_lines(self):
        self.ensure_one()
        access.check_caller(self, operation="write")
        self._mk_check_waiting_acceptance()
        wizard = self.env["mk.order.acceptance.wizard"]._create_for_order(self)
        return {
            "type": "ir.actions.act_window",
            "name": _("Accept or refuse lines"),
            "res_model": wizard._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_mk_dry_run(self):
        self.ensure_one()
        access.check_caller(self, operation="write")
        order = self._mk_as_connector()
        results = order.env["mk.order.acceptance"]._evaluate(order)
        text = order.env["mk.order.acceptance"]._format_results(order, results)
        order.message_post(body=_("What the acceptance rules would do:\n%s", text))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Acceptance rules dry run"),
                "message": text,
                "sticky": True,
                "type": "info",
            },
        }

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    def _mk_as_connector(self):
        self.ensure_one()
        return access.as_connector(self, self.company_id)

    def _mk_orders(self):
        orders = self.filtered("mk_order_id")
        if not orders:
            raise UserError(_("These are not Mirakl orders."))
        return orders

    def _mk_lines(self):
        return self.order_line.filtered("mk_line_id")

    def _mk_check_waiting_acceptance(self):
        if self.mk_state != states.WAITING_ACCEPTANCE:
            raise UserError(
                _(
                    "Mirakl order %(order)s is %(state)s: only orders waiting for acceptance "
                    "can be accepted or refused.",
                    order=self.mk_order_id,
                    state=self.mk_state,
                )
            )

    def _mk_payload(self):
        return json.loads(self.mk_payload or "{}")
