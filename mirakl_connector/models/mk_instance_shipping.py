import logging

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..mirakl import errors, operators
from ..mirakl.governor import CallGovernor

_logger = logging.getLogger(__name__)


class MkInstance(models.Model):
    """Shipping settings of a shop, what its platform runs (PC01), its carriers and types."""

    _inherit = "mk.instance"

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    multi_shipment_source = fields.Selection(
        [
            ("profile", "Marketplace profile"),
            ("platform", "Mirakl (PC01)"),
            ("user", "Set by hand"),
        ],
        string="Multi-shipment From",
        default="profile",
        readonly=True,
        copy=False,
        help="Where the multi-shipment setting comes from. A value set by hand is never "
        "overwritten by what Mirakl reports.",
    )
    multi_shipment_refused_at = fields.Datetime(
        string="ST01 Refused On",
        readonly=True,
        copy=False,
        help="Mirakl answered that multi-shipment is not enabled: shipments go through OR23/OR24 "
        "until multi-shipment is switched on again here.",
    )
    shipping_resend_minutes = fields.Integer(
        string="Re-send After (min)",
        default=60,
        help="The shipping flow sends again a delivery done this long ago whose order Mirakl "
        "still does not show as shipped.",
    )
    shipping_alert_hours = fields.Float(
        string="Shipping Deadline Alert (h)",
        default=24.0,
        help="Hours before Mirakl's shipping deadline at which an activity reminds the "
        "salesperson of an order not shipped yet.",
    )

    shipping_skip_centers = fields.Char(
        string="Centres Not Shipped by Us",
        help="Comma-separated Mirakl fulfilment centre codes (the order's fulfillment.center."
        "code) whose orders the operator or a 3PL ships (dropship): their deliveries are not "
        "confirmed by the connector, and the order says why.",
    )

    # what the platform runs, read with PC01 at Test Connection and daily
    platform_name = fields.Char(readonly=True, copy=False)
    platform_checked_at = fields.Datetime(string="Platform Read On", readonly=True, copy=False)
    platform_multi_shipment = fields.Boolean(readonly=True, copy=False)
    platform_multi_part_item = fields.Boolean(
        string="Multi-part Items", readonly=True, copy=False
    )
    platform_order_acceptance = fields.Char(string="Order Acceptance", readonly=True, copy=False)
    platform_returns = fields.Boolean(string="Returns Managed", readonly=True, copy=False)
    platform_tax_mode = fields.Char(string="Default Tax Mode", readonly=True, copy=False)
    platform_addresses_before_acceptance = fields.Boolean(
        string="Addresses Before Acceptance", readonly=True, copy=False
    )
    platform_edit_shipping_origin = fields.Boolean(
        string="Seller Sets Ship-from", readonly=True, copy=False
    )
    platform_own_carriers_disabled = fields.Boolean(
        string="Only Operator Carriers",
        readonly=True,
        copy=False,
        help="The operator refuses carriers it does not list (name + URL).",
    )

    carrier_ids = fields.One2many("mk.carrier", "instance_id", string="Mirakl Carriers")
    shipping_type_ids = fields.One2many("mk.shipping.type", "instance_id", string="Shipping Types")
    carrier_map_ids = fields.One2many("mk.carrier.map", "instance_id", string="Carrier Mapping")

    # ------------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------------

    @api.constrains("shipping_resend_minutes", "shipping_alert_hours")
    def _check_shipping_timings(self):
        for instance in self:
            if instance.shipping_resend_minutes < 1 or instance.shipping_alert_hours < 0:
                raise ValidationError(
                    _(
                        "Re-send at least one minute after the delivery, and alert zero or more "
                        "hours before the shipping deadline."
                    )
                )

    # ------------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------------

    def write(self, vals):
        if "multi_shipment" in vals and not self.env.context.get("mk_from_platform"):
            for instance in self:
                guessed = operators.get_profile(
                    vals.get("operator_profile", instance.operator_profile)
                )
                by_hand = vals["multi_shipment"] != guessed["multi_shipment"]
                extra = {"multi_shipment_source": "user" if by_hand else "profile"}
                if vals["multi_shipment"]:
                    extra["multi_shipment_refused_at"] = False
                super(MkInstance, instance).write(dict(vals, **extra))
            return True
        return super().write(vals)

    # ------------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------------

    def action_test_connection(self):
        result = super().action_test_connection()
        # a person's check is not held to the daily budget of SH12/SH21
        self._mk_refresh_shipping_setup(governor=CallGovernor.unlimited())
        return result

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    @api.model
    def _flow_refresh_account(self, instance, log):
        super()._flow_refresh_account(instance, log)
        instance._mk_refresh_shipping_setup()

    def _mk_refresh_shipping_setup(self, governor=None):
        """PC01, SH21 and SH12. An operator that hides one of them (404) or a call over
        its budget is noted on the shop and does not stop the others."""
        self.ensure_one()
        options = {"max_retries": 0}
        if governor is not None:
            options["governor"] = governor
        client = self._get_client(**options)
        problems = []
        steps = (
            ("PC01", client.get_platform_configuration, self._mk_apply_platform_configuration),
            ("SH21", client.list_carriers,
             lambda answer: self.env["mk.carrier"]._sync_from_mirakl(self, answer)),
            ("SH12", client.list_shipping_types,
             lambda answer: self.env["mk.shipping.type"]._sync_from_mirakl(self, answer)),
        )
        for operation, read, apply in steps:
            try:
                apply(read())
            except errors.MiraklError as error:
                _logger.info("Mirakl %s of shop %s: %s", operation, self.id, error)
                problems.append("%s: %s" % (operation, self._describe_error(error)))
        if problems:
            self.message_post(
                body=_(
                    "Some shipping settings could not be read from Mirakl: %s", "; ".join(problems)
                )
            )
        return problems

    def _mk_apply_platform_configuration(self, answer):
        self.ensure_one()
        self.sudo().with_context(mk_from_platform=True).write(
            self._prepare_platform_values(answer)
        )

    def _prepare_platform_values(self, answer):
        """PC01 -> shop values. Multi-shipment fills the profile's guess, never a value set
        by hand; a refusal of ST01 seen since stays until someone switches it on again."""
        features = answer.get("features") or {}
        workflows = features.get("order_workflows") or {}
        shipment = features.get("shipment") or {}
        returns = features.get("returns") or {}
        values = {
            "platform_name": answer.get("platform_name") or False,
            "platform_checked_at": fields.Datetime.now(),
            "platform_multi_shipment": bool(shipment.get("multi_shipment")),
            "platform_multi_part_item": bool(shipment.get("multi_part_item_shipment")),
            "platform_order_acceptance": workflows.get("order_acceptance") or False,
            "platform_returns": any(bool(value) for value in returns.values()),
            "platform_tax_mode": features.get("order_tax_mode") or False,
            "platform_addresses_before_acceptance": bool(
                workflows.get("shipping_and_billing_details_before_acceptance")
            ),
            "platform_edit_shipping_origin": bool(workflows.get("sellers_edit_shipping_origin")),
            "platform_own_carriers_disabled": bool(
                features.get("disable_seller_alternative_carrier")
            ),
        }
        if self.multi_shipment_source != "user" and "multi_shipment" in shipment:
            values.update(
                multi_shipment=bool(shipment["multi_shipment"]), multi_shipment_source="platform"
            )
        return values

    def _mk_skip_centers(self):
        self.ensure_one()
        return [code.strip() for code in (self.shipping_skip_centers or "").split(",")
                if code.strip()]

    def _mk_uses_multi_shipment(self):
        self.ensure_one()
        return self.multi_shipment and not self.multi_shipment_refused_at

    def _mk_remember_multi_shipment_refused(self, message):
        self.ensure_one()
        self.sudo().with_context(mk_from_platform=True).multi_shipment_refused_at = (
            fields.Datetime.now()
        )
        self.message_post(
            body=_(
                "Mirakl refused a multi-shipment (ST01): %s. Shipments of this shop now go "
                "through OR23/OR24; switch multi-shipment on again once the operator enables it.",
                message,
            )
        )

    def _mk_shipping_type(self, code):
        self.ensure_one()
        if not code:
            return self.env["mk.shipping.type"]
        return (
            self.env["mk.shipping.type"]
            .sudo()
            .search([("instance_id", "=", self.id), ("code", "=", code)], limit=1)
        )


class MkInstanceFlow(models.Model):
    _inherit = "mk.instance.flow"

    flow = fields.Selection(
        selection_add=[("shipping", "Shipping")], ondelete={"shipping": "cascade"}
    )

    @api.model
    def _flow_handlers(self):
        handlers = super()._flow_handlers()
        handlers["shipping"] = ("mk.shipment.exporter", "_flow_watch_shipments")
        return handlers

    @api.model
    def _flow_intervals(self):
        return dict(super()._flow_intervals(), shipping=10)
