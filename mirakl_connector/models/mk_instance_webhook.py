import secrets

from odoo import api, fields, models

from .. import access


class MkInstance(models.Model):
    """Webhook settings of a shop: the switch, the shared secret and the URL to give the
    operator (or relay) that forwards Mirakl events."""

    _inherit = "mk.instance"

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    webhook_enabled = fields.Boolean(
        string="Receive Webhooks",
        copy=False,
        tracking=True,
        help="Accept signed events posted to the webhook URL. Polling stays on either way: "
        "an event only makes an order or a thread be read sooner.",
    )
    webhook_secret = fields.Char(
        copy=False,
        groups="mirakl_connector.group_mirakl_manager",
        help="Shared secret of the HMAC-SHA256 signature the sender puts in "
        "X-Mirakl-Signature or X-Hub-Signature-256.",
    )
    webhook_url = fields.Char(string="Webhook URL", compute="_compute_webhook_url")
    webhook_event_count = fields.Integer(compute="_compute_webhook_event_count")

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    @api.depends_context("uid")
    def _compute_webhook_url(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "").rstrip("/")
        for instance in self:
            instance.webhook_url = (
                "%s/mirakl/webhook/%s" % (base, instance.id) if instance.id else False
            )

    def _compute_webhook_event_count(self):
        counts = dict(self.env["mk.webhook.event"]._read_group(
            [("instance_id", "in", self.ids)], ["instance_id"], ["__count"],
        ))
        for instance in self:
            instance.webhook_event_count = counts.get(instance, 0)

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_generate_webhook_secret(self):
        """A new random secret; the sender must be given it again."""
        access.check_caller(self, access.MANAGER, "write")
        for instance in self:
            instance.webhook_secret = secrets.token_hex(32)

    def action_view_webhook_events(self):
        self.ensure_one()
        access.check_caller(self)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mirakl_connector.mk_webhook_event_action"
        )
        action["domain"] = [("instance_id", "=", self.id)]
        return action
