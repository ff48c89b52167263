from odoo import api, models


class MkInstanceFlow(models.Model):
    _inherit = "mk.instance.flow"

    @api.model
    def _flow_handlers(self):
        handlers = super()._flow_handlers()
        handlers.update({
            "orders": ("mk.order.importer", "_flow_poll_orders"),
            "acceptance": ("mk.order.acceptance", "_flow_deadline_guard"),
        })
        return handlers
