from odoo import _, api, models


class MkWebhookDispatcher(models.AbstractModel):
    """Message events: sync the threads they name (M10), or the threads of their orders."""

    _inherit = "mk.webhook.dispatcher"

    @api.model
    def _event_handlers(self):
        return dict(super()._event_handlers(), message="_process_message_event")

    @api.model
    def _process_message_event(self, event):
        sync = self.env["mk.message.sync"]
        thread_ids = [i for i in (event.thread_ids or "").split(",") if i]
        order_ids = [i for i in (event.order_ids or "").split(",") if i]
        if thread_ids:
            threads = sync._sync_thread_ids(event.instance_id, thread_ids)
        elif order_ids:
            threads = sync._sync_order_threads(event.instance_id, order_ids)
        else:
            return "ignored", _("The event names no thread and no order.")
        if not threads:
            return "ignored", _("Mirakl has no such thread.")
        return "done", ", ".join(threads.mapped("mirakl_thread_id"))
