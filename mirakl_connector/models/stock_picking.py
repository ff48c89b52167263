from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .. import access

SHIPMENT_STATES = [
    ("to_send", "To send"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("not_needed", "Not needed"),
]


class StockPicking(models.Model):
    """A delivery of a Mirakl order confirms its shipment on Mirakl once it is done."""

    _inherit = "stock.picking"

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    mk_instance_id = fields.Many2one(
        related="sale_id.mk_instance_id", string="Mirakl Shop", store=True, index=True
    )
    mk_order_id = fields.Char(related="sale_id.mk_order_id", string="Mirakl Order")
    mk_shipment_state = fields.Selection(
        SHIPMENT_STATES,
        string="Mirakl Shipment",
        copy=False,
        readonly=True,
        index=True,
        tracking=True,
    )
    mk_shipment_mode = fields.Selection(
        [("st01", "Multi-shipment (ST01)"), ("or24", "Whole order (OR23/OR24)")],
        string="Sent With",
        copy=False,
        readonly=True,
    )
    mk_shipment_id = fields.Char(string="Mirakl Shipment ID", copy=False, readonly=True)
    mk_shipment_date = fields.Datetime(string="Sent to Mirakl On", copy=False, readonly=True)
    mk_shipment_error = fields.Text(string="Mirakl Shipment Problem", copy=False, readonly=True)
    mk_shipment_note = fields.Char(string="Mirakl Shipment Note", copy=False, readonly=True)
    mk_sent_tracking = fields.Char(
        string="Tracking Sent",
        copy=False,
        readonly=True,
        help="The tracking number Mirakl has; a different one typed later is sent again.",
    )

    # ------------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------------

    def write(self, vals):
        res = super().write(vals)
        if "carrier_tracking_ref" in vals:
            self.sudo()._mk_tracking_changed()
        return res

    # ------------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------------

    def action_mk_send_shipment(self):
        """Send to Mirakl (again): queue the shipment of these done deliveries."""
        access.check_caller(self, access.USER, "write")
        pickings = self._mk_shippable()
        if not pickings:
            raise UserError(
                _("Only done deliveries of Mirakl orders can be sent to Mirakl.")
            )
        sent = pickings.filtered(lambda picking: picking.mk_shipment_state == "sent")
        if sent:
            raise UserError(
                _(
                    "%s is already confirmed on Mirakl. Correct the tracking number instead: "
                    "it is sent again on its own.",
                    ", ".join(sent.mapped("name")),
                )
            )
        pickings.sudo().write({"mk_shipment_state": "to_send", "mk_shipment_error": False})
        for picking in pickings:
            self.env["mk.shipment.exporter"]._enqueue_send(picking, priority=5)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": _("Queued; the scheduler sends it to Mirakl within a minute."),
                "type": "info",
            },
        }

    def action_mk_ship_whole_order(self):
        """OR24 now, for a marketplace that ships whole orders, when the seller knows the
        rest of the order will not be delivered from Odoo."""
        access.check_caller(self, access.USER, "write")
        for picking in self._mk_shippable():
            if picking.mk_shipment_state != "sent" or picking.mk_shipment_mode != "or24":
                raise UserError(
                    _("%s has not sent its tracking to Mirakl yet: send it first.", picking.name)
                )
            self.env["mk.shipment.exporter"]._enqueue_ship_whole_order(picking)
        return True

    # ------------------------------------------------------------------
    # CORE METHODS OVERRIDES
    # ------------------------------------------------------------------

    def _action_done(self):
        res = super()._action_done()
        # the warehouse user validating need not read sale orders nor the Mirakl queue
        self.sudo()._mk_shippable()._mk_queue_shipments()
        return res

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    def _mk_shippable(self):
        """Done outgoing deliveries of Mirakl orders."""
        return self.filtered(
            lambda picking: picking.state == "done"
            and picking.picking_type_code == "outgoing"
            and picking.sale_id.mk_order_id
            and picking.sale_id.mk_instance_id
        )

    def _mk_queue_shipments(self):
        exporter = self.env["mk.shipment.exporter"]
        for picking in self.filtered(lambda p: p.mk_shipment_state not in ("sent", "not_needed")):
            elsewhere = exporter._fulfilled_elsewhere(picking)
            if elsewhere:
                picking.write({"mk_shipment_state": "not_needed", "mk_shipment_note": elsewhere})
                picking.sale_id.message_post(body=elsewhere)
                continue
            problem = exporter._check_before_send(picking)
            if problem:
                picking.sudo().write({"mk_shipment_state": "failed", "mk_shipment_error": problem})
                picking.message_post(body=problem)
                exporter._schedule_failure_activity(picking, problem)
                continue
            picking.sudo().mk_shipment_state = "to_send"
            exporter._enqueue_send(picking)

    def _mk_tracking_changed(self):
        exporter = self.env["mk.shipment.exporter"]
        for picking in self._mk_shippable():
            if picking.mk_shipment_state == "sent":
                if (picking.carrier_tracking_ref or "") != (picking.mk_sent_tracking or ""):
                    exporter._enqueue_tracking_update(picking)
            elif picking.mk_shipment_state == "failed" and picking.carrier_tracking_ref:
                # a number typed after a blocked send: try again with it
                picking._mk_queue_shipments()

    @api.model
    def _mk_not_confirmed_domain(self):
        return [
            ("mk_instance_id", "!=", False),
            ("state", "=", "done"),
            ("mk_shipment_state", "in", ("to_send", "failed")),
        ]
