from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .. import access
from ..mirakl.offers.stock import BUFFER_PERCENT, BUFFER_UNITS

# Settings whose change changes every exported quantity of the shop.
STOCK_SETTINGS = frozenset({
    "stock_warehouse_ids", "warehouse_id", "stock_basis", "stock_buffer_kind", "stock_buffer",
    "stock_cap", "stock_api",
})


class MkInstance(models.Model):
    """The shop's stock export settings."""

    _inherit = "mk.instance"

    stock_warehouse_ids = fields.Many2many(
        "stock.warehouse", "mk_instance_stock_warehouse_rel", "instance_id", "warehouse_id",
        string="Stock Warehouses", check_company=True,
        help="The stock of these warehouses, added up, is what the shop sells. Empty: the "
             "shop's warehouse.")
    stock_basis = fields.Selection(
        [("on_hand", "On hand"), ("free", "Free to use"), ("forecast", "Forecast")],
        string="Quantity Basis", default="free", required=True,
        help="On hand: everything in stock. Free to use: on hand minus what is reserved for "
             "other orders. Forecast: on hand plus incoming minus outgoing.")
    stock_buffer_kind = fields.Selection(
        [(BUFFER_UNITS, "Units"), (BUFFER_PERCENT, "Percent")],
        string="Buffer In", default=BUFFER_UNITS, required=True)
    stock_buffer = fields.Float(
        string="Stock Buffer", default=0,
        help="Held back from the marketplace against overselling, per product.")
    stock_cap = fields.Integer(
        string="Quantity Cap", default=0,
        help="Never show more than this per offer (0: no cap).")
    stock_api = fields.Selection(
        [("STO01", "Stock file (STO01)"), ("OF01", "Offer file (OF01)")],
        string="Stock Sent With", default="STO01", required=True,
        help="Operators without the stock API take stock in the offer file (NORMAL mode, "
             "offer SKU and quantity only).")
    stock_sync_paused = fields.Boolean(
        string="Pause Stock Sync", help="Nothing is sent while paused; changes wait.")
    stock_last_full_export = fields.Datetime(readonly=True, copy=False)
    price_sync_paused = fields.Boolean(
        string="Pause Price Sync", help="Nothing is sent while paused; changes wait.")
    price_last_full_export = fields.Datetime(readonly=True, copy=False)
    offer_last_full_export = fields.Datetime(string="Offers Last Sent", readonly=True,
                                             copy=False)
    listing_create_products = fields.Boolean(
        string="Create Products",
        help="The listing import creates a product (name, barcode, price) for an offer "
             "that matches no product.")
    listing_only_new = fields.Boolean(
        string="Only New Offers", help="The listing import links new offers only and leaves "
                                        "known ones as they are.")
    listing_update_prices = fields.Boolean(
        string="Prices Into the Pricelist",
        help="The price of each newly linked offer becomes a fixed price of the shop's "
             "pricelist.")
    drift_stock_threshold = fields.Integer(
        string="Stock Drift Threshold",
        help="A quantity on Mirakl that differs from Odoo's by more than this is reported.")
    drift_auto_correct = fields.Boolean(
        string="Auto-correct Drift",
        help="Drifted rows are sent again by the next stock and price runs.")
    drift_summary = fields.Text(readonly=True, copy=False)
    drift_checked_at = fields.Datetime(string="Drift Checked On", readonly=True, copy=False)
    offer_import_ids = fields.One2many("mk.offer.import", "instance_id", string="Imports")

    @api.constrains("stock_buffer", "stock_buffer_kind", "stock_cap")
    def _check_stock_settings(self):
        for instance in self:
            if instance.stock_buffer < 0 or instance.stock_cap < 0:
                raise ValidationError(
                    _("%s: the stock buffer and the cap must not be negative.", instance.name))
            if instance.stock_buffer_kind == BUFFER_PERCENT and instance.stock_buffer > 100:
                raise ValidationError(
                    _("%s: a stock buffer in percent is at most 100.", instance.name))

    def write(self, vals):
        res = super().write(vals)
        if STOCK_SETTINGS & set(vals):
            self.env["mk.offer.binding"]._mark_instance_due(self, "stock")
        if "pricelist_id" in vals or "account_currency" in vals:
            self.env["mk.offer.binding"]._mark_instance_due(self, "price")
        return res

    def action_view_offer_imports(self):
        self.ensure_one()
        access.check_caller(self)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mirakl_connector.mk_offer_import_action")
        action["domain"] = [("instance_id", "=", self.id)]
        return action

    def action_import_listings(self):
        """Read the shop's offers from Mirakl now (queued, as the daily run)."""
        access.check_caller(self)
        for instance in self:
            connector = access.as_connector(instance, instance.company_id)
            connector.flow_ids.filtered(lambda line: line.flow == "offers")._enqueue(priority=5)
        return {
            "type": "ir.actions.client", "tag": "display_notification",
            "params": {"message": _("Listing import queued; it runs within a minute."),
                       "type": "info"},
        }

    def action_check_drift(self):
        """Compare the shop's offers on Mirakl with Odoo now (queued)."""
        access.check_caller(self)
        for instance in self:
            connector = access.as_connector(instance, instance.company_id)
            connector.flow_ids.filtered(lambda line: line.flow == "drift")._enqueue(priority=5)
        return {
            "type": "ir.actions.client", "tag": "display_notification",
            "params": {"message": _("Drift check queued; it runs within a minute."),
                       "type": "info"},
        }

    def _ensure_flows(self):
        before = self.flow_ids
        res = super()._ensure_flows()
        # the drift check is opt-in: it reads every offer back
        (self.flow_ids - before).filtered(lambda line: line.flow == "drift").enabled = False
        return res

    def _get_stock_warehouses(self):
        self.ensure_one()
        warehouses = self.stock_warehouse_ids or self.warehouse_id
        if not warehouses:
            warehouses = self.env["stock.warehouse"].sudo().search(
                [("company_id", "=", self.company_id.id)], limit=1)
        return warehouses


class MkInstanceFlow(models.Model):
    _inherit = "mk.instance.flow"

    flow = fields.Selection(
        selection_add=[("stock", "Stock"), ("prices", "Prices"), ("offers", "Listings"),
                       ("drift", "Drift check")],
        ondelete={"stock": "cascade", "prices": "cascade", "offers": "cascade",
                  "drift": "cascade"})

    @api.model
    def _flow_handlers(self):
        return dict(super()._flow_handlers(),
                    stock=("mk.offer.stock.export", "_flow_export_stock"),
                    prices=("mk.offer.price.export", "_flow_export_prices"),
                    offers=("mk.offer.listing.import", "_flow_import_listings"),
                    drift=("mk.offer.drift", "_flow_check_drift"))

    @api.model
    def _flow_intervals(self):
        # the spec recommends STO01 every 5 minutes when stock needs updating, PRI01 too
        # listings daily, so offers created in the Mirakl back office get linked
        return dict(super()._flow_intervals(), stock=5, prices=5, offers=1440, drift=360)
