from odoo import api, fields, models


class MkInstance(models.Model):
    """Message settings of a shop: the response-time target and how far the sync has read."""

    _inherit = "mk.instance"

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    message_response_hours = fields.Integer(
        string="Reply Within (h)",
        default=24,
        help="The shop's response-time target: a thread awaiting the shop raises an activity "
        "due this many hours after the customer wrote (operators suspend shops whose average "
        "goes over their threshold).",
    )
    message_last_sync = fields.Datetime(
        string="Threads Read Up To", copy=False,
        help="Latest thread update read by the message sync (M11 updated_since).",
    )


class MkInstanceFlow(models.Model):
    _inherit = "mk.instance.flow"

    flow = fields.Selection(
        selection_add=[("messages", "Messages")], ondelete={"messages": "cascade"},
    )

    @api.model
    def _flow_handlers(self):
        return dict(super()._flow_handlers(), messages=("mk.message.sync", "_flow_sync_threads"))

    @api.model
    def _flow_intervals(self):
        # M11 is meant for inbox displays: a slow safety net; order flags and webhooks
        # trigger the thread reads that matter
        return dict(super()._flow_intervals(), messages=240)
