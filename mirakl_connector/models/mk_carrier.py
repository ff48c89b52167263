from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .. import access
from ..compat import sql_constraints


@sql_constraints(
    ("mk_carrier_uniq", "UNIQUE(instance_id, code)", "A Mirakl carrier code exists once per shop."),
)
class MkCarrier(models.Model):
    """A carrier the operator knows (SH21). Its code goes into OR23/ST01; Mirakl builds the
    tracking link from its URL template."""

    _name = "mk.carrier"
    _inherit = ["mk.shop.code.mixin"]
    _description = "Mirakl Carrier"
    _mirakl_answer_key = "carriers"  # SH21
    _order = "instance_id, sequence, label, id"
    _rec_name = "label"

    instance_id = fields.Many2one("mk.instance", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="instance_id.company_id", store=True)
    code = fields.Char(required=True, readonly=True)
    label = fields.Char(readonly=True)
    standard_code = fields.Char(readonly=True)
    tracking_url = fields.Char(string="Tracking URL Template", readonly=True)
    sequence = fields.Integer(
        default=100, help="Carriers the marketplace profile approves come first."
    )
    active = fields.Boolean(
        default=True, help="Cleared when Mirakl no longer lists the carrier (never deleted)."
    )

    @api.depends("code", "label")
    def _compute_display_name(self):
        for carrier in self:
            carrier.display_name = (
                "%s (%s)" % (carrier.label, carrier.code)
                if carrier.label and carrier.label != carrier.code
                else carrier.code
            )

    @api.model
    def _prepare_mirakl_values(self, instance, item):
        code = item["code"]
        approved = instance._get_carrier_codes()
        return dict(
            super()._prepare_mirakl_values(instance, item),
            standard_code=item.get("standard_code") or False,
            tracking_url=item.get("tracking_url") or False,
            sequence=approved.index(code) + 1 if code in approved else 100,
        )


@sql_constraints(
    (
        "mk_shipping_type_uniq",
        "UNIQUE(instance_id, code)",
        "A Mirakl shipping type code exists once per shop.",
    ),
)
class MkShippingType(models.Model):
    """A shipping method of the operator (SH12): whether it needs a tracking number."""

    _name = "mk.shipping.type"
    _inherit = ["mk.shop.code.mixin"]
    _description = "Mirakl Shipping Type"
    _mirakl_answer_key = "shipping_types"  # SH12
    _order = "instance_id, label, id"
    _rec_name = "label"

    instance_id = fields.Many2one("mk.instance", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="instance_id.company_id", store=True)
    code = fields.Char(required=True, readonly=True)
    label = fields.Char(readonly=True)
    description = fields.Char(readonly=True)
    mandatory_tracking = fields.Boolean(
        readonly=True, help="Mirakl refuses to ship an order of this type without tracking number."
    )
    click_and_collect = fields.Boolean(readonly=True)
    delivery_by_operator = fields.Boolean(
        readonly=True, help="The operator delivers these orders; the shop does not ship them."
    )
    active = fields.Boolean(default=True)

    @api.model
    def _prepare_mirakl_values(self, instance, item):
        return dict(
            super()._prepare_mirakl_values(instance, item),
            description=item.get("description") or False,
            mandatory_tracking=bool(item.get("mandatory_tracking")),
            click_and_collect=bool(item.get("click_and_collect")),
            delivery_by_operator=bool(item.get("delivery_by_operator")),
        )


@sql_constraints(
    (
        "mk_carrier_map_uniq",
        "UNIQUE(instance_id, delivery_carrier_id)",
        "A delivery method maps to one Mirakl carrier per shop.",
    ),
)
class MkCarrierMap(models.Model):
    """Which Mirakl carrier an Odoo delivery method is, on one shop (the same method may be a
    different code on another marketplace)."""

    _name = "mk.carrier.map"
    _description = "Mirakl Carrier Mapping"
    _order = "instance_id, delivery_carrier_id"

    instance_id = fields.Many2one("mk.instance", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="instance_id.company_id", store=True)
    delivery_carrier_id = fields.Many2one(
        "delivery.carrier", string="Delivery Method", required=True, ondelete="cascade"
    )
    mk_carrier_id = fields.Many2one(
        "mk.carrier",
        string="Mirakl Carrier",
        ondelete="restrict",
        domain="[('instance_id', '=', instance_id)]",
        help="Empty: the carrier is sent by name with the delivery method's tracking link.",
    )
    auto_matched = fields.Boolean(
        string="To Confirm",
        help="Matched by name or code; confirm it or pick another carrier.",
    )

    @api.constrains("instance_id", "mk_carrier_id")
    def _check_same_shop(self):
        for mapping in self:
            if mapping.mk_carrier_id and mapping.mk_carrier_id.instance_id != mapping.instance_id:
                raise UserError(
                    _(
                        "Carrier %(carrier)s belongs to shop %(other)s, not %(shop)s.",
                        carrier=mapping.mk_carrier_id.display_name,
                        other=mapping.mk_carrier_id.instance_id.name,
                        shop=mapping.instance_id.name,
                    )
                )

    def write(self, vals):
        if "mk_carrier_id" in vals and "auto_matched" not in vals:
            vals = dict(vals, auto_matched=False)  # a person chose it
        return super().write(vals)

    def action_confirm_match(self):
        access.check_caller(self, access.MANAGER, "write")
        self.write({"auto_matched": False})
        return True
