from odoo import fields, models


class MkThreadReplyWizard(models.TransientModel):
    _name = "mk.thread.reply.wizard"
    _description = "Reply to a Mirakl Thread"

    thread_id = fields.Many2one("mk.thread", required=True, ondelete="cascade")
    body = fields.Text(required=True)
    attachment_ids = fields.Many2many("ir.attachment", string="Attachments")

    def action_send(self):
        self.ensure_one()
        self.thread_id.mirakl_thread_id  # noqa: B018 - the caller's rules: raises if not theirs
        self.thread_id._reply(self.body, self.attachment_ids)
        return {"type": "ir.actions.act_window_close"}
