from odoo import _, api, fields, models

from ..mirakl.orders import states


class MkOrderStateSync(models.AbstractModel):
    """Follow Mirakl's state on the Odoo order: acceptance, cancellation, the end of life."""

    _name = "mk.order.state.sync"
    _inherit = ["mk.order.import.listener"]
    _description = "Mirakl Order State Sync"
    _order_listener_sequence = 10  # the others act on the state it leaves

    @api.model
    def _on_order_imported(self, order, data, previous_state):
        self._sync_state(order, data, previous_state)

    @api.model
    def _sync_state(self, order, data, previous_state=None):
        state = data["state"]
        self._sync_acceptance(order, data)
        if state in states.ENDED_UNSOLD and order.state != "cancel":
            self._cancel_order(order, data)
        if state in states.END_OF_LIFE and state != previous_state:
            self._record_end_of_life(order, data)

    @api.model
    def _sync_acceptance(self, order, data):
        """Acceptance from Mirakl's line states: the truth even when the decision was made
        elsewhere (the back office, another tool, the operator's automatic refusal)."""
        if data["state"] in states.BEFORE_ACCEPTANCE:
            return
        line_states = [line["state"] for line in data["lines"]]
        refused = [s for s in line_states if s == states.REFUSED]
        if data["state"] == states.REFUSED or len(refused) == len(line_states):
            acceptance = "refused"
        elif refused:
            acceptance = "partial"
        elif data["state"] == states.CANCELED and order.mk_acceptance_state in (False, "pending"):
            # canceled before any decision: nothing was accepted
            acceptance = order.mk_acceptance_state
        else:
            acceptance = "accepted"
        if acceptance != order.mk_acceptance_state:
            order.write({
                "mk_acceptance_state": acceptance,
                "mk_acceptance_date": order.mk_acceptance_date or fields.Datetime.now(),
            })

    @api.model
    def _cancel_order(self, order, data):
        codes = sorted({
            record.get("reason_code") for line in data["lines"] for record in line["cancelations"]
            if record.get("reason_code")
        })
        reason = data["state_reason"] or ", ".join(codes) or _("no reason given")
        pickings = order.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        order._action_cancel()
        pickings.filtered(lambda p: p.state != "cancel").action_cancel()
        order.message_post(body=_(
            "Mirakl order %(order)s is %(state)s (%(reason)s): the order and its open transfers "
            "are cancelled.", order=data["order_id"], state=data["state"], reason=reason,
        ))

    @api.model
    def _record_end_of_life(self, order, data):
        field = "mk_received_date" if data["state"] == states.RECEIVED else "mk_closed_date"
        if not order[field]:
            order[field] = fields.Datetime.now()
        order.message_post(body=_(
            "Mirakl reports order %(order)s %(state)s.", order=data["order_id"],
            state=data["state"].lower(),
        ))
