from odoo import fields, models

from .. import access


class MkThreadReplyWizard(models.TransientModel):
    _name = "mk.thread.reply.wizard"
    _description = "Reply to a Mirakl Thread"

    thread_id = fields.Many2one("mk.thread", required=True, ondelete="cascade")
    body = fields.Text(required=True)
    attachment_ids = fields.Many2many("ir.attachment", string="Attachments")

    def action_send(self):
        self.ensure_one()
        access.check_caller(self.thread_id)
        self.thread_id._reply(self.body, self.attachment_ids)
        return {"type": "ir.actions.act_window_close"}
