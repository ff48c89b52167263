"""The queue as the people who use it see it: read-only, one company's, no customer data."""

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import MiraklCase

# what a forged job would change: the request, the shop (no shop runs unlicensed), the
# state, the retries, the method it calls
FORGED = {
    "payload": {"order": {"order_id": "X", "price": 0.01}},
    "instance_id": False,
    "state": "pending",
    "max_attempts": 1000,
    "service_model": "mk.instance",
    "method_name": "_job_anything",
}


@tagged("post_install", "-at_install", "mirakl_connector")
class TestSecurityJobs(MiraklCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Mirakl B Jobs"})
        cls.user = new_test_user(
            cls.env, login="mk_job_user",
            groups="base.group_user,mirakl_connector.group_mirakl_user",
            company_id=cls.company_a.id, company_ids=[(6, 0, cls.company_a.ids)],
        )
        cls.manager = new_test_user(
            cls.env, login="mk_job_manager",
            groups="base.group_user,mirakl_connector.group_mirakl_manager",
            company_id=cls.company_a.id, company_ids=[(6, 0, cls.company_a.ids)],
        )
        cls.user_b = new_test_user(
            cls.env, login="mk_job_user_b",
            groups="base.group_user,mirakl_connector.group_mirakl_user",
            company_id=cls.company_b.id, company_ids=[(6, 0, cls.company_b.ids)],
        )

    def _failed_job(self):
        job = self.env["mk.job"]._enqueue(
            self.instance, "test", "mk.instance.flow", "_job_run_flow",
            payload={"order": {"customer": {"firstname": "Jane", "lastname": "Doe"}}},
        )
        job.write({"state": "failed", "error": "boom"})
        return job

    def test_people_cannot_write_jobs(self):
        job = self._failed_job()
        for person in (self.user, self.manager):
            for field, value in FORGED.items():
                with self.subTest(person=person.login, field=field):
                    with self.assertRaises(AccessError):
                        job.with_user(person).write({field: value})
            with self.assertRaises(AccessError):
                self.env["mk.job"].with_user(person).create(dict(
                    FORGED, name="forged", job_type="test",
                    method_name="_job_run_flow", service_model="mk.instance.flow",
                ))
            with self.assertRaises(AccessError):
                job.with_user(person).unlink()
        self.assertEqual((job.state, job.max_attempts, job.instance_id),
                         ("failed", 5, self.instance))

    def test_retry_and_cancel_check_the_caller_and_then_act(self):
        job = self._failed_job()
        job.with_user(self.user).action_retry()
        self.assertEqual((job.state, job.attempts, job.error), ("pending", 0, False))
        job.with_user(self.user).action_cancel()
        self.assertEqual(job.state, "cancelled")
        # a user of another company cannot reach it, nor can someone without the Mirakl role
        plain = new_test_user(self.env, login="plain_job_user", groups="base.group_user")
        for person in (self.user_b, plain):
            for button in ("action_retry", "action_cancel", "action_open_record"):
                with self.subTest(person=person.login, button=button):
                    with self.assertRaises(AccessError):
                        getattr(job.with_user(person), button)()
        self.assertEqual(job.state, "cancelled")

    def test_a_job_of_no_shop_belongs_to_the_company_it_was_queued_in(self):
        Job = self.env["mk.job"]
        job_a = Job.with_company(self.company_a)._enqueue(
            False, "no-shop-a", "mk.instance.flow", "_job_run_flow"
        )
        job_b = Job.with_company(self.company_b)._enqueue(
            False, "no-shop-b", "mk.instance.flow", "_job_run_flow"
        )
        self.assertEqual((job_a.company_id, job_b.company_id), (self.company_a, self.company_b))
        self.assertEqual(Job.with_user(self.user_b).search([("id", "in", (job_a | job_b).ids)]),
                         job_b)
        self.assertEqual(Job.with_user(self.user).search([("id", "in", (job_a | job_b).ids)]),
                         job_a)
        with self.assertRaises(AccessError):
            job_a.with_user(self.user_b).read(["name"])

    def test_only_managers_read_a_request(self):
        job = self._failed_job()
        with self.assertRaises(AccessError):
            job.with_user(self.user).read(["payload"])
        with self.assertRaises(AccessError):
            job.with_user(self.user).read(["payload_display"])
        self.assertEqual(job.with_user(self.user).read(["name", "error"])[0]["error"], "boom")
        self.assertIn("Jane", job.with_user(self.manager).payload_display)
