from datetime import timedelta

from odoo import _, api, fields, models

from ..compat import storable_product_domain
from ..mirakl import errors
from ..mirakl.csv_files import OfferCsvWriter, StockCsvWriter
from ..mirakl.offers.stock import exported_quantity

FULL_EXPORT_EVERY = timedelta(days=1)
# stock.move states whose quantity is still to come in or go out (the forecast)
OPEN_MOVE_STATES = ("waiting", "confirmed", "partially_available", "assigned")


class MkOfferStockExport(models.AbstractModel):
    """The ``stock`` flow: each offer's quantity to Mirakl (STO01, or OF01 where the
    operator has no stock API).

    Each run sends only the offers whose quantity changed since the last import Mirakl
    accepted (the bindings marked due by stock moves, settings or edits), and once a day
    every offer. Nothing is sent while the shop's last stock import is still running."""

    _name = "mk.offer.stock.export"
    _description = "Mirakl Stock Export"

    # ------------------------------------------------------------------
    # FLOW
    # ------------------------------------------------------------------

    @api.model
    def _flow_export_stock(self, instance, log):
        if instance.stock_sync_paused:
            log.message = _("Stock sync is paused for this shop; nothing sent.")
            return
        client = instance._get_client()
        running = self.env["mk.offer.import"]._running(instance, "stock")
        if running and running._poll(client):
            log.message = _("The last stock import is still running on Mirakl; the changes "
                            "wait for it.")
            return
        now = fields.Datetime.now()
        last_full = instance.stock_last_full_export
        full = not last_full or last_full <= now - FULL_EXPORT_EVERY
        self._export_stock(instance, client, log, full=full)

    @api.model
    def _export_stock(self, instance, client, log, full=False):
        """Build and send the file; returns the ``mk.offer.import`` (empty if nothing to send)."""
        quantities, unchanged = self._compute_stock_rows(instance, full)
        Binding = self.env["mk.offer.binding"]
        Binding._export_settled("stock", unchanged)
        if full:
            instance.sudo().stock_last_full_export = fields.Datetime.now()
        if not quantities:
            log.message = _("No stock change to send.")
            return self.env["mk.offer.import"]
        writer = self._stock_writer(instance)
        with writer:
            for _binding_id, sku, quantity in quantities:
                writer.write_row(self._prepare_stock_row(instance, sku, quantity))
        content = writer.file.read()
        offer_import = self.env["mk.offer.import"]._start(
            instance, "stock", instance.stock_api, content, len(quantities), full=full)
        Binding._export_sent("stock", offer_import,
                             {binding_id: quantity for binding_id, _sku, quantity in quantities})
        try:
            writer.file.seek(0)
            if instance.stock_api == "OF01":
                answer = client.import_offers(writer.file, import_mode="NORMAL",
                                              filename="stock.csv")
            else:
                answer = client.import_stock(writer.file)
        except errors.MiraklError as error:
            message = instance._describe_error(error)
            offer_import._send_failed(message)
            log._add(failed=len(quantities))
            log.message = _("The stock file was not accepted; it is sent again at the next "
                            "run. %s", message)
            return offer_import
        finally:
            writer.file.close()
        offer_import._sent(answer)
        log._add(fetched=len(quantities), updated=len(quantities))
        return offer_import

    # ------------------------------------------------------------------
    # ROWS
    # ------------------------------------------------------------------

    @api.model
    def _stock_writer(self, instance):
        if instance.stock_api == "OF01":
            return OfferCsvWriter(columns=("sku", "quantity"))
        return StockCsvWriter(columns=("offer-sku", "quantity"))

    @api.model
    def _prepare_stock_row(self, instance, sku, quantity):
        key = "sku" if instance.stock_api == "OF01" else "offer-sku"
        return {key: sku, "quantity": quantity}

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
