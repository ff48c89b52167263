"""Mirakl threads in Odoo: sync (M11/M10, M13 once), chatter, replies (M12 once), activities."""

import base64
from datetime import timedelta

from odoo.tests import new_test_user, tagged

from .common import OrderCase


@tagged("post_install", "-at_install", "mirakl_connector")
class TestMessages(OrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.instance.message_response_hours = 48
        cls.sync = cls.env["mk.message.sync"]

    def setUp(self):
        super().setUp()
        self.sim_order = self.create_sim_order([self.sim_line("SKU-1", 1, 20.0)])
        self.order = self.import_ids(self.sim_order["order_id"])
        self.sim_thread = self.sim.add_thread(
            "Where is my parcel?", order_id=self.sim_order["order_id"],
            attachments=[("photo.png", b"\x89PNG fake image")],
        )

    def run_jobs(self):
        self.env["mk.job"]._run_pending()

    def sync_order(self):
        return self.sync._sync_order_threads(self.instance, [self.sim_order["order_id"]])

    def operations(self, code):
        return [r for r in self.sim.request_log() if r["operation"] == code]

    def test_a_customer_message_lands_on_the_order_once(self):
        thread = self.sync_order()
        self.assertEqual(thread.mirakl_thread_id, self.sim_thread["id"])
        self.assertEqual(thread.order_id, self.order)
        self.assertEqual(thread.partner_id, self.order.partner_id)
        message = thread.message_line_ids
        self.assertEqual((message.author_type, message.body), ("CUSTOMER", "Where is my parcel?"))
        self.assertEqual(message.attachment_ids.raw, b"\x89PNG fake image")
        posted = message.chatter_message_id
        self.assertEqual(posted.model, "sale.order")
        self.assertEqual(posted.res_id, self.order.id)
        self.assertEqual(posted.subtype_id, self.env.ref("mirakl_connector.mt_mirakl_message"))
        self.assertIn("Where is my parcel?", posted.body)
        self.assertEqual(posted.attachment_ids.mapped("name"), ["photo.png"])
        # read again: nothing doubles, the attachment is not downloaded again
        self.sync_order()
        self.assertEqual(len(thread.message_line_ids), 1)
        self.assertEqual(len(self.operations("M13")), 1)
        self.assertEqual(self.env["mail.message"].search_count([
            ("model", "=", "sale.order"), ("res_id", "=", self.order.id),
            ("subtype_id", "=", posted.subtype_id.id)]), 1)

    def test_reply_needed_raises_an_activity_due_by_the_target(self):
        thread = self.sync_order()
        self.assertTrue(thread.reply_needed_since)
        activity = thread.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.date_deadline,
                         (thread.reply_needed_since + timedelta(hours=48)).date())
        self.sync_order()
        self.assertEqual(len(thread.activity_ids), 1, "one to-do per thread")

    def test_reply_with_attachment_is_sent_once(self):
        thread = self.sync_order()
        attachment = self.env["ir.attachment"].create({
            "name": "label.pdf", "datas": base64.b64encode(b"%PDF-1.4 label")})
        wizard = self.env["mk.thread.reply.wizard"].create({
            "thread_id": thread.id, "body": "It left today.",
            "attachment_ids": [(6, 0, attachment.ids)]})
        wizard.action_send()
        reply = thread.message_line_ids.filtered(lambda m: m.author_type == "SHOP")
        self.assertEqual(reply.state, "pending")
        self.assertEqual(reply.job_id.identity_key, "reply:%s" % reply.id)
        self.run_jobs()
        self.run_jobs()
        self.assertEqual(reply.state, "sent")
        self.assertEqual(len(self.operations("M12")), 1)
        on_mirakl = self.instance._get_client().get_thread(thread.mirakl_thread_id)
        shop_messages = [m for m in on_mirakl["messages"] if m["from"]["type"] == "SHOP"]
        self.assertEqual(len(shop_messages), 1)
        self.assertEqual(shop_messages[0]["body"], "It left today.")
        self.assertEqual(shop_messages[0]["to"][0]["type"], "CUSTOMER")
        self.assertEqual([a["name"] for a in shop_messages[0]["attachments"]], ["label.pdf"])
        self.assertEqual(reply.mirakl_message_id, shop_messages[0]["id"])
        # answered: no longer waiting, the to-do is done; a re-sync does not add our reply again
        self.assertFalse(thread.reply_needed_since)
        self.assertFalse(thread.activity_ids)
        self.sync_order()
        self.assertEqual(len(thread.message_line_ids), 2)

    def test_a_refused_reply_shows_what_mirakl_said(self):
        thread = self.sync_order()
        thread.sudo().mirakl_thread_id = "THR-DOES-NOT-EXIST"
        reply = thread._reply("Hello")
        self.run_jobs()
        self.assertEqual(reply.state, "refused")
        self.assertIn("not found", reply.error.lower())
        self.assertEqual(len(self.operations("M12")), 1, "refused once, not retried")

    def test_an_order_flagged_with_a_customer_message_reads_its_threads(self):
        self.sim.move_clock(seconds=60)
        self.import_ids(self.sim_order["order_id"])  # OR11 now says has_customer_message
        jobs = self.env["mk.job"].search([("job_type", "=", "message_sync")])
        self.assertEqual(len(jobs), 1)
        self.run_jobs()
        thread = self.env["mk.thread"].search([("order_id", "=", self.order.id)])
        self.assertEqual(len(thread), 1)

    def test_the_flow_reads_threads_updated_since_the_last_run(self):
        log = self.env["mk.sync.log"].create({"instance_id": self.instance.id, "flow": "messages"})
        self.sync._flow_sync_threads(self.instance, log)
        self.assertTrue(self.instance.message_last_sync)
        self.assertEqual(self.env["mk.thread"].search_count(
            [("instance_id", "=", self.instance.id)]), 1)
        query = self.operations("M11")[-1]["query"]
        self.sync._flow_sync_threads(self.instance, log)
        self.assertIn("updated_since", str(self.operations("M11")[-1]["query"]))
        self.assertNotIn("updated_since", str(query))

    def test_a_user_of_another_company_sees_no_thread(self):
        self.sync_order()
        company_b = self.env["res.company"].create({"name": "Messages B Company"})
        other = new_test_user(
            self.env, login="mk_msg_other", company_id=company_b.id,
            company_ids=[(6, 0, company_b.ids)],
            groups="base.group_user,mirakl_connector.group_mirakl_user")
        user = new_test_user(
            self.env, login="mk_msg_user",
            groups="base.group_user,mirakl_connector.group_mirakl_user")
        self.assertEqual(self.env["mk.thread"].with_user(user).search_count([]), 1)
        self.assertEqual(self.env["mk.thread"].with_user(other).search_count([]), 0)
        self.assertEqual(self.env["mk.thread.message"].with_user(other).search_count([]), 0)
