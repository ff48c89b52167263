from odoo import _, api, fields, models


class MkOfferDrift(models.AbstractModel):
    """The ``drift`` flow and the *Check drift now* button: read the shop's offers back
    (the listing import) and compare them with what Odoo would export now.

    Reported: stock drift above the shop's threshold, price drift, orphan offers (on Mirakl
    only) and missing offers (bound in Odoo, not on Mirakl). With *Auto-correct*, each
    drifted row takes Mirakl's value as its last exported one and becomes due, so the next
    stock or price run sends just those rows through the normal delta path."""

    _name = "mk.offer.drift"
    _description = "Mirakl Offer Drift Check"

    @api.model
    def _flow_check_drift(self, instance, log):
        started = fields.Datetime.now()
        unlinked = self.env["mk.offer.listing.import"]._flow_import_listings(instance, log) or []
        Binding = self.env["mk.offer.binding"].sudo()
        bindings = Binding.search([("instance_id", "=", instance.id)])
        missing = bindings.filtered(lambda b: not b.mirakl_read_at or b.mirakl_read_at < started)
        seen = bindings - missing
        stock_drift = self._stock_drift(instance, seen)
        price_drift = self._price_drift(instance, seen)
        if instance.drift_auto_correct:
            for binding, mirakl_quantity, _odoo in stock_drift:
                binding.write({"stock_exported": mirakl_quantity})
            self._mark_due(stock_drift, "stock")
            for binding, _mirakl, _odoo in price_drift:
                binding.write({"price_exported": "%.2f|||" % binding.mirakl_price})
            self._mark_due(price_drift, "price")
        summary = _(
            "%(stock)s stock drift(s), %(price)s price drift(s), %(orphans)s offer(s) on "
            "Mirakl only, %(missing)s offer(s) in Odoo only.%(fixed)s",
            stock=len(stock_drift), price=len(price_drift), orphans=len(unlinked),
            missing=len(missing),
            fixed=_(" Drifted rows queued for re-export.") if instance.drift_auto_correct
            and (stock_drift or price_drift) else "")
        details = ["%s: Mirakl %s, Odoo %s" % (b.offer_sku, m, o)
                   for b, m, o in (stock_drift + price_drift)[:20]]
        instance.sudo().write({"drift_summary": "\n".join([summary] + details),
                               "drift_checked_at": fields.Datetime.now()})
        log.message = "\n".join(filter(None, [log.message, summary]))
        return {"stock": len(stock_drift), "price": len(price_drift), "orphans": unlinked,
                "missing": missing.mapped("offer_sku")}

    @api.model
    def _stock_drift(self, instance, bindings):
        rows, _unchanged = self.env["mk.offer.stock.export"]._compute_stock_rows(
            instance, full=True)
        expected = {binding_id: quantity for binding_id, _sku, quantity in rows}
        threshold = instance.drift_stock_threshold
        return [(b, b.mirakl_quantity, expected[b.id]) for b in bindings
                if b.id in expected and abs(b.mirakl_quantity - expected[b.id]) > threshold]

    @api.model
    def _price_drift(self, instance, bindings):
        if not instance.pricelist_id:
            return []
        products = bindings.product_id.filtered("active")
        prices = self.env["mk.offer.price.export"]._product_prices(instance, products)
        drift = []
        for binding in bindings:
            if binding.product_id.id not in prices:
                continue
            price = round(prices[binding.product_id.id][0] * (binding.pack_factor or 1), 2)
            if abs(binding.mirakl_price - price) >= 0.005:
                drift.append((binding, binding.mirakl_price, price))
        return drift

    @api.model
    def _mark_due(self, drift, kind):
        if drift:
            self.env["mk.offer.binding"].sudo().browse(
                [binding.id for binding, _m, _o in drift]).write({"%s_due" % kind: True})
