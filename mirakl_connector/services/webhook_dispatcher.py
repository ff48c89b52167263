from odoo import _, api, models

from .order_importer import same_version

ORDER_IDS_PER_CALL = 100


class MkWebhookDispatcher(models.AbstractModel):
    """Processes stored webhook events in the queue. It never trusts the payload: the ids
    only say what to read again from Mirakl, and what Mirakl answers is imported."""

    _name = "mk.webhook.dispatcher"
    _description = "Mirakl Webhook Event Processing"

    # ------------------------------------------------------------------
    # QUEUE
    # ------------------------------------------------------------------

    @api.model
    def _enqueue_event(self, event):
        return self.env["mk.job"]._enqueue(
            event.instance_id, "webhook_event", self._name, "_job_process_event",
            payload={"event_id": event.id},
            identity_key="webhook:%s" % event.id,
            record=event, priority=5,
        )

    @api.model
    def _event_handlers(self):
        """``{event kind: method name}``; a capability adds its kind (e.g. messages)."""
        return {"order": "_process_order_event"}

    @api.model
    def _job_process_event(self, job):
        event = self.env["mk.webhook.event"].browse(job.payload["event_id"]).exists()
        if not event:
            return {"skipped": "event deleted"}
        method = self._event_handlers().get(event.kind)
        if method:
            state, result = getattr(self, method)(event)
        else:
            state, result = "ignored", _("Nothing is done with %s events.",
                                         event.event_type or _("unnamed"))
        event.write({"state": state, "result": result, "error": False})
        return {"event": event.id, "state": state, "result": result}

    @api.model
    def _on_job_failure(self, job, message):
        event = self.env["mk.webhook.event"].browse(job.payload.get("event_id")).exists()
        event.write({"state": "failed", "error": message})

    # ------------------------------------------------------------------
    # ORDER EVENTS: read the orders again (OR11 order_ids), import them as the poll does
    # ------------------------------------------------------------------

    @api.model
    def _process_order_event(self, event):
        order_ids = [i for i in (event.order_ids or "").split(",") if i]
        if not order_ids:
            return "ignored", _("The event names no order.")
        instance = event.instance_id
        client = instance._get_client()
        payloads = {}
        for start in range(0, len(order_ids), ORDER_IDS_PER_CALL):
            # a Mirakl error propagates: the queue retries what may succeed later
            for payload in client.iter_orders(
                order_ids=order_ids[start:start + ORDER_IDS_PER_CALL],
                order_tax_mode=instance.order_tax_mode,
            ):
                payloads[payload.get("order_id")] = payload
        importer = self.env["mk.order.importer"]
        known = importer._known_versions(instance, list(payloads))
        done, unknown = [], []
        for order_id in order_ids:
            payload = payloads.get(order_id)
            if payload is None:
                unknown.append(order_id)
                continue
            if same_version(known.get(order_id), payload.get("last_updated_date")):
                done.append(_("%s already up to date", order_id))
                continue  # the poll (or a resend) mapped this very version
            order = importer._import_order(instance, payload)
            done.append(order.name if order else _("%s not imported (state)", order_id))
        if unknown and not done:
            return "ignored", _("Mirakl knows none of these orders: %s", ", ".join(unknown))
        result = ", ".join(done)
        if unknown:
            result += _("; unknown to Mirakl: %s", ", ".join(unknown))
        return "done", result
