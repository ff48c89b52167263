from odoo import api, fields, models


class MkInstanceFlow(models.Model):
    _inherit = "mk.instance.flow"

    flow = fields.Selection(
        selection_add=[("orders", "Orders"), ("acceptance", "Acceptance")],
        ondelete={"orders": "cascade", "acceptance": "cascade"},
    )

    @api.model
    def _flow_handlers(self):
        handlers = super()._flow_handlers()
        handlers.update({
            "orders": ("mk.order.importer", "_flow_poll_orders"),
            "acceptance": ("mk.order.acceptance", "_flow_deadline_guard"),
        })
        return handlers

    @api.model
    def _flow_intervals(self):
        return dict(super()._flow_intervals(), orders=5, acceptance=5)
