from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# Per exported kind, the SQL type of its value column (what was last sent/accepted).
EXPORT_VALUE_TYPES = {"stock": "int4", "price": "varchar", "offer": "varchar"}
# Binding fields whose change makes every export of the binding due again.
EXPORT_TRIGGER_FIELDS = frozenset({"product_id", "offer_sku", "pack_factor", "active"})


class MkOfferBinding(models.Model):
    """The binding as an exported offer: what was last sent to Mirakl and accepted.

    For each kind (``stock`` …) a binding keeps ``<kind>_exported`` (the value of the last
    import Mirakl completed without error for it), ``<kind>_sent`` and ``<kind>_import_id``
    while an import is running, ``<kind>_due`` when something changed that may change the
    value, and ``<kind>_error`` when Mirakl refused the row. State moves are set-based SQL,
    so a file of 100,000 rows costs a few queries."""

    _inherit = "mk.offer.binding"

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    pack_factor = fields.Integer(
        string="Units per Offer", default=1, required=True,
        help="How many units of the product one offer unit sells (a pack of 6: 6). The "
             "stock sent is the number of whole packs.")
    stock_due = fields.Boolean(default=True, copy=False, readonly=True,
                               help="The product's stock moved since the last export.")
    stock_exported = fields.Integer(string="Last Exported Quantity", readonly=True, copy=False)
    stock_exported_at = fields.Datetime(string="Stock Exported On", readonly=True, copy=False)
    stock_sent = fields.Integer(string="Quantity Being Sent", readonly=True, copy=False)
    stock_import_id = fields.Many2one("mk.offer.import", string="Stock Import Running",
                                      readonly=True, copy=False, ondelete="set null", index=True)
    stock_error = fields.Text(string="Stock Refused", readonly=True, copy=False,
                              help="Mirakl's reason for refusing the last stock row sent.")
    price_due = fields.Boolean(default=True, copy=False, readonly=True,
                               help="The price may have changed since the last export.")
    price_exported = fields.Char(string="Last Exported Price", readonly=True, copy=False,
                                 help="Price, discount price and discount dates last "
                                      "accepted by Mirakl.")
    price_exported_at = fields.Datetime(string="Price Exported On", readonly=True, copy=False)
    price_sent = fields.Char(string="Price Being Sent", readonly=True, copy=False)
    price_import_id = fields.Many2one("mk.offer.import", string="Price Import Running",
                                      readonly=True, copy=False, ondelete="set null", index=True)
    price_error = fields.Text(string="Price Refused", readonly=True, copy=False,
                              help="Mirakl's reason for refusing the last price row sent.")
    offer_due = fields.Boolean(default=True, copy=False, readonly=True)
    offer_exported = fields.Char(string="Last Offer Row Accepted", readonly=True, copy=False)
    offer_exported_at = fields.Datetime(string="Offer Sent On", readonly=True, copy=False)
    offer_sent = fields.Char(readonly=True, copy=False)
    offer_import_id = fields.Many2one("mk.offer.import", string="Offer Import Running",
                                      readonly=True, copy=False, ondelete="set null", index=True)
    offer_error = fields.Text(string="Offer Refused", readonly=True, copy=False,
                              help="Mirakl's reason for refusing the last offer row sent.")
    # what Mirakl shows (the listing import reads it with OF21)
    mirakl_offer_id = fields.Char(string="Mirakl Offer ID", readonly=True, copy=False)
    mirakl_state_code = fields.Char(string="Offer State", readonly=True, copy=False)
    mirakl_price = fields.Float(string="Mirakl Price", readonly=True, copy=False)
    mirakl_discount_price = fields.Float(string="Mirakl Discount Price", readonly=True,
                                         copy=False)
    mirakl_quantity = fields.Integer(string="Mirakl Quantity", readonly=True, copy=False)
    mirakl_logistic_class = fields.Char(string="Logistic Class", readonly=True, copy=False)
    mirakl_channels = fields.Char(string="Channels", readonly=True, copy=False)
    mirakl_active = fields.Boolean(string="Active on Mirakl", readonly=True, copy=False)
    mirakl_read_at = fields.Datetime(string="Read From Mirakl", readonly=True, copy=False)
    price_differs = fields.Boolean(
        readonly=True, copy=False,
        help="The price read from Mirakl is not the last price Odoo exported.")
    export_error_ids = fields.One2many("mk.offer.import.error", "binding_id",
                                       string="Rows Refused", readonly=True)

    # ------------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------------

    @api.constrains("pack_factor")
    def _check_pack_factor(self):
        for binding in self:
            if binding.pack_factor < 1:
                raise ValidationError(
                    _("Offer %s: units per offer must be at least 1.", binding.offer_sku)
                )

    # ------------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------------

    def write(self, vals):
        if EXPORT_TRIGGER_FIELDS & set(vals):
            # a fixed SKU or product, or a new pack size: send the row again
            vals = dict(vals, **{"%s_due" % kind: True for kind in EXPORT_VALUE_TYPES})
        return super().write(vals)

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    @api.model
    def _mark_export_due(self, product_ids, kinds=None):
        """Bindings of these products are due for the next export of ``kinds``."""
        if not product_ids:
            return
        kinds = kinds or tuple(EXPORT_VALUE_TYPES)
        self.flush_model(["product_id"] + ["%s_due" % kind for kind in kinds])
        sets = ", ".join("%s_due = true" % kind for kind in kinds)
        unset = " OR ".join("%s_due IS NOT TRUE" % kind for kind in kinds)
        self.env.cr.execute(
            "UPDATE mk_offer_binding SET %s WHERE product_id = ANY(%%s) AND (%s)" % (sets, unset),
            [list(product_ids)],
        )
        if self.env.cr.rowcount:
            self.invalidate_model(["%s_due" % kind for kind in kinds])

    @api.model
    def _mark_instance_due(self, instances, kind):
        self.flush_model(["%s_due" % kind])
        self.env.cr.execute(
            "UPDATE mk_offer_binding SET %s_due = true WHERE instance_id = ANY(%%s)" % kind,
            [instances.ids],
        )
        self.invalidate_model(["%s_due" % kind])

    @api.model
    def _export_sent(self, kind, offer_import, values):
        """``values`` ({binding id: value}) went out in ``offer_import``."""
        self._sql_update(
            kind,
            "%(k)s_sent = v.value, %(k)s_import_id = %%s, %(k)s_due = false",
            [offer_import.id], values,
        )

    @api.model
    def _export_settled(self, kind, ids):
        """Due rows whose value did not change: nothing to send."""
        self._sql_update(kind, "%(k)s_due = false", [], dict.fromkeys(ids, None))

    def _export_succeeded(self, kind):
        self._sql_update(
            kind,
            "%(k)s_exported = b.%(k)s_sent, %(k)s_exported_at = now() at time zone 'UTC', "
            "%(k)s_import_id = NULL, %(k)s_error = NULL",
            [], dict.fromkeys(self.ids, None),
        )

    def _export_rejected(self, kind, import_errors):
        """Refused rows keep their last accepted value and wait for a fix (any change of
        the binding or its stock makes them due again)."""
        messages = {}
        for error in import_errors:
            messages.setdefault(error.binding_id.id, []).append(error.message)
        self._sql_update(
            kind, "%(k)s_import_id = NULL, %(k)s_error = v.value", [],
            {binding_id: "\n".join(texts) for binding_id, texts in messages.items()},
            value_type="text",
        )

    def _export_failed(self, kind):
        """The whole import failed: every row is due again, for the next run."""
        self._sql_update(kind, "%(k)s_import_id = NULL, %(k)s_due = true", [],
                         dict.fromkeys(self.ids, None))

    def _sql_update(self, kind, assignments, params, values, value_type=None):
        if kind not in EXPORT_VALUE_TYPES:
            raise ValueError("unknown export kind %r" % kind)
        if not values:
            return
        self.flush_model()
        value_type = value_type or EXPORT_VALUE_TYPES[kind]
        ids = list(values)
        self.env.cr.execute(
            "UPDATE mk_offer_binding b SET %s FROM unnest(%%s::int4[], %%s::%s[]) AS v(id, value) "
            "WHERE b.id = v.id" % (assignments % {"k": kind}, value_type),
            params + [ids, [values[key] for key in ids]],
        )
        self.invalidate_model()
