import json

from odoo import api, fields, models

from .. import access
from ..compat import sql_constraints

# headers worth keeping to trace a delivery (never cookies or authorisation)
KEPT_HEADERS = (
    "Content-Type", "User-Agent", "X-Mirakl-Signature", "X-Hub-Signature-256",
    "X-Request-Id", "X-Mirakl-Event-Id", "X-Mirakl-Event-Type", "X-Forwarded-For",
)
MAX_HEADER_LENGTH = 200


@sql_constraints(
    (
        "instance_fingerprint_uniq",
        "UNIQUE(instance_id, fingerprint)",
        "This event was already received for this shop.",
    ),
)
class MkWebhookEvent(models.Model):
    """The durable inbox: every accepted webhook request, stored in the request's own
    transaction before we answer 200, then processed by a job that re-reads Mirakl."""

    _name = "mk.webhook.event"
    _description = "Mirakl Webhook Event"
    _order = "received_at desc, id desc"
    _rec_name = "event_type"

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    instance_id = fields.Many2one(
        "mk.instance", string="Shop", required=True, ondelete="cascade", index=True,
        readonly=True,
    )
    company_id = fields.Many2one(related="instance_id.company_id", store=True)
    event_type = fields.Char(readonly=True, help="The event name the sender gave.")
    kind = fields.Selection(
        [("order", "Order"), ("message", "Message"), ("unknown", "Unknown")],
        readonly=True, required=True, default="unknown",
    )
    event_id = fields.Char(string="Sender's Event ID", readonly=True)
    order_ids = fields.Char(string="Mirakl Orders", readonly=True)
    thread_ids = fields.Char(string="Mirakl Threads", readonly=True)
    body = fields.Text(readonly=True, help="The raw body, as signed.")
    headers = fields.Json(readonly=True)
    headers_display = fields.Text(string="Headers ", compute="_compute_headers_display")
    fingerprint = fields.Char(
        readonly=True, required=True,
        help="The sender's event id, else the SHA-256 of the body: a resend is a duplicate.",
    )
    received_at = fields.Datetime(readonly=True, required=True, index=True)
    state = fields.Selection(
        [("received", "Received"), ("done", "Processed"), ("ignored", "Ignored"),
         ("failed", "Failed")],
        default="received", required=True, readonly=True, index=True,
    )
    result = fields.Char(readonly=True, help="What processing did.")
    error = fields.Text(readonly=True)
    job_id = fields.Many2one("mk.job", readonly=True, ondelete="set null")
    job_state = fields.Selection(related="job_id.state", string="Job State")
    job_error = fields.Text(related="job_id.error", string="Last Job Error")
    duplicate_count = fields.Integer(
        string="Resent", readonly=True, help="How many times the same event came again.",
    )

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    @api.depends("headers")
    def _compute_headers_display(self):
        for event in self:
            event.headers_display = (
                json.dumps(event.headers, indent=2, sort_keys=True) if event.headers else False
            )

    # ------------------------------------------------------------------
    # INTAKE (the controller calls it as superuser, for one shop)
    # ------------------------------------------------------------------

    @api.model
    def _store_event(self, instance, parsed, body, headers):
        """File one verified event of ``instance`` and queue its processing. Returns
        ``(event, created)``; a resend (same fingerprint) returns the stored event."""
        kept = {
            name: str(value)[:MAX_HEADER_LENGTH]
            for name, value in headers.items() if name.title() in KEPT_HEADERS
        }
        now = fields.Datetime.now()
        # ON CONFLICT: a resend racing the original must be a duplicate, not a failed
        # insert (which would also roll back the request's transaction)
        self.env.cr.execute(
            """
            INSERT INTO mk_webhook_event (
                instance_id, company_id, event_type, kind, event_id, order_ids, thread_ids,
                body, headers, fingerprint, received_at, state, duplicate_count,
                create_uid, create_date, write_uid, write_date)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'received', 0, %s, %s, %s, %s)
            ON CONFLICT (instance_id, fingerprint) DO NOTHING
            RETURNING id
            """,
            [
                instance.id, instance.company_id.id, parsed["event_type"] or None,
                parsed["kind"], parsed["event_id"], ",".join(parsed["order_ids"]) or None,
                ",".join(parsed["thread_ids"]) or None, body, json.dumps(kept),
                parsed["fingerprint"], now, self.env.uid, now, self.env.uid, now,
            ],
        )
        row = self.env.cr.fetchone()
        if not row:
            self.env.cr.execute(
                "UPDATE mk_webhook_event SET duplicate_count = duplicate_count + 1 "
                "WHERE instance_id = %s AND fingerprint = %s RETURNING id",
                [instance.id, parsed["fingerprint"]],
            )
            return self.browse(self.env.cr.fetchone()[0]), False
        event = self.browse(row[0])
        event.job_id = self.env["mk.webhook.dispatcher"]._enqueue_event(event)
        return event, True

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_reprocess(self):
        """Queue the events again (e.g. after fixing the shop's settings)."""
        access.check_caller(self, access.MANAGER, "write")
        self.write({"state": "received", "error": False, "result": False})
        for event in self:
            event.job_id = self.env["mk.webhook.dispatcher"]._enqueue_event(event)
