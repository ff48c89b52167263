import time
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.ecosire_license_client.tests.common import license_clock

from .common import OrderCase


@tagged("post_install", "-at_install", "mirakl_connector")
class TestOrderAcceptance(OrderCase):

    def _waiting(self, *lines, **extra):
        sim_order = self.create_sim_order(
            list(lines) or [self.sim_line("SKU-1", 2, 10.0), self.sim_line("SKU-2", 1, 7.5)],
            **extra,
        )
        return sim_order, self.import_ids(sim_order["order_id"])

    # ------------------------------------------------------------------
    # MANUAL DECISIONS
    # ------------------------------------------------------------------

    def test_a_lapsed_licence_refuses_a_decision_and_sends_nothing(self):
        sim_order, order = self._waiting()
        self.sim.clear_request_log()
        twenty_years_on = time.time() + 20 * 365 * 86400
        with license_clock(self.env, twenty_years_on), self.assertRaises(UserError):
            order.action_mk_accept_all()
        self.assertNotIn("OR21", [entry["operation"] for entry in self.sim.request_log()])
        self.assertEqual(self.sim.get_order(sim_order["order_id"])["order_state"],
                         "WAITING_ACCEPTANCE")

    def test_accept_all(self):
        sim_order, order = self._waiting()
        order.action_mk_accept_all()
        self.assertEqual(self.sim.get_order(sim_order["order_id"])["order_state"],
                         "WAITING_DEBIT_PAYMENT")
        self.assertEqual(order.mk_acceptance_state, "accepted")
        self.assertTrue(order.mk_acceptance_date)
        self.assertEqual(order.mk_state, "WAITING_DEBIT_PAYMENT")  # read back at once
        self.assertFalse(order.mk_addresses_hidden)
        self.assertIn("accepted by", order.mk_acceptance_log)
        # the financial rule of the shop confirms the accepted order
        self.env["mk.job"]._run_pending()
        self.assertEqual(order.state, "sale")
        with self.assertRaises(UserError):
            order.action_mk_accept_all()  # no longer waiting

    def test_refuse_all_cancels_the_order(self):
        sim_order, order = self._waiting()
        order.action_mk_refuse_all()
        self.assertEqual(self.sim.get_order(sim_order["order_id"])["order_state"], "REFUSED")
        self.assertEqual(order.mk_acceptance_state, "refused")
        self.assertEqual(order.state, "cancel")

    def test_partial_refusal_with_the_line_wizard(self):
        sim_order, order = self._waiting()
        refused_line = order.order_line.filtered(lambda line: line.mk_offer_sku == "SKU-2")
        action = order.action_mk_accept_lines()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertTrue(wizard.reason_ids, "refusal reasons come from RE01")
        for line in wizard.line_ids:
            line.accept = line.sale_line_id != refused_line
        with self.assertRaises(UserError):
            wizard.action_confirm()  # a refused line needs a reason
        wizard.line_ids.filtered(lambda line: not line.accept).reason_id = wizard.reason_ids[0]
        wizard.action_confirm()
        sim_state = self.sim.get_order(sim_order["order_id"])
        states = {line["offer_sku"]: line["order_line_state"] for line in sim_state["order_lines"]}
        self.assertEqual(states, {"SKU-1": "WAITING_DEBIT_PAYMENT", "SKU-2": "REFUSED"})
        self.assertEqual(order.mk_acceptance_state, "partial")
        self.assertEqual(refused_line.product_uom_qty, 0)
        self.assertEqual(refused_line.mk_line_state, "REFUSED")
        self.assertIn(wizard.reason_ids[0].label, order.mk_acceptance_log)
        self.assertTotalsMatch(order)

    # ------------------------------------------------------------------
    # RULES
    # ------------------------------------------------------------------

    def _rules(self, *values):
        return self.env["mk.acceptance.rule"].create([
            dict(v, instance_id=self.instance.id, sequence=i) for i, v in enumerate(values)
        ])

    def test_auto_rules_decide_and_explain(self):
        blocked = self._rules(
            {"name": "Blocked", "rule_type": "blocked_sku", "blocked_skus": "SKU-2",
             "on_fail": "refuse"},
            {"name": "Drift", "rule_type": "price_drift", "max_drift": 5.0},
            {"name": "Stock", "rule_type": "stock", "on_fail": "refuse"},
        )[0]
        self.instance.order_auto_accept = True
        sim_order, order = self._waiting(
            self.sim_line("SKU-1", 2, 20.0), self.sim_line("SKU-2", 1, 7.5),
        )
        lines = {line.mk_offer_sku: line for line in order._mk_lines()}
        self.assertEqual(lines["SKU-2"].mk_decision, "refuse")
        self.assertEqual(lines["SKU-2"].mk_decision_rule_id, blocked)
        self.assertIn("SKU SKU-2 is blocked", lines["SKU-2"].mk_decision_reason)
        self.assertEqual(lines["SKU-1"].mk_decision, "accept")
        self.assertIn("10 available for 2 ordered", lines["SKU-1"].mk_decision_reason)
        self.assertEqual(order.mk_acceptance_state, "partial")
        sim_lines = self.sim.get_order(sim_order["order_id"])["order_lines"]
        self.assertEqual([line["order_line_state"] for line in sim_lines],
                         ["WAITING_DEBIT_PAYMENT", "REFUSED"])
        self.assertIn("Blocked", order.mk_acceptance_log)

    def test_rules_leave_undecidable_orders_to_the_operator(self):
        self._rules(
            {"name": "Max 3", "rule_type": "max_quantity", "max_quantity": 3},
            {"name": "Drift", "rule_type": "price_drift", "max_drift": 5.0},
        )
        self.instance.order_auto_accept = True
        __, order = self._waiting(self.sim_line("SKU-1", 5, 20.0), self.sim_line("SKU-3", 1, 9.0))
        self.assertFalse(self.sim.request_log("OR21"), "nothing may be sent to Mirakl")
        self.assertEqual(order.mk_acceptance_state, "pending")
        lines = {line.mk_offer_sku: line for line in order._mk_lines()}
        self.assertEqual(lines["SKU-1"].mk_decision, "manual")
        self.assertIn("quantity 5 above the maximum 3", lines["SKU-1"].mk_decision_reason)
        self.assertIn("drift 25", lines["SKU-3"].mk_decision_reason)

    def test_dry_run_sends_nothing(self):
        self._rules({"name": "Stock", "rule_type": "stock", "on_fail": "refuse"})
        __, order = self._waiting(self.sim_line("SKU-1", 50, 20.0))
        action = order.action_mk_dry_run()
        self.assertIn("only 10 available for 50 ordered", action["params"]["message"])
        self.assertFalse(self.sim.request_log("OR21"))
        self.assertEqual(order.mk_acceptance_state, "pending")

    def test_country_rule_waits_for_hidden_addresses(self):
        self._rules({"name": "EU only", "rule_type": "country", "on_fail": "refuse",
                     "country_ids": [(6, 0, self.env.ref("base.fr").ids)]})
        __, order = self._waiting(self.sim_line())
        result = self.env["mk.order.acceptance"]._evaluate(order)
        self.assertEqual(result[0]["decision"], "manual")
        self.assertIn("not known yet", result[0]["reason"])

    # ------------------------------------------------------------------
    # DEADLINE GUARD
    # ------------------------------------------------------------------

    def test_deadline_alert_then_fallback(self):
        __, order = self._waiting(self.sim_line("SKU-1", 2, 20.0), self.sim_line("SKU-3", 40, 9.0))
        self.assertTrue(order.mk_acceptance_deadline)
        log = self.env["mk.sync.log"]._start(self.instance, "acceptance")
        guard = self.env["mk.order.acceptance"]
        self.instance.order_alert_hours = 0
        guard._flow_deadline_guard(self.instance, log)
        self.assertFalse(order.activity_ids, "far from the deadline: no alert yet")
        # the deadline comes closer than the alert delay: one activity, once
        order.mk_acceptance_deadline = fields.Datetime.now() + timedelta(hours=5)
        self.instance.order_alert_hours = 12
        guard._flow_deadline_guard(self.instance, log)
        guard._flow_deadline_guard(self.instance, log)
        self.assertEqual(len(order.activity_ids), 1)
        self.assertFalse(self.sim.request_log("OR21"))
        # with the fallback on, shortly before the deadline: accept what the stock covers
        self.instance.write({"order_deadline_fallback": True, "order_fallback_hours": 6})
        guard._flow_deadline_guard(self.instance, log)
        decided = {line.mk_offer_sku: line for line in order._mk_lines()}
        self.assertEqual(decided["SKU-1"].mk_decision, "accept")
        self.assertEqual(decided["SKU-3"].mk_decision, "refuse")
        self.assertEqual(decided["SKU-3"].mk_decision_reason, "only 10 available for 40 ordered")
        self.assertEqual(order.mk_acceptance_state, "partial")
        self.assertEqual(len(self.sim.request_log("OR21")), 1)
