import re
import time
from datetime import timedelta
from unittest.mock import patch

from odoo import fields, release
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.ecosire_license_client.tests.common import license_clock

from .. import compat
from .common import MiraklCase


@tagged("post_install", "-at_install", "mirakl_connector")
class TestDispatch(MiraklCase):
    def setUp(self):
        super().setUp()
        self.cron = self.env.ref("mirakl_connector.ir_cron_mk_dispatch")

    def test_cron_follows_activation(self):
        self.assertFalse(self.cron.active, "crons ship inactive")
        self.instance.action_activate()
        self.assertEqual(self.instance.state, "active")
        self.assertTrue(self.cron.active)
        self.assertTrue(self.env.ref("mirakl_connector.ir_cron_mk_gc").active)
        second = self._make_instance("Second")
        second.action_activate()
        self.instance.action_archive()
        self.assertTrue(self.cron.active, "another shop is still active")
        second.action_set_draft()
        self.assertFalse(self.cron.active, "no active shop left")
        self.instance.action_unarchive()
        self.assertTrue(self.cron.active)
        self.instance.unlink()
        self.assertFalse(self.cron.active)

    def test_gc_keeps_failed_jobs_and_recent_work(self):
        Job, Log = self.env["mk.job"], self.env["mk.sync.log"]
        old = fields.Datetime.now() - timedelta(days=40)
        jobs = {
            state: Job._enqueue(self.instance, state, "mk.instance.flow", "_job_run_flow")
            for state in ("done", "cancelled", "failed", "pending")
        }
        for state, job in jobs.items():
            job.write({"state": state, "date_done": old})
        recent = Job._enqueue(self.instance, "recent", "mk.instance.flow", "_job_run_flow")
        recent.write({"state": "done", "date_done": fields.Datetime.now()})
        old_log = Log._start(self.instance, "account")
        old_log._finish()
        old_log.date_start = fields.Datetime.now() - timedelta(days=100)
        new_log = Log._start(self.instance, "account")
        self.env["mk.instance"]._cron_gc()
        self.assertFalse((jobs["done"] | jobs["cancelled"]).exists())
        kept = jobs["failed"] | jobs["pending"] | recent
        self.assertEqual(kept.exists(), kept)
        self.assertFalse(old_log.exists())
        self.assertTrue(new_log.exists())

    def test_our_crons_repeat_and_call_what_exists(self):
        series = release.version_info[0]
        # 17 runs a cron numbercall times (1 unless the XML says; ours leaves it out, the
        # 17 adapter sets -1); 18 removed the field and repeats every cron
        self.assertEqual(compat.cron_needs_numbercall(self.env), series == 17)
        for xml_id in self.env["mk.instance"]._get_cron_xml_ids():
            cron = self.env.ref(xml_id)
            with self.subTest(cron=xml_id, series=series):
                if series == 17:
                    self.assertEqual(cron.numbercall, -1, "17 would run it only once")
                self.assertGreater(cron.interval_number, 0)
                self.assertEqual(cron.model_id.model, "mk.instance")
                method = re.fullmatch(r"model\.(_cron_\w+)\(\)", cron.code.strip())
                self.assertTrue(method, cron.code)
                self.assertTrue(callable(getattr(self.env["mk.instance"], method[1], None)))

    def test_dispatch_runs_due_flows_and_logs_them(self):
        self.instance.action_activate()
        line = self._flow(self.instance)
        before = fields.Datetime.now()
        processed = self.env["mk.instance"]._cron_dispatch()
        self.assertEqual(processed.mapped("job_type"), ["flow_account"])
        self.assertEqual(processed.state, "done")
        log = self.env["mk.sync.log"].search([("instance_id", "=", self.instance.id)])
        self.assertEqual(len(log), 1)
        self.assertEqual(
            (log.flow, log.state, log.fetched_count, log.updated_count), ("account", "done", 1, 1)
        )
        self.assertEqual(log.job_id, processed)
        self.assertTrue(log.date_end and log.duration >= 0)
        self.assertEqual(self.instance.account_shop_name, self.sim.shops[0]["shop_name"])
        self.assertGreaterEqual(line.next_run, before + timedelta(minutes=line.interval_minutes))
        self.assertEqual(line.last_run, log.date_start)
        self.assertEqual(self.instance.last_sync_date, log.date_start)
        # the cadence holds: nothing is due on the next tick
        self.assertFalse(self.env["mk.instance"]._cron_dispatch())
        self.assertEqual(len(self.sim.request_log("A01")), 1)
        # until the flow is due again
        line.next_run = before
        self.assertTrue(self.env["mk.instance"]._cron_dispatch())
        self.assertEqual(len(self.sim.request_log("A01")), 2)

    def test_disabled_flows_and_draft_shops_do_not_run(self):
        self._flow(self.instance).enabled = False
        self.instance.action_activate()
        draft = self._make_instance("Draft")
        self.assertFalse(self.env["mk.instance"]._cron_dispatch())
        self.assertFalse(
            self.env["mk.job"].search([("instance_id", "in", (self.instance | draft).ids)])
        )

    def test_run_now_queues_once(self):
        line = self._flow(self.instance)
        line.action_run_now()
        line.action_run_now()
        jobs = self.env["mk.job"].search([("instance_id", "=", self.instance.id)])
        self.assertEqual(len(jobs), 1)
        self.assertEqual(jobs.priority, 5)
        # a registered flow whose handler is gone (its capability half-removed) is refused
        Flow = type(self.env["mk.instance.flow"])
        with patch.object(Flow, "_flow_handlers", lambda self: {}):
            with self.assertRaisesRegex(UserError, "not available"):
                line.action_run_now()

    def test_without_licence_crons_skip_and_jobs_wait(self):
        self.instance.action_activate()
        job = self._flow(self.instance)._enqueue()
        with license_clock(self.env, time.time() + 20 * 365 * 86400):
            with self.assertLogs("odoo.addons.ecosire_license_client", level="WARNING") as logs:
                processed = self.env["mk.instance"]._cron_dispatch()
            self.assertIn("mirakl_connector", logs.output[0])
            self.assertFalse(processed)
            self.assertEqual(job.state, "pending", "queued work waits, it is not dropped")
            with self.assertRaises(UserError):
                self._make_instance("Unlicensed").action_activate()
            # reading stays available
            self.assertEqual(self.instance.flow_ids.instance_id, self.instance)
        self.env["mk.instance"]._cron_dispatch()
        self.assertEqual(job.state, "done")
