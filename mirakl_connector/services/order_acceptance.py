import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..mirakl import errors
from ..mirakl.orders import acceptance as rules_engine
from ..mirakl.orders import states

_logger = logging.getLogger(__name__)


class MkOrderAcceptance(models.AbstractModel):
    """OR21 decisions: manual, by rules, and the deadline guard."""

    _name = "mk.order.acceptance"
    _inherit = ["mk.order.import.listener"]
    _description = "Mirakl Order Acceptance"
    _order_listener_sequence = 20

    @api.model
    def _on_order_imported(self, order, data, previous_state):
        """A new order waiting for acceptance goes through the rules when the shop wants it."""
        if (
            data["state"] == states.WAITING_ACCEPTANCE
            and order.mk_acceptance_state == "pending"
            and order.mk_instance_id.order_auto_accept
        ):
            self._auto_decide(order)

    # ------------------------------------------------------------------
    # RULES
    # ------------------------------------------------------------------

    @api.model
    def _evaluate(self, order):
        """What the instance's rules decide for each line (nothing is sent)."""
        rules = order.mk_instance_id.acceptance_rule_ids.filtered("active").sorted("sequence")
        return rules_engine.evaluate([rule._to_dict() for rule in rules], self._line_facts(order))

    @api.model
    def _line_facts(self, order, warehouse=None):
        instance = order.mk_instance_id
        rules = instance.acceptance_rule_ids.filtered(lambda r: r.active and r.rule_type == "stock")
        warehouse = warehouse or rules[:1].warehouse_id or instance.warehouse_id \
            or order.warehouse_id
        lines = order._mk_lines()
        products = lines.mapped("product_id").with_context(
            warehouse=warehouse.id, warehouse_id=warehouse.id,
        )
        free = {product.id: product.free_qty for product in products}
        available = rules_engine.allocate_stock(
            [(line.product_id.id, line.mk_ordered_qty) for line in lines], free,
        )
        country = "" if order.mk_addresses_hidden else (
            order.partner_shipping_id.country_id.code or ""
        )
        facts = []
        for line, free_qty in zip(lines, available, strict=True):
            quantity = int(line.mk_ordered_qty) or 1
            facts.append({
                "line_id": line.mk_line_id,
                "skus": [s for s in (line.mk_offer_sku, line.product_id.default_code) if s],
                "quantity": quantity,
                "unit_price": line.currency_id.round(line.mk_price / quantity),
                "odoo_price": self._odoo_price(order, line, quantity),
                "available": free_qty,
                "country": country,
            })
        return facts

    @api.model
    def _odoo_price(self, order, line, quantity):
        pricelist = order.pricelist_id
        if pricelist:
            return pricelist._get_product_price(line.product_id, quantity)
        return line.product_id.lst_price

    @api.model
    def _auto_decide(self, order):
        """Apply the rules to a new order; send OR21 only when every line is decided."""
        if order.mk_import_error:  # e.g. a line on the unknown-product placeholder
            order.message_post(body=_("Not decided automatically: %s", order.mk_import_error))
            return False
        results = self._evaluate(order)
        self._record_results(order, results)
        decisions = rules_engine.order_decision(results)
        if decisions is None:
            order.message_post(body=_(
                "Auto-acceptance left this order to the operator:\n%s",
                self._format_results(order, results),
            ))
            return False
        return self._send(order, {d["id"]: d["accepted"] for d in decisions},
                          _("decided by the acceptance rules"), results)

    @api.model
    def _record_results(self, order, results):
        by_line = {line.mk_line_id: line for line in order._mk_lines()}
        for result in results:
            by_line[result["line_id"]].write({
                "mk_decision": result["decision"],
                "mk_decision_rule_id": result["rule_id"] or False,
                "mk_decision_reason": (result["reason"] or "")[:250],
            })

    @api.model
    def _format_results(self, order, results):
        skus = {line.mk_line_id: line.mk_offer_sku for line in order._mk_lines()}
        return "\n".join(
            "%s (%s): %s%s — %s" % (
                skus.get(r["line_id"], r["line_id"]), r["line_id"], r["decision"],
                " [%s]" % r["rule"] if r["rule"] else "", r["reason"],
            )
            for r in results
        )

    # ------------------------------------------------------------------
    # OR21
    # ------------------------------------------------------------------

    @api.model
    def _decide(self, order, decisions, why):
        """Operator decision ``{mirakl_line_id: accepted}`` for every line (buttons, wizard)."""
        order._mk_check_waiting_acceptance()
        missing = [line.mk_line_id for line in order._mk_lines()
                   if line.mk_line_id not in decisions]
        if missing:
            raise UserError(_("Decide every line of the order; missing: %s", ", ".join(missing)))
        results = [
            {"line_id": line_id, "decision": "accept" if accepted else "refuse",
             "rule_id": False, "rule": "", "reason": why}
            for line_id, accepted in decisions.items()
        ]
        self._record_results(order, results)
        try:
            return self._send(order, decisions, why, results, raise_errors=True)
        except errors.MiraklError as error:
            raise UserError(order.mk_instance_id._describe_error(error)) from None

    @api.model
    def _send(self, order, decisions, why, results, raise_errors=False):
        """Send OR21, then read the order back: Mirakl has no idempotency key, so the read
        tells what happened, also when the decision had already been made elsewhere."""
        instance = order.mk_instance_id
        # OR21 writes to Mirakl: never with a lapsed licence, whoever asks. A person is told
        # why; the rules and the deadline fallback leave the order waiting for a decision.
        if not instance._check_license(raise_if_invalid=raise_errors):
            return False
        client = instance._get_client()
        lines = [{"id": line_id, "accepted": accepted} for line_id, accepted in decisions.items()]
        try:
            client.accept_order_lines(order.mk_order_id, lines)
        except errors.MiraklValidationError as error:
            if not self._already_decided(order, error):
                if raise_errors:
                    raise
                order.message_post(body=_(
                    "Mirakl refused the acceptance decision: %s", instance._describe_error(error),
                ))
                return False
        accepted = sum(1 for value in decisions.values() if value)
        state = "accepted" if accepted == len(decisions) else ("refused" if not accepted
                                                                  else "partial")
        order.write({
            "mk_acceptance_state": state,
            "mk_acceptance_date": fields.Datetime.now(),
            "mk_acceptance_log": "\n".join(filter(None, [
                order.mk_acceptance_log,
                "%s — %s:\n%s" % (fields.Datetime.now(), why, self._format_results(order, results)),
            ])),
        })
        order.message_post(body=_(
            "Mirakl acceptance sent (%(state)s), %(why)s:\n%(details)s",
            state=state, why=why, details=self._format_results(order, results),
        ))
        self.env["mk.order.importer"]._import_order_ids(instance, [order.mk_order_id])
        return True

    @api.model
    def _already_decided(self, order, error):
        """After an OR21 rejection: is the order simply no longer waiting (decided before)?"""
        try:
            current = next(iter(order.mk_instance_id._get_client().iter_orders(
                order_ids=[order.mk_order_id])), None)
        except errors.MiraklError:
            return False
        return bool(current) and current.get("order_state") != states.WAITING_ACCEPTANCE

    # ------------------------------------------------------------------
    # DEADLINE GUARD (FLOW "acceptance")
    # ------------------------------------------------------------------

    @api.model
    def _flow_deadline_guard(self, instance, log):
        """Remind the operator before the deadline; optionally decide by stock just before it."""
        now = fields.Datetime.now()
        waiting = self.env["sale.order"].search([
            ("mk_instance_id", "=", instance.id), ("mk_state", "=", states.WAITING_ACCEPTANCE),
            ("mk_acceptance_state", "=", "pending"), ("mk_acceptance_deadline", "!=", False),
        ])
        alert_limit = now + timedelta(hours=instance.order_alert_hours)
        fallback_limit = now + timedelta(hours=instance.order_fallback_hours)
        importer = self.env["mk.order.importer"]
        # orders whose import failed exist only as jobs: nothing else would tell anyone
        for payload in importer._failed_waiting_payloads(instance):
            if log:
                log._add(fetched=1)
            if importer._alert_failed_waiting(instance, payload) and log:
                log._add(updated=1)
        for order in waiting:
            if log:
                log._add(fetched=1)
            if instance.order_deadline_fallback and order.mk_acceptance_deadline <= fallback_limit:
                self._apply_fallback(order)
                if log:
                    log._add(updated=1)
            elif not order.mk_deadline_alerted and order.mk_acceptance_deadline <= alert_limit:
                self._alert(order)
                if log:
                    log._add(updated=1)

    @api.model
    def _alert(self, order):
        order.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=fields.Date.to_date(order.mk_acceptance_deadline),
            summary=_("Accept or refuse Mirakl order %s", order.mk_order_id),
            note=_(
                "Mirakl refuses this order automatically at %s (UTC) if the shop has not decided.",
                order.mk_acceptance_deadline,
            ),
            user_id=order.user_id.id or self.env.uid,
        )
        order.mk_deadline_alerted = True

    @api.model
    def _apply_fallback(self, order):
        if order.mk_import_error:  # never accept an order the import could not map fully
            return False
        results = rules_engine.fallback(self._line_facts(order))
        self._record_results(order, results)
        decisions = {r["line_id"]: r["decision"] == rules_engine.ACCEPT for r in results}
        return self._send(order, decisions, _("deadline fallback: accept what the stock covers"),
                          results)
