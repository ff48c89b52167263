import base64
import json
from datetime import timedelta

from markupsafe import Markup, escape

from odoo import _, api, fields, models

from ..mirakl import errors
from ..mirakl.dates import from_mirakl


class MkMessageSync(models.AbstractModel):
    """Mirakl threads → mk.thread and the order's chatter; replies from Odoo → M12.

    M11 is meant for inbox displays, so threads are read when there is a reason: OR11 says
    a customer message waits on an order, a webhook names a thread, or the slow flow."""

    _name = "mk.message.sync"
    _inherit = ["mk.order.import.listener"]
    _description = "Mirakl Message Sync"
    _order_listener_sequence = 60

    # ------------------------------------------------------------------
    # TRIGGERS: flow, imported order, webhook
    # ------------------------------------------------------------------

    @api.model
    def _flow_sync_threads(self, instance, log):
        since = instance.message_last_sync
        started = fields.Datetime.now()
        filters = {"with_messages": True}
        if since:
            filters["updated_since"] = since
        for payload in instance._get_client().iter_threads(**filters):
            log._add(fetched=1)
            self._import_thread(instance, payload)
        instance.message_last_sync = started

    @api.model
    def _on_order_imported(self, order, data, previous_state):
        """OR11's ``has_customer_message``: read that order's threads, once per version."""
        payload = json.loads(order.mk_payload or "{}")
        if payload.get("has_customer_message"):
            self.env["mk.job"]._enqueue(
                order.mk_instance_id, "message_sync", self._name, "_job_sync_order_threads",
                payload={"order_id": data["order_id"]},
                identity_key="threads:%s:%s:%s" % (
                    order.mk_instance_id.id, data["order_id"], order.mk_version or ""),
                record=order, priority=20,
            )

    @api.model
    def _job_sync_order_threads(self, job):
        threads = self._sync_order_threads(job.instance_id, [job.payload["order_id"]])
        return {"threads": threads.mapped("mirakl_thread_id")}

    @api.model
    def _sync_order_threads(self, instance, order_ids):
        threads = self.env["mk.thread"]
        for payload in instance._get_client().iter_threads(
            entity_type="MMP_ORDER", entity_id=order_ids, with_messages=True,
        ):
            threads |= self._import_thread(instance, payload)
        return threads

    @api.model
    def _sync_thread_ids(self, instance, thread_ids):
        client = instance._get_client()
        threads = self.env["mk.thread"]
        for thread_id in thread_ids:
            try:
                payload = client.get_thread(thread_id)
            except errors.MiraklNotFoundError:
                continue  # a forged or deleted thread id: nothing to read
            threads |= self._import_thread(instance, payload)
        return threads

    # ------------------------------------------------------------------
    # IMPORT OF ONE THREAD
    # ------------------------------------------------------------------

    @api.model
    def _import_thread(self, instance, payload):
        Thread = self.env["mk.thread"].sudo()
        thread = Thread.search([("instance_id", "=", instance.id),
                                ("mirakl_thread_id", "=", payload["id"])], limit=1)
        values = self._prepare_thread_values(instance, payload)
        if thread:
            thread.write(values)
        else:
            thread = Thread.create(dict(values, instance_id=instance.id,
                                        mirakl_thread_id=payload["id"]))
        known = set(thread.message_line_ids.mapped("mirakl_message_id"))
        client = None
        for message in payload.get("messages") or []:
            if message.get("id") in known:
                continue  # already here (or our own reply, matched by its id)
            client = client or instance._get_client()
            self._import_message(thread, message, client)
        self._update_reply_activity(thread)
        return thread

    @api.model
    def _prepare_thread_values(self, instance, payload):
        entity = next(iter(payload.get("entities") or []), {}) or {}
        metadata = payload.get("metadata") or {}
        order = self.env["sale.order"]
        if entity.get("type") == "MMP_ORDER" and entity.get("id"):
            order = self.env["mk.order.importer"]._find_order(instance, entity["id"])
        last_sender = (metadata.get("last_sender") or {}).get("type")
        waiting = last_sender in ("CUSTOMER", "OPERATOR")
        return {
            "name": (payload.get("topic") or {}).get("value") or payload["id"],
            "entity_type": entity.get("type"),
            "entity_id": entity.get("id"),
            "order_id": order.id,
            "partner_id": order.partner_id.id,
            "date_updated": from_mirakl(payload.get("date_updated")),
            "last_sender_type": last_sender if last_sender in ("CUSTOMER", "OPERATOR", "SHOP")
            else False,
            "reply_needed_since": waiting and from_mirakl(metadata.get("shop_reply_needed_since")),
        }

    @api.model
    def _import_message(self, thread, message, client):
        author = message.get("from") or {}
        attachments = self.env["ir.attachment"]
        for item in message.get("attachments") or []:
            # M13, once: a message is created once, with its files
            file = client.download_attachment(item["id"])
            attachments |= self.env["ir.attachment"].sudo().create({
                "name": item.get("name") or file.filename or item["id"],
                "raw": file.content,
                "res_model": "mk.thread", "res_id": thread.id,
                "description": "Mirakl attachment %s" % item["id"],
            })
        line = self.env["mk.thread.message"].sudo().create({
            "thread_id": thread.id,
            "mirakl_message_id": message.get("id"),
            "author_type": author.get("type") if author.get("type") in (
                "CUSTOMER", "OPERATOR", "SHOP") else False,
            "author_name": author.get("display_name"),
            "body": message.get("body"),
            "date": from_mirakl(message.get("date_created")),
            "state": "sent" if author.get("type") == "SHOP" else "received",
            "attachment_ids": [(6, 0, attachments.ids)],
        })
        if thread.order_id and author.get("type") != "SHOP":
            line.chatter_message_id = self._post_in_chatter(thread.order_id, line)
        return line

    @api.model
    def _post_in_chatter(self, order, line):
        copies = self.env["ir.attachment"]
        for attachment in line.attachment_ids:
            copies |= attachment.copy({"res_model": order._name, "res_id": order.id})
        body = Markup("<p><b>%s</b></p><p>%s</p>") % (
            _("Mirakl message from %(author)s (%(type)s), thread %(thread)s",
              author=line.author_name or "?", type=line.author_type or "?",
              thread=line.thread_id.name),
            escape(line.body or ""),
        )
        return order.sudo().message_post(
            body=body, subtype_xmlid="mirakl_connector.mt_mirakl_message",
            message_type="comment", attachment_ids=copies.ids,
        )

    @api.model
    def _update_reply_activity(self, thread):
        """A thread awaiting the shop has one to-do, due by the shop's response target."""
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        existing = thread.sudo().activity_ids.filtered(
            lambda a: a.activity_type_id == activity_type)
        if not thread.reply_needed_since:
            existing.action_feedback(feedback=_("Answered on Mirakl."))
            return
        due = thread.reply_needed_since + timedelta(
            hours=thread.instance_id.message_response_hours)
        if existing:
            existing.date_deadline = due.date()
            return
        user = thread.order_id.user_id or thread.instance_id.user_id or self.env.user
        thread.sudo().activity_schedule(
            "mail.mail_activity_data_todo", date_deadline=due.date(), user_id=user.id,
            summary=_("Reply on Mirakl (waiting since %s)", thread.reply_needed_since),
        )

    # ------------------------------------------------------------------
    # REPLIES: M12, once per Odoo message
    # ------------------------------------------------------------------

    @api.model
    def _enqueue_reply(self, message):
        return self.env["mk.job"]._enqueue(
            message.thread_id.instance_id, "message_reply", self._name, "_job_send_reply",
            payload={"message_id": message.id},
            identity_key="reply:%s" % message.id,
            record=message.thread_id, priority=5, max_attempts=3,
        )

    @api.model
    def _job_send_reply(self, job):
        message = self.env["mk.thread.message"].sudo().browse(job.payload["message_id"]).exists()
        if not message or message.state != "pending":
            return {"skipped": "already sent or deleted"}
        files = [(a.name, base64.b64decode(a.datas or b"")) for a in message.attachment_ids]
        answer = message.thread_id.instance_id._get_client().reply_to_thread(
            message.thread_id.mirakl_thread_id, message.body,
            to=[{"type": message.recipient_type}], files=files,
        )
        message.write({"state": "sent", "mirakl_message_id": (answer or {}).get("message_id"),
                       "error": False})
        thread = message.thread_id
        thread.write({"reply_needed_since": False, "last_sender_type": "SHOP"})
        self._update_reply_activity(thread)
        return {"message_id": message.mirakl_message_id}

    @api.model
    def _on_job_failure(self, job, message_text):
        if job.method_name != "_job_send_reply":
            return
        message = self.env["mk.thread.message"].sudo().browse(
            job.payload.get("message_id")).exists()
        message.write({"state": "refused", "error": message_text})
        if message:
            message.thread_id.message_post(body=_("Mirakl refused the reply: %s", message_text))
