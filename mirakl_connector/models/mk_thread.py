from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .. import access
from ..compat import sql_constraints

AUTHOR_TYPES = [("CUSTOMER", "Customer"), ("OPERATOR", "Operator"), ("SHOP", "Shop")]


@sql_constraints(
    (
        "instance_thread_uniq",
        "UNIQUE(instance_id, mirakl_thread_id)",
        "This Mirakl thread is already linked on this shop.",
    ),
)
class MkThread(models.Model):
    """A Mirakl message thread (M11), linked to its order and customer."""

    _name = "mk.thread"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Mirakl Message Thread"
    _order = "date_updated desc, id desc"

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    name = fields.Char(string="Topic", readonly=True)
    instance_id = fields.Many2one(
        "mk.instance", string="Shop", required=True, ondelete="cascade", index=True,
        readonly=True,
    )
    company_id = fields.Many2one(related="instance_id.company_id", store=True)
    mirakl_thread_id = fields.Char(string="Mirakl Thread", required=True, readonly=True)
    entity_type = fields.Char(readonly=True)
    entity_id = fields.Char(string="Mirakl Entity", readonly=True)
    order_id = fields.Many2one("sale.order", readonly=True, index=True, ondelete="set null")
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    date_updated = fields.Datetime(readonly=True)
    last_sender_type = fields.Selection(AUTHOR_TYPES, readonly=True)
    reply_needed_since = fields.Datetime(
        readonly=True, help="Since when the customer or operator waits for the shop's answer.",
    )
    message_line_ids = fields.One2many(
        "mk.thread.message", "thread_id", string="Mirakl Messages",
    )

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_reply(self):
        self.ensure_one()
        access.check_caller(self)
        return {
            "type": "ir.actions.act_window",
            "res_model": "mk.thread.reply.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_thread_id": self.id},
        }

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _reply(self, body, attachments=None):
        """Queue a reply (M12) to whoever wrote last; sent once, by a job keyed on it."""
        self.ensure_one()
        if not (body or "").strip():
            raise UserError(_("Write the reply before sending it."))
        recipient = next(
            (m.author_type for m in self.message_line_ids.sorted("date", reverse=True)
             if m.author_type != "SHOP"),
            "OPERATOR" if self.entity_type != "MMP_ORDER" else "CUSTOMER",
        )
        message = self.env["mk.thread.message"].sudo().create({
            "thread_id": self.id,
            "author_type": "SHOP",
            "recipient_type": recipient,
            "body": body.strip(),
            "date": fields.Datetime.now(),
            "state": "pending",
            "attachment_ids": [(6, 0, (attachments or self.env["ir.attachment"]).ids)],
        })
        message.job_id = self.env["mk.message.sync"]._enqueue_reply(message)
        return message


class MkThreadMessage(models.Model):
    _name = "mk.thread.message"
    _description = "Mirakl Message"
    _order = "date, id"
    _rec_name = "author_name"

    thread_id = fields.Many2one("mk.thread", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="thread_id.company_id", store=True)
    mirakl_message_id = fields.Char(string="Mirakl Message", readonly=True, index=True)
    author_type = fields.Selection(AUTHOR_TYPES, readonly=True)
    author_name = fields.Char(readonly=True)
    recipient_type = fields.Selection(AUTHOR_TYPES, readonly=True)
    body = fields.Text(readonly=True)
    date = fields.Datetime(readonly=True)
    attachment_ids = fields.Many2many("ir.attachment", string="Attachments", readonly=True)
    state = fields.Selection(
        [("received", "Received"), ("pending", "To send"), ("sent", "Sent"),
         ("refused", "Refused by Mirakl")],
        default="received", required=True, readonly=True,
    )
    error = fields.Text(readonly=True, help="What Mirakl answered when it refused the reply.")
    job_id = fields.Many2one("mk.job", readonly=True, ondelete="set null")
    chatter_message_id = fields.Many2one("mail.message", readonly=True, ondelete="set null")

    @api.depends("author_name", "date")
    def _compute_display_name(self):
        for message in self:
            message.display_name = "%s, %s" % (message.author_name or message.author_type or "",
                                               message.date or "")
