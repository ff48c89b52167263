from odoo import fields, models

from .. import compat

TRACKING_PLACEHOLDER = "<shipmenttrackingnumber>"


class DeliveryCarrier(models.Model):
    _inherit = "delivery.carrier"

    mk_tracking_url = fields.Char(
        string="Mirakl Tracking Link",
        help="Odoo 17 delivery methods have no tracking link of their own: the link sent to "
        "Mirakl for a carrier it does not know. Use <shipmenttrackingnumber> for the number.",
    )

    def _mk_tracking_link(self, number):
        """The delivery method's tracking link with the number filled in, or False."""
        self.ensure_one()
        template = self[compat.carrier_tracking_link_field(self.env)]
        if not template or not number:
            return False
        return template.replace(TRACKING_PLACEHOLDER, number)

    def _mk_get_carrier_map(self, instance):
        """This delivery method's Mirakl carrier on ``instance``: the mapping, or a new one
        matched by name or code (flagged for the user to confirm); None without any."""
        self.ensure_one()
        Map = self.env["mk.carrier.map"].sudo()
        mapping = Map.search(
            [("instance_id", "=", instance.id), ("delivery_carrier_id", "=", self.id)], limit=1
        )
        if mapping:
            return mapping
        match = self._mk_match_carrier(instance)
        if not match:
            return None
        return Map.create(
            {
                "instance_id": instance.id,
                "delivery_carrier_id": self.id,
                "mk_carrier_id": match.id,
                "auto_matched": True,
            }
        )

    def _mk_match_carrier(self, instance):
        """The shop's Mirakl carrier whose code or label is this method's name, if any."""
        name = (self.name or "").strip().lower()
        if not name:
            return self.env["mk.carrier"]
        carriers = self.env["mk.carrier"].sudo().search([("instance_id", "=", instance.id)])
        return carriers.filtered(lambda carrier: (carrier.code or "").lower() == name)[:1] or (
            carriers.filtered(lambda carrier: (carrier.label or "").strip().lower() == name)[:1]
        )
