from datetime import timedelta

from odoo import fields
from odoo.tests import new_test_user, tagged

from .common import OrderCase


@tagged("post_install", "-at_install", "mirakl_connector")
class TestOrderPolling(OrderCase):
    """What the poll queues, and what happens to an order whose import failed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.responsible = new_test_user(
            cls.env, login="mk_poll_responsible", name="Shop responsible",
            groups="sales_team.group_sale_salesman,mirakl_connector.group_mirakl_user",
        )
        cls.mirakl_user = new_test_user(
            cls.env, login="mk_poll_user", name="Mirakl operator",
            groups="base.group_user,mirakl_connector.group_mirakl_user",
        )

    def _poll(self):
        since = fields.Datetime.now() - timedelta(days=1)
        self.importer._enqueue_orders(self.instance, start_update_date=since)
        return self.env["mk.job"]._run_pending(instances=self.instance)

    def _jobs(self, sim_order, state=None):
        domain = [("job_type", "=", "order_import"),
                  ("identity_key", "like", "order:%s:%s:" % (self.instance.id,
                                                             sim_order["order_id"]))]
        if state:
            domain.append(("state", "=", state))
        return self.env["mk.job"].search(domain)

    def _order(self, sim_order):
        return self.env["sale.order"].search([("mk_order_id", "=", sim_order["order_id"])])

    def _failing_waiting_order(self):
        """A waiting order whose tax code is mapped to nothing, tax creation being off: its
        import fails for good until someone maps the tax."""
        self.instance.write({"order_create_taxes": False, "user_id": self.responsible.id})
        return self.create_sim_order(
            [self.sim_line("SKU-1", 1, 10.0, taxes=[{"code": "UNMAPPED-VAT", "rate": 20}])],
        )

    # -- versions (issue 8.11, 10.7) ------------------------------------------------------

    def test_two_updates_within_one_second_are_two_versions(self):
        sim_order = self.create_sim_order([self.sim_line()], state="SHIPPING")
        self._poll()
        order = self._order(sim_order)
        self.assertEqual(order.mk_state, "SHIPPING")
        self.sim.move_clock(seconds=0.25)  # the next update falls in the same second
        shipped = self.sim.advance(sim_order["order_id"], "ship")
        self.assertEqual(shipped["last_updated_date"][:19], sim_order["last_updated_date"][:19])
        self._poll()
        self.assertEqual(order.mk_state, "SHIPPED", "the second update is a new version")
        self.assertEqual(order.mk_version, shipped["last_updated_date"])
        self._poll()
        self.assertEqual(len(self._jobs(sim_order)), 2, "one job per version, no more")

    def test_poll_looks_up_only_the_orders_it_read(self):
        first = self.create_sim_order([self.sim_line()], state="SHIPPING")
        second = self.create_sim_order([self.sim_line()], state="SHIPPING")
        self._poll()
        known = self.importer._known_versions(self.instance, [first["order_id"]])
        self.assertEqual(list(known), [first["order_id"]])
        self.assertEqual(known[first["order_id"]], first["last_updated_date"])
        self.assertTrue(self._order(second))

    # -- failed imports (issue 8.8) -------------------------------------------------------

    def test_a_failed_version_is_queued_once(self):
        sim_order = self._failing_waiting_order()
        for _poll in range(3):
            self._poll()
        self.assertEqual(len(self._jobs(sim_order, "failed")), 1)
        self.assertFalse(self._jobs(sim_order) - self._jobs(sim_order, "failed"))

    def test_retry_reads_the_order_from_mirakl_again(self):
        sim_order = self._failing_waiting_order()
        self._poll()
        job = self._jobs(sim_order, "failed")
        self.assertEqual(job.payload["order"]["order_state"], "WAITING_ACCEPTANCE")
        # meanwhile the shop accepted it in Mirakl's back office and the tax got mapped
        self.sim.advance(sim_order["order_id"], "accept")
        self.instance.order_create_taxes = True
        job.with_user(self.mirakl_user).action_retry()
        self.assertEqual(job.payload["order"]["order_state"], "WAITING_DEBIT_PAYMENT")
        self.env["mk.job"]._run_pending(instances=self.instance)
        self.assertEqual(job.state, "done", job.error)
        self.assertEqual(self._order(sim_order).mk_state, "WAITING_DEBIT_PAYMENT")

    def _alerts(self, sim_order):
        return self.instance.activity_ids.filtered(
            lambda activity: sim_order["order_id"] in (activity.summary or "")
        )

    def test_failed_waiting_order_alerts_the_shop_responsible(self):
        sim_order = self._failing_waiting_order()
        self._poll()
        alert = self._alerts(sim_order)
        self.assertEqual(len(alert), 1)
        self.assertEqual(alert.user_id, self.responsible)
        deadline = fields.Datetime.to_datetime(
            sim_order["acceptance_decision_date"][:19].replace("T", " ")
        )
        self.assertEqual(alert.date_deadline, deadline.date())
        self.assertIn("UNMAPPED-VAT", alert.note)
        self._poll()  # the same failed version does not alert twice
        self.assertEqual(len(self._alerts(sim_order)), 1)

    def test_deadline_guard_sees_orders_that_exist_only_as_failed_jobs(self):
        sim_order = self._failing_waiting_order()
        self._poll()
        self._alerts(sim_order).unlink()  # e.g. marked done by someone who did not act
        log = self.env["mk.sync.log"]._start(self.instance, "acceptance")
        self.env["mk.order.acceptance"]._flow_deadline_guard(self.instance, log)
        self.assertEqual(len(self._alerts(sim_order)), 1)
        self.assertEqual((log.fetched_count, log.updated_count), (1, 1))

    # -- the wizard (issue 8.12) ----------------------------------------------------------

    def test_wizard_reads_updated_orders_as_the_poller_does(self):
        sim_order = self.create_sim_order([self.sim_line()], state="SHIPPING")
        self.sim.clear_request_log()
        wizard = self.env["mk.order.import.wizard"].with_user(self.mirakl_user).create({
            "instance_id": self.instance.id, "mode": "updated",
            "date_from": fields.Datetime.now() - timedelta(days=1),
        })
        wizard.action_import()
        queries = [str(entry["query"]) for entry in self.sim.request_log("OR11")]
        self.assertTrue(queries)
        self.assertFalse([q for q in queries if "end_update_date" in q],
                         "an end bound lets an order changing mid-paging push another out")
        self.assertTrue(self._jobs(sim_order))

    # -- the deep re-scan (issue 8.10) ----------------------------------------------------

    def test_a_failing_deep_scan_window_stops_neither_the_others_nor_the_poll(self):
        self.instance.order_last_deep_scan = False
        log = self.env["mk.sync.log"]._start(self.instance, "orders")
        self.importer._flow_poll_orders(self.instance, log)
        self.assertTrue(self.instance.order_last_deep_scan, "the daily deep scan is queued")
        Job = self.env["mk.job"]
        windows = Job.search([("instance_id", "=", self.instance.id),
                              ("job_type", "=", "order_deep_scan")])
        self.assertEqual(len(windows), self.instance.order_deep_scan_days + 1)
        # one window fails for good (Mirakl refuses the key at that moment)
        api_key = self.instance.api_key
        self.instance.api_key = "revoked"
        Job._run_pending(limit=1, instances=self.instance)
        self.instance.api_key = api_key
        self.assertEqual(len(windows.filtered(lambda job: job.state == "failed")), 1)
        # the other windows still read their days, and find the order updated since
        sim_order = self.create_sim_order([self.sim_line()], state="SHIPPING")
        Job._run_pending(instances=self.instance)
        self.assertEqual(len(windows.filtered(lambda job: job.state == "done")),
                         self.instance.order_deep_scan_days)
        self.assertTrue(self._order(sim_order))
        # and the next poll is an ordinary one: it does not repeat the deep scan
        later = self.create_sim_order([self.sim_line()], state="SHIPPING")
        self.importer._flow_poll_orders(self.instance, log)
        Job._run_pending(instances=self.instance)
        self.assertTrue(self._order(later))
        self.assertEqual(len(Job.search([("instance_id", "=", self.instance.id),
                                         ("job_type", "=", "order_deep_scan")])), len(windows))
