"""Order buttons as a Mirakl User who is a salesman seeing only his own orders: the check
runs as him, the import and the decision as the connector; nothing reaches Mirakl without a
licence; a done import job keeps no customer data."""

import json
import time

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.ecosire_license_client.tests.common import license_clock

from .common import OrderCase

LAPSED = 20 * 365 * 86400  # seconds on the licence clock: long after any grace


@tagged("post_install", "-at_install", "mirakl_connector")
class TestSecurityButtons(OrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # group_mirakl_user implies sales_team.group_sale_salesman: own documents only
        cls.salesman = new_test_user(
            cls.env, login="mk_salesman", name="Sam Salesman",
            groups="base.group_user,mirakl_connector.group_mirakl_user",
            company_id=cls.company.id, company_ids=[(6, 0, cls.company.ids)],
        )
        cls.other = new_test_user(
            cls.env, login="mk_other_salesman",
            groups="base.group_user,sales_team.group_sale_salesman",
            company_id=cls.company.id, company_ids=[(6, 0, cls.company.ids)],
        )

    def _imported(self, owner, state="WAITING_ACCEPTANCE"):
        sim_order = self.create_sim_order([self.sim_line("SKU-1", 1, 20.0)], state=state)
        order = self.import_ids(sim_order["order_id"])
        order.user_id = owner
        self.sim.clear_request_log()
        return sim_order, order

    def _operations(self):
        return [entry["operation"] for entry in self.sim.request_log()]

    # the salesman and another salesperson's order --------------------------------------

    def test_salesman_updates_another_salespersons_order_through_the_wizard(self):
        sim_order, order = self._imported(self.other)
        self.assertFalse(
            self.env["sale.order"].with_user(self.salesman).search([("id", "=", order.id)]),
            "the own-documents rule hides the order from him",
        )
        self.sim.advance(sim_order["order_id"], "accept")
        wizard = self.env["mk.order.import.wizard"].with_user(self.salesman).create(
            {"instance_id": self.instance.id, "mode": "ids", "order_ids": sim_order["order_id"]}
        )
        with self.assertNoLogs("odoo", level="ERROR"):
            wizard.action_import()
        self.assertNotIn("another transaction", wizard.result)
        self.assertIn("1 order(s) imported: %s" % order.name, wizard.result)
        self.assertEqual(order.mk_state, "WAITING_DEBIT_PAYMENT", "the order followed Mirakl")
        self.assertEqual(
            self.env["sale.order"].search_count([("mk_order_id", "=", sim_order["order_id"])]), 1
        )
        self.assertEqual(order.user_id, self.other, "the order stays his colleague's")

    def test_salesman_cannot_decide_or_reimport_an_order_he_cannot_see(self):
        sim_order, order = self._imported(self.other)
        as_salesman = order.with_user(self.salesman)
        for button in ("action_mk_reimport", "action_mk_accept_all", "action_mk_refuse_all",
                       "action_mk_accept_lines", "action_mk_dry_run"):
            with self.subTest(button=button), self.assertRaises(AccessError):
                getattr(as_salesman, button)()
        self.assertFalse(self.sim.request_log(), "nothing was read from or sent to Mirakl")
        self.assertEqual(self.sim.get_order(sim_order["order_id"])["order_state"],
                         "WAITING_ACCEPTANCE")

    def test_salesman_accepts_and_reimports_his_own_order(self):
        sim_order, order = self._imported(self.salesman)
        as_salesman = order.with_user(self.salesman)
        with self.assertNoLogs("odoo", level="ERROR"):
            as_salesman.action_mk_accept_all()
            as_salesman.action_mk_reimport()
        self.assertEqual(self.sim.get_order(sim_order["order_id"])["order_state"],
                         "WAITING_DEBIT_PAYMENT")
        self.assertEqual((order.mk_acceptance_state, order.mk_state),
                         ("accepted", "WAITING_DEBIT_PAYMENT"))
        self.assertIn("accepted by Sam Salesman", order.mk_acceptance_log)
        sent = order.message_ids.filtered(lambda m: "Mirakl acceptance sent" in (m.body or ""))
        self.assertEqual(sent.author_id, self.salesman.partner_id,
                         "the connector does the work, the message is still his")
        self.assertEqual(self._operations().count("OR21"), 1)

    def test_line_wizard_decision_checks_the_order(self):
        __, order = self._imported(self.salesman)
        action = order.with_user(self.salesman).action_mk_accept_lines()
        wizard = self.env[action["res_model"]].with_user(self.salesman).browse(action["res_id"])
        order.user_id = self.other  # reassigned while the wizard is open
        with self.assertRaises(AccessError):
            wizard.action_confirm()
        self.assertNotIn("OR21", self._operations())

    # licence --------------------------------------------------------------------------

    def _auto_accept_everything(self):
        self.env["mk.acceptance.rule"].create(
            {"name": "Stock", "rule_type": "stock", "instance_id": self.instance.id}
        )
        self.instance.order_auto_accept = True

    def test_reimport_needs_a_licence(self):
        sim_order, order = self._imported(self.salesman)
        self._auto_accept_everything()  # a re-import would now send OR21
        with license_clock(self.env, time.time() + LAPSED), self.assertRaises(UserError):
            order.with_user(self.salesman).action_mk_reimport()
        self.assertFalse(self.sim.request_log(), "nothing was read from or sent to Mirakl")
        self.assertEqual(order.mk_acceptance_state, "pending")
        self.assertEqual(self.sim.get_order(sim_order["order_id"])["order_state"],
                         "WAITING_ACCEPTANCE")

    def test_import_wizard_needs_a_licence(self):
        sim_order = self.create_sim_order([self.sim_line("SKU-1", 1, 20.0)])
        self.sim.clear_request_log()
        wizard = self.env["mk.order.import.wizard"].with_user(self.salesman).create(
            {"instance_id": self.instance.id, "mode": "ids", "order_ids": sim_order["order_id"]}
        )
        with license_clock(self.env, time.time() + LAPSED), self.assertRaises(UserError):
            wizard.action_import()
        self.assertFalse(self.sim.request_log())

    def test_rules_send_nothing_with_a_lapsed_licence(self):
        # reached from code (a job of the queue, a listener): the rules decide, OR21 waits
        self._auto_accept_everything()
        sim_order = self.create_sim_order([self.sim_line("SKU-1", 1, 20.0)])
        with license_clock(self.env, time.time() + LAPSED), \
                self.assertLogs("odoo.addons.ecosire_license_client", level="WARNING"):
            order = self.import_ids(sim_order["order_id"])
        self.assertNotIn("OR21", self._operations())
        self.assertEqual(order.mk_acceptance_state, "pending")
        self.assertEqual(self.sim.get_order(sim_order["order_id"])["order_state"],
                         "WAITING_ACCEPTANCE")

    # personal data in the queue -------------------------------------------------------

    def test_a_done_import_job_keeps_no_customer_data(self):
        sim_order = self.create_sim_order([self.sim_line("SKU-1", 1, 20.0)], state="SHIPPING")
        self.assertTrue(sim_order["customer"]["lastname"])
        self.importer._enqueue_orders(self.instance)
        job = self.env["mk.job"].search([("job_type", "=", "order_import")])
        self.assertIn(sim_order["customer"]["lastname"], json.dumps(job.payload))
        self.env["mk.job"]._run_pending()
        self.assertEqual(job.state, "done")
        order = self.env["sale.order"].search([("mk_order_id", "=", sim_order["order_id"])])
        self.assertTrue(order)
        self.assertEqual(job.payload, {"order": {
            "order_id": sim_order["order_id"], "order_state": "SHIPPING",
            "last_updated_date": sim_order["last_updated_date"],
        }})
        self.assertEqual(job.response["order"], order.name)
        self.assertEqual((job.res_model, job.res_id), ("sale.order", order.id))
