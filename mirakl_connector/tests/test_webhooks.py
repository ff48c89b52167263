"""The webhook endpoint over real HTTP (url_open), its durable inbox and its processing job."""

import json
import uuid
from datetime import timedelta

from odoo import fields, sql_db
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .. import compat
from ..mirakl.webhook import compute_signature
from .common import OrderCase

SECRET = "s3cret-of-the-shop"


@tagged("post_install", "-at_install", "mirakl_connector")
class TestWebhooks(OrderCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.instance.write({"webhook_enabled": True, "webhook_secret": SECRET})
        cls.Event = cls.env["mk.webhook.event"]

    # ------------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------------

    def post(self, body, instance=None, secret=SECRET, header="X-Mirakl-Signature",
             prefix="", signature=None):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[header] = signature or prefix + compute_signature(secret, body)
        response = self.url_open(
            "/mirakl/webhook/%s" % (instance or self.instance).id, data=body, headers=headers,
        )
        self.env.invalidate_all()
        return response

    def event_body(self, event_type="ORDER_CREATED", **values):
        return dict({"event_type": event_type, "event_id": str(uuid.uuid4())}, **values)

    def run_jobs(self):
        self.env["mk.job"]._run_pending()
        self.env.invalidate_all()

    def sim_order(self):
        return self.create_sim_order([self.sim_line("SKU-1", 2, 20.0)])

    def orders_of(self, mirakl_id):
        return self.env["sale.order"].search([("mk_order_id", "=", mirakl_id)])

    # ------------------------------------------------------------------
    # THE ANSWERS
    # ------------------------------------------------------------------

    def test_each_refusal_has_its_status_and_stores_nothing(self):
        body = self.event_body(order_id="X-1")
        off = self.instance_us  # webhooks off
        off.webhook_secret = SECRET
        raw = json.dumps(body).encode()
        cases = [
            (404, self.url_open("/mirakl/webhook/987654321", data=raw,
                                headers={"X-Mirakl-Signature": compute_signature(SECRET, raw)})),
            (403, self.post(body, instance=off)),
            (401, self.post(body, secret=None)),
            (401, self.post(body, secret="another secret")),
            (401, self.post(body, signature="sha256=" + "0" * 64)),
            (401, self.post(body, signature="md5=abc")),
            (400, self.post(b"{not json")),
            (400, self.post(b"\xff\xfe not utf-8")),
            (400, self.post([body])),
            (400, self.post(b"[" * 100000 + b"]" * 100000)),
            (413, self.post({"event_type": "ORDER_CREATED", "pad": "x" * 300000})),
        ]
        for expected, response in cases:
            self.assertEqual(response.status_code, expected, response.text)
            self.assertIn("error", response.json())
        self.assertFalse(self.Event.search([]))
        self.assertIn("signature", self.post(body, secret=None).json()["error"])

    def test_signed_event_is_stored_with_what_matters(self):
        order_id = "ORD-" + uuid.uuid4().hex[:8]
        for header, prefix in (("X-Mirakl-Signature", ""), ("X-Hub-Signature-256", "sha256=")):
            body = self.event_body("ORDER_STATE_CHANGED", order_id=order_id)
            response = self.post(body, header=header, prefix=prefix)
            self.assertEqual(response.status_code, 200, response.text)
            self.assertEqual(response.json()["status"], "stored")
            event = self.Event.browse(response.json()["event"])
            self.assertEqual(event.instance_id, self.instance)
            self.assertEqual(event.company_id, self.instance.company_id)
            self.assertEqual(event.event_type, "ORDER_STATE_CHANGED")
            self.assertEqual(event.kind, "order")
            self.assertEqual(event.order_ids, order_id)
            self.assertEqual(event.fingerprint, "id:%s" % body["event_id"])
            self.assertEqual(json.loads(event.body), body)
            self.assertIn(header, event.headers)
            self.assertEqual(event.state, "received")
            self.assertTrue(event.received_at)
            self.assertEqual(event.job_id.identity_key, "webhook:%s" % event.id)

    def test_mmp_envelope_names_its_orders(self):
        response = self.post({"type": "ORDER", "payload": [{"id": "A-1"}, {"id": "A-2"}]})
        self.assertEqual(response.status_code, 200, response.text)
        event = self.Event.browse(response.json()["event"])
        self.assertEqual((event.kind, event.order_ids), ("order", "A-1,A-2"))
        self.assertTrue(event.fingerprint.startswith("sha256:"))

    def test_a_resend_is_stored_once(self):
        body = self.event_body(order_id="R-1")
        first, second = self.post(body), self.post(body)
        self.assertEqual((first.status_code, second.status_code), (200, 200))
        self.assertEqual(second.json()["status"], "duplicate")
        self.assertEqual(first.json()["event"], second.json()["event"])
        events = self.Event.search([("instance_id", "=", self.instance.id)])
        self.assertEqual(len(events), 1)
        self.assertEqual(events.duplicate_count, 1)
        self.assertEqual(self.env["mk.job"].search_count(
            [("job_type", "=", "webhook_event")]), 1)
        # the same body without an event id is recognised by its hash
        bare = {"event_type": "ORDER_CREATED", "order_id": "R-2"}
        self.assertEqual(self.post(bare).json()["status"], "stored")
        self.assertEqual(self.post(bare).json()["status"], "duplicate")

    def test_the_same_event_on_another_shop_is_that_shop_s(self):
        self.instance_us.write({"webhook_enabled": True, "webhook_secret": "us-secret"})
        body = self.event_body(order_id="S-1")
        # signed with the first shop's secret: the second shop refuses it
        self.assertEqual(self.post(body, instance=self.instance_us).status_code, 401)
        self.assertEqual(self.post(body).status_code, 200)
        self.assertEqual(self.post(body, instance=self.instance_us, secret="us-secret")
                         .json()["status"], "stored")
        self.assertEqual(self.Event.search_count([]), 2)

    # ------------------------------------------------------------------
    # PROCESSING
    # ------------------------------------------------------------------

    def test_order_event_imports_the_order_read_from_mirakl(self):
        sim_order = self.sim_order()
        # the body's amounts are forged: only the order id is used
        response = self.post(self.event_body(order_id=sim_order["order_id"],
                                             total_price=0.01, customer={"firstname": "Eve"}))
        event = self.Event.browse(response.json()["event"])
        self.run_jobs()
        order = self.orders_of(sim_order["order_id"])
        self.assertEqual(len(order), 1)
        self.assertEqual(order.mk_total, sim_order["total_price"])
        self.assertEqual(event.state, "done")
        self.assertIn(order.name, event.result)
        self.assertEqual(event.job_state, "done")
        or11 = [r for r in self.sim.request_log() if r["operation"] == "OR11"]
        self.assertEqual(len(or11), 1)
        self.assertIn(sim_order["order_id"], str(or11[0]["query"]))
        # a resend with a new event id finds the order already at this version
        self.post(self.event_body(order_id=sim_order["order_id"]))
        self.run_jobs()
        self.assertEqual(len(self.orders_of(sim_order["order_id"])), 1)

    def test_event_and_poller_at_the_same_time_make_one_order(self):
        sim_order = self.sim_order()
        self.post(self.event_body(order_id=sim_order["order_id"]))
        lock = "mk.order:%s:%s" % (self.instance.id, sim_order["order_id"])
        # a connection of its own (in an HttpCase the registry's cursors share the test's)
        with sql_db.db_connect(self.env.cr.dbname).cursor() as poller:
            # the poller is importing this very order in its own transaction
            poller.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [lock])
            self.run_jobs()
            event = self.Event.search([("instance_id", "=", self.instance.id)])
            self.assertEqual(event.job_state, "pending", "the event gives way and retries")
            self.assertFalse(self.orders_of(sim_order["order_id"]))
            poller.rollback()
        # the poller's import is done (here, in our transaction); then the retry runs
        self.importer._import_order(self.instance, self.sim.get_order(sim_order["order_id"]))
        event.job_id.next_try = fields.Datetime.now() - timedelta(seconds=1)
        self.run_jobs()
        self.assertEqual(len(self.orders_of(sim_order["order_id"])), 1)
        self.assertEqual(event.state, "done")
        self.assertIn("up to date", event.result)

    def test_processing_failure_is_retried_through_the_queue(self):
        sim_order = self.sim_order()
        self.sim.inject_fault("OR11", "429", count=1, retry_after=600)
        event = self.Event.browse(
            self.post(self.event_body(order_id=sim_order["order_id"])).json()["event"])
        self.run_jobs()
        self.assertEqual((event.state, event.job_state), ("received", "pending"))
        self.assertIn("429", event.job_error)
        self.assertFalse(self.orders_of(sim_order["order_id"]))
        event.job_id.next_try = fields.Datetime.now() - timedelta(seconds=1)
        self.run_jobs()
        self.assertEqual(event.state, "done")
        self.assertEqual(len(self.orders_of(sim_order["order_id"])), 1)

    def test_a_permanent_failure_marks_the_event_failed(self):
        self.instance.sudo().api_key = "wrong-key"
        event = self.Event.browse(self.post(self.event_body(order_id="F-1")).json()["event"])
        self.run_jobs()
        self.assertEqual(event.state, "failed")
        self.assertTrue(event.error)

    def test_forged_ids_and_unknown_types_are_kept_and_ignored(self):
        forged = self.Event.browse(
            self.post(self.event_body(order_id="NOT-AN-ORDER")).json()["event"])
        unknown = self.Event.browse(
            self.post(self.event_body("PRODUCT_SYNCHRONIZED", product_id="P1")).json()["event"])
        self.run_jobs()
        self.assertEqual((forged.state, unknown.state), ("ignored", "ignored"))
        self.assertIn("NOT-AN-ORDER", forged.result)
        self.assertEqual(unknown.kind, "unknown")
        self.assertFalse(self.orders_of("NOT-AN-ORDER"))

    def test_message_event_syncs_that_thread(self):
        sim_order = self.sim_order()
        self.import_ids(sim_order["order_id"])
        sim_thread = self.sim.add_thread("Is it in stock?", order_id=sim_order["order_id"])
        named = self.Event.browse(self.post(self.event_body(
            "MESSAGE_RECEIVED", thread_id=sim_thread["id"])).json()["event"])
        forged = self.Event.browse(self.post(self.event_body(
            "MESSAGE_RECEIVED", thread_id="THR-FORGED")).json()["event"])
        self.run_jobs()
        self.assertEqual((named.state, forged.state), ("done", "ignored"))
        thread = self.env["mk.thread"].search([("mirakl_thread_id", "=", sim_thread["id"])])
        self.assertEqual(thread.order_id, self.orders_of(sim_order["order_id"]))
        self.assertEqual(thread.message_line_ids.body, "Is it in stock?")

    def test_the_simulator_s_forwarded_events_lead_to_one_import(self):
        url = "%s/mirakl/webhook/%s" % (self.base_url(), self.instance.id)
        self.sim.configure_webhooks(url, SECRET)
        self.addCleanup(self.sim.configure_webhooks, None, None, False)
        with compat.incoming_requests_allowed(self):
            sim_order = self.sim_order()  # posts ORDER_CREATED, signed
            self.assertEqual(self.sim.send_webhook(resend=0), 200)
            self.assertEqual(
                self.sim.send_webhook(order_id=sim_order["order_id"], forged=True), 401)
        self.env.invalidate_all()
        event = self.Event.search([("instance_id", "=", self.instance.id)])
        self.assertEqual((len(event), event.event_type, event.duplicate_count),
                         (1, "ORDER_CREATED", 1))
        self.run_jobs()
        self.assertEqual(len(self.orders_of(sim_order["order_id"])), 1)
        self.assertEqual(event.state, "done")

    # ------------------------------------------------------------------
    # ACCESS
    # ------------------------------------------------------------------

    def test_users_see_their_company_s_events_and_only_managers_the_secret(self):
        self.post(self.event_body(order_id="C-1"))
        company_b = self.env["res.company"].create({"name": "Webhook B Company"})
        other = new_test_user(
            self.env, login="mk_wh_other", company_id=company_b.id,
            company_ids=[(6, 0, company_b.ids)],
            groups="base.group_user,mirakl_connector.group_mirakl_user",
        )
        user = new_test_user(
            self.env, login="mk_wh_user",
            groups="base.group_user,mirakl_connector.group_mirakl_user",
        )
        manager = new_test_user(
            self.env, login="mk_wh_manager",
            groups="base.group_user,mirakl_connector.group_mirakl_manager",
        )
        self.assertEqual(self.Event.with_user(user).search_count([]), 1)
        self.assertEqual(self.Event.with_user(other).search_count([]), 0)
        with self.assertRaises(AccessError):
            self.instance.with_user(user).webhook_secret  # noqa: B018
        with self.assertRaises(AccessError):
            self.instance.with_user(user).action_generate_webhook_secret()
        self.instance.with_user(manager).action_generate_webhook_secret()
        secret = self.instance.with_user(manager).webhook_secret
        self.assertEqual(len(secret), 64)
        self.assertNotEqual(secret, SECRET)
        self.assertTrue(self.instance.with_user(user).webhook_url.endswith(
            "/mirakl/webhook/%s" % self.instance.id))
