from odoo import api, models

from ..compat import storable_product_domain
from ..mirakl.csv_files import OfferCsvWriter, StockCsvWriter
from ..mirakl.offers.stock import exported_quantity

# stock.move states whose quantity is still to come in or go out (the forecast)
OPEN_MOVE_STATES = ("waiting", "confirmed", "partially_available", "assigned")


class MkOfferStockExport(models.AbstractModel):
    """The ``stock`` flow: each offer's quantity to Mirakl (STO01, or OF01 where the
    operator has no stock API).

    Each run sends only the offers whose quantity changed since the last import Mirakl
    accepted (the bindings marked due by stock moves, settings or edits), and once a day
    every offer. Nothing is sent while the shop's last stock import is still running."""

    _name = "mk.offer.stock.export"
    _inherit = "mk.offer.export"
    _description = "Mirakl Stock Export"
    _export_kind = "stock"

    # ------------------------------------------------------------------
    # FLOW
    # ------------------------------------------------------------------

    @api.model
    def _flow_export_stock(self, instance, log):
        return self._run_export(instance, log)

    # ------------------------------------------------------------------
    # HOOKS
    # ------------------------------------------------------------------

    @api.model
    def _operation(self, instance):
        return instance.stock_api

    @api.model
    def _make_writer(self, instance):
        if instance.stock_api == "OF01":
            return OfferCsvWriter(columns=("sku", "quantity"))
        return StockCsvWriter(columns=("offer-sku", "quantity"))

    @api.model
    def _send(self, instance, client, file):
        if instance.stock_api == "OF01":
            return client.import_offers(file, import_mode="NORMAL", filename="stock.csv")
        return client.import_stock(file)

    @api.model
    def _prepare_stock_row(self, instance, sku, quantity):
        key = "sku" if instance.stock_api == "OF01" else "offer-sku"
        return {key: sku, "quantity": quantity}

    @api.model
    def _compute_rows(self, instance, full):
        rows, unchanged = self._compute_stock_rows(instance, full)
        return [(binding_id, self._prepare_stock_row(instance, sku, quantity), quantity)
                for binding_id, sku, quantity in rows], unchanged

    @api.model
    def _compute_stock_rows(self, instance, full):
        """([(binding id, offer SKU, quantity)] to send, [binding ids due but unchanged]).

        Set-based: one query for the bindings, two for the products, one or three for the
        stock, whatever the number of offers."""
        Binding = self.env["mk.offer.binding"]
        Binding.flush_model()
        self.env.cr.execute(
            """
            SELECT id, offer_sku, product_id, pack_factor, active, stock_exported,
                   stock_exported_at IS NOT NULL
              FROM mk_offer_binding
             WHERE instance_id = %s
               AND (%s OR stock_due OR (stock_exported_at IS NULL AND stock_error IS NULL))
               AND (active OR (stock_exported_at IS NOT NULL AND stock_exported <> 0))
            """,
            [instance.id, full],
        )
        bindings = self.env.cr.fetchall()
        if not bindings:
            return [], []
        Product = self.env["product.product"].sudo().with_context(active_test=False)
        product_ids = list({row[2] for row in bindings})
        storable_domain = [("id", "in", product_ids)] + storable_product_domain(self.env)
        storable = set(Product.search(storable_domain).ids)
        active = set(Product.search(storable_domain + [("active", "=", True)]).ids)
        levels = self._stock_levels(instance, list(storable))
        settings = (instance.stock_buffer_kind, instance.stock_buffer, instance.stock_cap)
        to_send, unchanged = [], []
        for binding_id, sku, product_id, pack_factor, binding_active, exported, was_exported \
                in bindings:
            if product_id not in storable:
                continue  # consumables and services have no stock to show
            quantity = exported_quantity(
                levels.get(product_id, 0.0), *settings, pack_factor=pack_factor or 1,
                sellable=binding_active and product_id in active)
            if full or not was_exported or quantity != exported:
                to_send.append((binding_id, sku, quantity))
            else:
                unchanged.append(binding_id)
        return to_send, unchanged

    @api.model
    def _stock_levels(self, instance, product_ids):
        """{product id: units} in the shop's warehouses on the shop's quantity basis."""
        if not product_ids:
            return {}
        warehouses = instance._get_stock_warehouses()
        location_ids = self.env["stock.location"].sudo().search([
            ("id", "child_of", warehouses.view_location_id.ids), ("usage", "=", "internal"),
        ]).ids
        levels = {}
        Quant = self.env["stock.quant"].sudo()
        for product, quantity, reserved in Quant._read_group(
            [("product_id", "in", product_ids), ("location_id", "in", location_ids)],
            ["product_id"], ["quantity:sum", "reserved_quantity:sum"],
        ):
            levels[product.id] = quantity - (reserved if instance.stock_basis == "free" else 0)
        if instance.stock_basis == "forecast":
            Move = self.env["stock.move"].sudo()
            base = [("product_id", "in", product_ids), ("state", "in", OPEN_MOVE_STATES)]
            for domain, sign in (
                ([("location_dest_id", "in", location_ids),
                  ("location_id", "not in", location_ids)], 1),
                ([("location_id", "in", location_ids),
                  ("location_dest_id", "not in", location_ids)], -1),
            ):
                for product, quantity in Move._read_group(base + domain, ["product_id"],
                                                          ["product_qty:sum"]):
                    levels[product.id] = levels.get(product.id, 0.0) + sign * quantity
        return levels
