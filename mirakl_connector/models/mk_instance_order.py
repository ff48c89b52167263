from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .. import access
from ..mirakl.orders import OrderDataError
from .mk_job import create_or_retry


class MkInstance(models.Model):
    """Order settings of a shop: what to import, how to price and tax it, how to accept it."""

    _inherit = "mk.instance"

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    order_tax_mode = fields.Selection(
        [("TAX_EXCLUDED", "Prices without tax"), ("TAX_INCLUDED", "Prices with tax")],
        default="TAX_EXCLUDED",
        required=True,
        help="Asked of Mirakl when reading orders (OR11 order_tax_mode): whether the prices it "
        "sends include the taxes.",
    )
    order_tax_source = fields.Selection(
        [
            ("product", "Odoo product taxes"),
            ("marketplace", "Marketplace taxes"),
            ("marketplace_fpos", "Marketplace taxes with fiscal position"),
        ],
        default="marketplace",
        required=True,
        help="Odoo product taxes: the product's sale taxes (through the order's fiscal position)."
        "\nMarketplace taxes: Mirakl's tax codes, mapped to Odoo taxes."
        "\nWith fiscal position: the mapped taxes, then the order's fiscal position.",
    )
    order_create_taxes = fields.Boolean(
        help="Create an Odoo tax for a Mirakl tax code that has no mapping yet.",
    )
    order_create_products = fields.Boolean(
        help="Create a product for an ordered SKU that matches nothing, instead of failing.",
    )
    order_create_company = fields.Boolean(
        string="Create Customer Companies",
        help="Put customers that order for an organisation under a company contact.",
    )
    order_poll_overlap = fields.Integer(
        string="Polling Overlap (min)",
        default=10,
        help="Each poll re-reads this many minutes before the last update seen, so an order "
        "changed while we paged is never missed.",
    )
    order_last_update = fields.Datetime(
        string="Orders Read Up To",
        copy=False,
        help="Latest Mirakl last_updated_date seen by the poll.",
    )
    order_deep_scan_days = fields.Integer(
        string="Deep Re-scan (days)",
        default=7,
        help="Once a day, every order updated in this many past days is read again.",
    )
    order_last_deep_scan = fields.Datetime(copy=False, readonly=True)
    order_auto_accept = fields.Boolean(
        string="Auto-accept Orders",
        help="Decide new orders with the acceptance rules; lines a rule cannot decide wait "
        "for the operator.",
    )
    order_alert_hours = fields.Float(
        string="Deadline Alert (h)",
        default=12.0,
        help="Hours before the acceptance deadline at which an activity reminds the operator.",
    )
    order_deadline_fallback = fields.Boolean(
        string="Deadline Fallback",
        help="Shortly before the deadline, accept the lines the stock covers and refuse the "
        "rest, rather than letting the operator refuse the whole order.",
    )
    order_fallback_hours = fields.Float(string="Fallback Before Deadline (h)", default=1.0)
    acceptance_rule_ids = fields.One2many("mk.acceptance.rule", "instance_id")
    financial_rule_ids = fields.One2many("mk.financial.rule", "instance_id")
    tax_mapping_ids = fields.One2many("mk.tax.mapping", "instance_id")
    order_count = fields.Integer(compute="_compute_order_count")

    # ------------------------------------------------------------------
    # COMPUTE / CONSTRAINTS
    # ------------------------------------------------------------------

    def _compute_order_count(self):
        counts = dict(
            self.env["sale.order"]._read_group(
                [("mk_instance_id", "in", self.ids)],
                ["mk_instance_id"],
                ["__count"],
            )
        )
        for instance in self:
            instance.order_count = counts.get(instance, 0)

    @api.constrains(
        "order_poll_overlap", "order_deep_scan_days", "order_alert_hours", "order_fallback_hours"
    )
    def _check_order_timings(self):
        for instance in self:
            if instance.order_poll_overlap < 0 or instance.order_deep_scan_days < 1:
                raise ValidationError(
                    _(
                        "The polling overlap cannot be negative and the deep re-scan covers at "
                        "least one day."
                    )
                )
            if instance.order_alert_hours < 0 or instance.order_fallback_hours < 0:
                raise ValidationError(_("Deadline alert and fallback delays cannot be negative."))

    # ------------------------------------------------------------------
    # LOOKUPS
    # ------------------------------------------------------------------

    def _get_order_pricelist(self, currency_code, order_ref):
        """The pricelist of an order in Mirakl's currency: the shop's own when it is in that
        currency, else one of the company in it, else a new one."""
        self.ensure_one()
        currency = self.env["res.currency"].with_context(active_test=False).search(
            [("name", "=", currency_code)], limit=1,
        )
        if not currency:
            raise OrderDataError(order_ref, _("unknown currency %s", currency_code))
        if not currency.active:
            raise OrderDataError(order_ref, _(
                "currency %s is not active in Odoo; activate it to import this order.",
                currency.name,
            ))
        if self.pricelist_id and self.pricelist_id.currency_id == currency:
            return self.pricelist_id
        Pricelist = self.env["product.pricelist"]
        pricelist = Pricelist.search([
            ("currency_id", "=", currency.id),
            ("company_id", "in", (False, self.company_id.id)),
        ], limit=1)
        if pricelist:
            return pricelist
        values = {
            "name": "Mirakl %s" % currency.name, "currency_id": currency.id,
            "company_id": self.company_id.id, "mk_auto_created": True,
        }
        return create_or_retry(Pricelist, values, _(
            "The %s pricelist is being created by another transaction; this import will be "
            "retried.", currency.name,
        ))

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_view_orders(self):
        self.ensure_one()
        access.check_caller(self)
        action = self.env["ir.actions.act_window"]._for_xml_id("sale.action_orders")
        action.update(
            {
                "domain": [("mk_instance_id", "=", self.id)],
                "context": {"default_mk_instance_id": self.id},
            }
        )
        return action

    def action_import_orders(self):
        self.ensure_one()
        access.check_caller(self)
        return {
            "type": "ir.actions.act_window",
            "name": _("Import Mirakl orders"),
            "res_model": "mk.order.import.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_instance_id": self.id},
        }
