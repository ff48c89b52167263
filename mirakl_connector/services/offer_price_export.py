from odoo import _, api, fields, models

from ..mirakl.csv_files import PriceCsvWriter


class MkOfferPriceExport(models.AbstractModel):
    """The ``prices`` flow: each offer's price from the shop's pricelist (PRI01).

    The price is what the pricelist gives without its dated rules; a dated rule that applies
    now and lowers the price becomes the discount price, with the rule's start and end dates,
    so Mirakl ends the promotion on time by itself. An offer selling a pack is priced per
    pack. Mirakl replaces every price of an offer with the rows sent, so each row is the
    offer's complete price."""

    _name = "mk.offer.price.export"
    _inherit = "mk.offer.export"
    _description = "Mirakl Price Export"
    _export_kind = "price"

    @api.model
    def _flow_export_prices(self, instance, log):
        if not instance.pricelist_id:
            log.message = _("The shop has no pricelist: no price is sent.")
            return self.env["mk.offer.import"]
        return self._run_export(instance, log)

    @api.model
    def _operation(self, instance):
        return "PRI01"

    @api.model
    def _make_writer(self, instance):
        return PriceCsvWriter()

    @api.model
    def _send(self, instance, client, file):
        return client.import_prices(file)

    @api.model
    def _compute_rows(self, instance, full):
        Binding = self.env["mk.offer.binding"]
        Binding.flush_model()
        self.env.cr.execute(
            """
            SELECT id, offer_sku, product_id, pack_factor, price_exported,
                   price_exported_at IS NOT NULL
              FROM mk_offer_binding
             WHERE instance_id = %s AND active
               AND (%s OR price_due OR (price_exported_at IS NULL AND price_error IS NULL))
            """,
            [instance.id, full],
        )
        bindings = self.env.cr.fetchall()
        if not bindings:
            return [], []
        products = self.env["product.product"].sudo().browse({row[2] for row in bindings})
        products = products.filtered("active")
        prices = self._product_prices(instance, products)
        rows, unchanged = [], []
        for binding_id, sku, product_id, pack_factor, exported, was_exported in bindings:
            if product_id not in prices:
                continue  # archived: its stock goes to 0, its price stays
            price, discount, start, end = prices[product_id]
            row = self._prepare_price_row(sku, price * (pack_factor or 1),
                                          discount and discount * (pack_factor or 1), start, end)
            value = "|".join(str(row.get(column) or "") for column in (
                "price", "discount-price", "discount-start-date", "discount-end-date"))
            if full or not was_exported or value != exported:
                rows.append((binding_id, row, value))
            else:
                unchanged.append(binding_id)
        return rows, unchanged

    @api.model
    def _prepare_price_row(self, sku, price, discount, start, end):
        row = {"offer-sku": sku, "price": "%.2f" % price}
        if discount:
            row.update({
                "discount-price": "%.2f" % discount,
                "discount-start-date": start and start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "discount-end-date": end and end.strftime("%Y-%m-%dT%H:%M:%SZ"),
            })
        return row

    @api.model
    def _product_prices(self, instance, products):
        """{product id: (price, discount price or None, discount start, discount end)} in
        the shop's currency, from its pricelist, for all ``products`` at once."""
        pricelist = instance.pricelist_id.sudo()
        now = fields.Datetime.now()
        regular = pricelist.with_context(mk_undated_rules=True)._compute_price_rule(
            products, 1.0, date=now)
        current = pricelist._compute_price_rule(products, 1.0, date=now)
        rules = self.env["product.pricelist.item"].sudo().browse(
            {rule_id for _price, rule_id in current.values() if rule_id})
        dated = {rule.id: rule for rule in rules if rule.date_start or rule.date_end}
        source = pricelist.currency_id
        target = self._shop_currency(instance) or source
        company = instance.company_id or self.env.company

        def convert(amount):
            if source == target:
                return source.round(amount)
            return source._convert(amount, target, company, now.date())

        result = {}
        for product in products:
            price = convert(regular[product.id][0])
            discount, rule_id = current[product.id]
            discount = convert(discount)
            rule = dated.get(rule_id)
            if rule and discount < price:
                result[product.id] = (price, discount, rule.date_start, rule.date_end)
            else:
                result[product.id] = (price, None, None, None)
        return result

    @api.model
    def _shop_currency(self, instance):
        if not instance.account_currency:
            return self.env["res.currency"]
        return self.env["res.currency"].sudo().with_context(active_test=False).search(
            [("name", "=", instance.account_currency)], limit=1)
