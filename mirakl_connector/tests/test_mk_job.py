from contextlib import closing
from datetime import timedelta
from unittest.mock import patch

import psycopg2
from psycopg2 import IntegrityError

from odoo import SUPERUSER_ID, api, fields, sql_db
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import MiraklCase


@tagged("post_install", "-at_install", "mirakl_connector")
class TestMkJob(MiraklCase):
    def setUp(self):
        super().setUp()
        self.Job = self.env["mk.job"]

    def _account_job(self, instance=None):
        return self._flow(instance or self.instance)._enqueue()

    def _run(self, jobs):
        """Run the queue, limited to the shops of ``jobs``."""
        return self.Job._run_pending(instances=jobs.instance_id)

    # ------------------------------------------------------------------
    # ENQUEUE
    # ------------------------------------------------------------------

    def test_identity_key_drops_duplicates(self):
        first = self.Job._enqueue(
            self.instance,
            "test",
            "mk.instance.flow",
            "_job_run_flow",
            payload={"flow_id": self._flow(self.instance).id},
            identity_key="k:1",
        )
        again = self.Job._enqueue(
            self.instance,
            "test",
            "mk.instance.flow",
            "_job_run_flow",
            payload={"flow_id": 0},
            identity_key="k:1",
        )
        self.assertEqual(again, first)
        self.assertEqual(self.Job.search_count([("identity_key", "=", "k:1")]), 1)
        self._run(first)
        self.assertEqual(first.state, "done")
        # done work no longer blocks the same key
        later = self.Job._enqueue(
            self.instance,
            "test",
            "mk.instance.flow",
            "_job_run_flow",
            payload={"flow_id": 0},
            identity_key="k:1",
        )
        self.assertNotEqual(later, first)
        self.assertEqual(later.state, "pending")

    def test_database_refuses_two_live_jobs_with_one_key(self):
        vals = {
            "name": "x",
            "job_type": "test",
            "service_model": "mk.instance.flow",
            "method_name": "_job_run_flow",
            "identity_key": "k:db",
        }
        self.Job.create(vals)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.Job.create(vals)
        self.Job.create(dict(vals, state="failed"))  # a dead job never blocks

    def test_only_job_methods_can_be_queued(self):
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.Job._enqueue(self.instance, "test", "mk.instance", "unlink")

    def test_record_link_and_open_record(self):
        job = self.Job._enqueue(
            self.instance, "test", "mk.instance.flow", "_job_run_flow", record=self.instance
        )
        self.assertEqual((job.res_model, job.res_id), ("mk.instance", self.instance.id))
        action = job.action_open_record()
        self.assertEqual((action["res_model"], action["res_id"]), ("mk.instance", self.instance.id))
        no_record = self.Job._enqueue(self.instance, "test", "mk.instance.flow", "_job_run_flow")
        with self.assertRaisesRegex(UserError, "no particular record"):
            no_record.action_open_record()

    # ------------------------------------------------------------------
    # RUNNING
    # ------------------------------------------------------------------

    def test_success_keeps_the_answer(self):
        job = self._account_job()
        self._run(job)
        self.assertEqual(job.state, "done")
        self.assertEqual(job.attempts, 1)
        self.assertEqual(job.response, {"fetched": 1, "created": 0, "updated": 1, "failed": 0})
        self.assertEqual(self.instance.account_shop_name, self.sim.shops[0]["shop_name"])

    def test_retryable_error_backs_off(self):
        self.sim.inject_fault("A01", "500", count=1)
        job = self._account_job()
        before = fields.Datetime.now()
        self._run(job)
        self.assertEqual(job.state, "pending")
        self.assertEqual(job.attempts, 1)
        self.assertGreaterEqual(job.next_try, before + timedelta(seconds=30))
        self.assertIn("server error", job.error)
        self.assertEqual(job.response["status"], 500)
        # not due yet: the queue leaves it alone
        self.assertFalse(self._run(job))
        # the second failure waits twice as long
        self.sim.inject_fault("A01", "503", count=1)
        job.next_try = before
        self._run(job)
        self.assertEqual(job.attempts, 2)
        self.assertGreaterEqual(job.next_try, before + timedelta(seconds=60))
        job.next_try = before
        self._run(job)
        self.assertEqual(job.state, "done")
        self.assertEqual(job.attempts, 3)
        self.assertFalse(job.error)

    def test_rate_limit_waits_for_retry_after(self):
        self.sim.inject_fault("A01", "429", count=1, retry_after=600)
        job = self._account_job()
        before = fields.Datetime.now()
        self._run(job)
        self.assertEqual(job.state, "pending")
        self.assertGreaterEqual(job.next_try, before + timedelta(seconds=600))
        self.assertIn("429", job.error)

    def test_attempts_run_out(self):
        self.sim.inject_fault("A01", "500", count=5)
        job = self._account_job()
        job.max_attempts = 2
        self._run(job)
        job.next_try = fields.Datetime.now() - timedelta(seconds=1)
        self._run(job)
        self.assertEqual(job.state, "failed")
        self.assertEqual(job.attempts, 2)

    def test_permanent_error_fails_with_a_readable_message(self):
        bad = self._make_instance("Bad key", api_key="wrong-key")
        job = self._account_job(bad)
        self._run(job)
        self.assertEqual(job.state, "failed")
        self.assertEqual(job.attempts, 1)
        self.assertIn("refused the API key", job.error)
        self.assertEqual(job.response["status"], 401)
        log = self.env["mk.sync.log"].search([("job_id", "=", job.id)])
        self.assertEqual(
            log.state, "failed", "the failed run is logged although its work was undone"
        )
        self.assertIn("API key", log.message)

    def test_any_exception_fails_its_job_alone(self):
        broken = self.Job._enqueue(
            self.instance,
            "test",
            "mk.instance.flow",
            "_job_run_flow",
            payload={"unexpected": 1},
            priority=1,
        )
        good = self._account_job()
        bad = self._account_job(self._make_instance("Bad key", api_key="wrong-key"))
        processed = self.Job._run_pending(instances=self.instance | bad.instance_id)
        self.assertEqual(set(processed.ids), {broken.id, good.id, bad.id})
        self.assertEqual(broken.state, "failed")
        self.assertIn("KeyError", broken.error)
        self.assertIn("Traceback", broken.error_details)
        self.assertEqual(bad.state, "failed")
        self.assertEqual(good.state, "done")
        self.assertEqual(self.instance.account_currency, self.sim.shops[0]["currency_iso_code"])

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def test_retry_and_cancel(self):
        bad = self._make_instance("Bad key", api_key="wrong-key")
        job = self._account_job(bad)
        self._run(job)
        self.assertEqual(job.state, "failed")
        job.action_retry()
        self.assertEqual((job.state, job.attempts, job.error), ("pending", 0, False))
        with self.assertRaises(UserError):
            job.action_retry()
        job.action_cancel()
        self.assertEqual(job.state, "cancelled")
        self.assertFalse(self._run(job), "a cancelled job never runs")
        # retrying is refused while the same work is queued again
        twin = self._flow(bad)._enqueue()
        self.assertNotEqual(twin, job)
        with self.assertRaisesRegex(UserError, "already queued"):
            job.action_retry()

    def test_reaper_requeues_stuck_jobs(self):
        stuck = self._account_job()
        worn = self.Job._enqueue(self.instance, "test", "mk.instance.flow", "_job_run_flow")
        fresh = self.Job._enqueue(self.instance, "test2", "mk.instance.flow", "_job_run_flow")
        long_ago = fields.Datetime.now() - timedelta(hours=3)
        (stuck | worn).write({"state": "running", "date_started": long_ago, "attempts": 1})
        worn.max_attempts = 1
        fresh.write({"state": "running", "date_started": fields.Datetime.now(), "attempts": 1})
        reaped = self.Job._reap_stuck()
        self.assertEqual(reaped, stuck | worn)
        self.assertEqual(stuck.state, "pending")
        self.assertIn("Still running", stuck.error)
        self.assertEqual(worn.state, "failed")
        self.assertEqual(fresh.state, "running")

    # ------------------------------------------------------------------
    # CONCURRENCY
    # ------------------------------------------------------------------

    def test_two_workers_skip_each_others_jobs(self):
        """Two real database connections share the queue: SKIP LOCKED hands each its own job.
        The test transaction cannot see other connections' rows, so the jobs are committed
        by a separate connection and removed at the end."""
        db = sql_db.db_connect(self.env.cr.dbname)
        with closing(db.cursor()) as setup_cr:
            setup_env = api.Environment(setup_cr, SUPERUSER_ID, {})
            ids = [
                setup_env["mk.job"]
                ._enqueue(False, "skip-locked", "mk.instance.flow", "_job_run_flow")
                .id
                for _i in range(2)
            ]
            setup_cr.commit()
        self.addCleanup(self._delete_committed_jobs, db, ids)
        no_shop = self.env["mk.instance"]  # only the jobs of no shop: ours
        with closing(db.cursor()) as cr_a, closing(db.cursor()) as cr_b:
            worker_a = api.Environment(cr_a, SUPERUSER_ID, {})["mk.job"]
            worker_b = api.Environment(cr_b, SUPERUSER_ID, {})["mk.job"]
            job_a = worker_a._acquire(no_shop)
            job_b = worker_b._acquire(no_shop)
            self.assertTrue(job_a and job_b)
            self.assertNotEqual(job_a.id, job_b.id, "worker B skipped the row worker A holds")
            self.assertEqual({job_a.id, job_b.id}, set(ids))
            self.assertFalse(worker_b._acquire(no_shop), "nothing left that is not locked")
            cr_a.rollback()
            # A's lock is gone with its transaction: the job is available again
            self.assertEqual(worker_a._acquire(no_shop).id, job_a.id)
            cr_a.rollback()
            cr_b.rollback()

    def test_reaper_leaves_a_slow_job_its_worker_still_holds(self):
        db = sql_db.db_connect(self.env.cr.dbname)
        long_ago = fields.Datetime.now() - timedelta(hours=3)
        with closing(db.cursor()) as setup_cr:
            job = api.Environment(setup_cr, SUPERUSER_ID, {})["mk.job"]._enqueue(
                False, "slow", "mk.instance.flow", "_job_run_flow"
            )
            job.write({"state": "running", "date_started": long_ago, "attempts": 1})
            job_id = job.id
            setup_cr.commit()
        self.addCleanup(self._delete_committed_jobs, db, [job_id])
        with closing(db.cursor()) as worker_cr, closing(db.cursor()) as reaper_cr:
            worker_cr.execute("SELECT id FROM mk_job WHERE id = %s FOR UPDATE", [job_id])
            reaper = api.Environment(reaper_cr, SUPERUSER_ID, {})["mk.job"]
            self.assertNotIn(job_id, reaper._reap_stuck().ids, "its worker is alive")
            worker_cr.rollback()  # the worker dies: its lock goes with it
            self.assertIn(job_id, reaper._reap_stuck().ids)
            self.assertEqual(reaper.browse(job_id).state, "pending")
            reaper_cr.rollback()

    def test_a_worker_that_loses_a_race_looks_again(self):
        """REPEATABLE READ: a row another worker took after our snapshot raises a
        serialization failure, quietly; the committing queue retries in a new transaction
        and takes the next job."""
        db = sql_db.db_connect(self.env.cr.dbname)
        with closing(db.cursor()) as setup_cr:
            setup_env = api.Environment(setup_cr, SUPERUSER_ID, {})
            ids = [
                setup_env["mk.job"]._enqueue(False, "race", "mk.instance.flow", "_job_run_flow").id
                for _i in range(2)
            ]
            setup_cr.commit()
        self.addCleanup(self._delete_committed_jobs, db, ids)
        no_shop = self.env["mk.instance"]
        with closing(db.cursor()) as cr_a, closing(db.cursor()) as cr_b:
            worker_a = api.Environment(cr_a, SUPERUSER_ID, {})["mk.job"]
            worker_b = api.Environment(cr_b, SUPERUSER_ID, {})["mk.job"]
            cr_b.execute("SELECT 1")  # B's snapshot starts here
            taken = worker_a._acquire(no_shop)
            worker_a.env.flush_all()
            cr_a.commit()
            with (
                self.assertNoLogs("odoo.sql_db", "ERROR"),
                self.assertRaises(psycopg2.errors.SerializationFailure),
            ):
                worker_b._acquire(no_shop)
            cr_b.rollback()
            cr_a.execute("UPDATE mk_job SET state = 'pending' WHERE id = %s", [taken.id])
            cr_a.commit()
            cr_b.execute("SELECT 1")  # B sees both jobs pending...
            cr_a.execute("UPDATE mk_job SET priority = priority WHERE id = ANY(%s)", [ids])
            cr_a.commit()  # ...and A touches them after B's snapshot
            # the same conflict, met by the committing queue: it looks again instead of failing
            with patch.object(type(worker_b), "_can_commit", return_value=True):
                processed = worker_b._run_pending(instances=no_shop)
            self.assertEqual(sorted(processed.ids), sorted(ids), "B looked again and ran both")

    @staticmethod
    def _delete_committed_jobs(db, ids):
        with closing(db.cursor()) as cr:
            cr.execute("DELETE FROM mk_job WHERE id = ANY(%s)", [ids])
            cr.commit()
