import threading
import time
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from ..call_budget_store import MAX_WAIT_IN_TRANSACTION
from ..mirakl import errors
from .common import MiraklCase


def _in_threads(count, function):
    """Run ``function(index)`` in ``count`` threads started together; their results in order.
    Each governor call opens its own cursor, so each thread works in its own transactions."""
    results = [None] * count
    start = threading.Barrier(count)

    def run(index):
        start.wait()
        results[index] = function(index)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@tagged("post_install", "-at_install", "mirakl_connector")
class TestCallBudget(MiraklCase):
    """Every client of a shop, in every process, spends one call budget kept in the database,
    seeded from Mirakl's maximums."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shop = cls._make_instance("Budgeted shop", call_limit_overrides=False)

    def _budget_row(self, operation):
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT call_times, paused_until, EXTRACT(EPOCH FROM clock_timestamp())::float"
                " FROM mk_call_budget WHERE instance_id = %s AND operation = %s",
                (self.shop.id, operation),
            )
            return cr.fetchone()

    def test_clients_of_a_shop_share_mirakl_maximums(self):
        # A01 is allowed once a day: the second flow client must not spend it again
        self.shop._get_client().get_account()
        with self.assertRaises(errors.MiraklRateLimitError):
            self.shop._get_client().get_account()
        self.assertEqual(len(self.sim.request_log()), 1)
        # a person's Test Connection is not held back by the flows' budget
        self.shop.action_test_connection()
        self.assertEqual(self.shop.account_shop_id, str(self.sim.shop_id))

    def test_overrides_relax_and_are_validated(self):
        self.shop.call_limit_overrides = "A01 = off"
        for _attempt in range(2):
            self.shop._get_client().get_account()
        with self.assertRaisesRegex(ValidationError, "line 2 'OR11 ten'"):
            self.shop.call_limit_overrides = "A01 = off\nOR11 ten"

    def test_the_budget_is_committed_at_once_and_outlives_the_job_transaction(self):
        with self.env.cr.savepoint(flush=False) as savepoint:
            self.shop._get_client().get_account()
            savepoint.rollback()
        call_times, _paused, _now = self._budget_row("A01")
        self.assertEqual(len(call_times.split()), 1, "Mirakl saw the call: it stays counted")
        with self.assertRaises(errors.MiraklRateLimitError):
            self.shop._get_client().get_account()

    def test_concurrent_transactions_never_exceed_the_limit_together(self):
        self.shop.call_limit_overrides = "OR11 = 3/3600"
        # one governor per worker, as each process builds its own
        governors = [self.shop._get_call_governor() for _worker in range(4)]
        granted = _in_threads(4, lambda index: sum(
            1 for _attempt in range(10) if governors[index].reserve("OR11") == 0))
        self.assertEqual(sum(granted), 3, "the four workers together got %s calls" % granted)
        wait = self.shop._get_call_governor().reserve("OR11")
        self.assertGreater(wait, 3500)
        # the override is the manager's, the budget everyone's: the spec's 1/min still counts
        # the three calls made
        self.shop.call_limit_overrides = False
        self.assertGreater(self.shop._get_call_governor().reserve("OR11"), 0)

    def test_a_call_that_never_reached_mirakl_gives_its_slot_back(self):
        self.shop.base_url = "http://127.0.0.1:9"  # nothing listens there
        with self.assertRaises(errors.MiraklNetworkError):
            self.shop._get_client(max_retries=0).get_account()
        self.shop.base_url = self.sim.base_url
        self.shop._get_client().get_account()
        self.assertEqual(len(self.sim.request_log("A01")), 1)

    def test_a_429_pauses_the_operation_for_every_transaction_of_the_shop(self):
        # even with every limit lifted, Mirakl's own Retry-After holds
        self.shop.call_limit_overrides = "* = off"
        self.sim.inject_fault("A01", "429", count=1, retry_after=120)
        with self.assertRaises(errors.MiraklRateLimitError) as caught:
            self.shop._get_client(max_retries=0).get_account()
        self.assertEqual(caught.exception.status, 429)
        governor = self.shop._get_call_governor()
        [(wait, paused)] = _in_threads(1, lambda _index: governor.reserve_explained("A01"))
        self.assertTrue(paused)
        self.assertGreater(wait, 110)
        self.assertLessEqual(wait, 120)
        with self.assertRaisesRegex(errors.MiraklRateLimitError, "asked to pause A01"):
            self.shop._get_client().get_account()
        self.assertEqual(len(self.sim.request_log("A01")), 1, "held back without calling Mirakl")
        # other operations of the shop and other shops go on
        self.assertEqual(governor.reserve("OR11"), 0)
        self.instance._get_client().get_account()

    def test_a_long_wait_reschedules_the_job_instead_of_sleeping(self):
        self.sim.inject_fault("A01", "429", count=1, retry_after=30)
        job = self._flow(self.shop)._enqueue()
        before = fields.Datetime.now()
        started = time.monotonic()
        self.env["mk.job"]._run_pending(instances=self.shop)
        self.assertLess(time.monotonic() - started, MAX_WAIT_IN_TRANSACTION + 5)
        self.assertEqual(job.state, "pending")
        self.assertGreaterEqual(job.next_try, before + timedelta(seconds=30))
        self.assertEqual(len(self.sim.request_log("A01")), 1, "no retry inside the transaction")
        # run again at once (another worker, a clock that says it is due): Mirakl would answer
        # now, but the shop-wide pause still holds the call back
        job.next_try = before
        self.env["mk.job"]._run_pending(instances=self.shop)
        self.assertEqual(job.state, "pending")
        self.assertGreaterEqual(job.next_try, before + timedelta(seconds=25))
        self.assertEqual(len(self.sim.request_log("A01")), 1)

    def test_a_short_wait_is_slept_within_the_call(self):
        self.shop.call_limit_overrides = "A01 = 1/2"
        client = self.shop._get_client()
        client.get_account()
        started = time.monotonic()
        client.get_account()
        self.assertGreater(time.monotonic() - started, 1)
        self.assertEqual(len(self.sim.request_log("A01")), 2)

    def test_the_budget_is_read_only_for_managers_and_hidden_from_users(self):
        # rows the store commits are outside this test's snapshot: write one in the test's own
        row = self.env["mk.call.budget"].create(
            {"instance_id": self.shop.id, "company_id": self.shop.company_id.id,
             "operation": "A01"})
        manager = new_test_user(self.env, login="mk_budget_manager",
                                groups="base.group_user,mirakl_connector.group_mirakl_manager")
        user = new_test_user(self.env, login="mk_budget_user",
                             groups="base.group_user,mirakl_connector.group_mirakl_user")
        Budget = self.env["mk.call.budget"]
        mine = [("instance_id", "=", self.shop.id)]
        self.assertEqual(Budget.with_user(manager).search(mine), row)
        as_manager = row.with_user(manager)
        for attempt in (lambda: as_manager.write({"call_times": False}), as_manager.unlink,
                        lambda: Budget.with_user(manager).create(
                            {"instance_id": self.shop.id, "operation": "OR11"})):
            with self.assertRaises(AccessError):
                attempt()
        with self.assertRaises(AccessError):
            Budget.with_user(user).search([])
