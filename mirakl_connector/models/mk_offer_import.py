from datetime import timedelta

from odoo import _, api, fields, models

from ..mirakl import errors
from ..mirakl.csv_files import read_error_report

# The spec's recommended status poll after each STO01/OF01/PRI01: every 5 minutes. The
# first poll comes sooner, as small files are processed within a minute.
FIRST_POLL = timedelta(minutes=1)
POLL_INTERVAL = timedelta(minutes=5)
# Mirakl import statuses -> ours (STO02, OF02, PRI02 share these words)
DONE_STATUSES = {"COMPLETE": "done", "FAILED": "failed", "CANCELLED": "failed"}

# per file: (status call, error report call, key column of the file, Mirakl's key name)
IMPORT_CALLS = {
    "STO01": ("get_stock_import", "get_stock_import_error_report", "offer-sku"),
    "OF01": ("get_offer_import", "get_offer_import_error_report", "sku"),
    "PRI01": (None, "get_price_import_error_report", "offer-sku"),
}


class MkOfferImport(models.Model):
    """One file sent to Mirakl (STO01, OF01 or PRI01) and what became of it.

    The rows sent are kept on the bindings (``stock_sent_qty`` …) with this import; when
    Mirakl reports the import complete, the rows not in its error report become the
    bindings' last exported values, the others get their error."""

    _name = "mk.offer.import"
    _description = "Mirakl Offer Import"
    _order = "id desc"

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    instance_id = fields.Many2one("mk.instance", string="Shop", required=True, readonly=True,
                                  ondelete="cascade", index=True)
    company_id = fields.Many2one(related="instance_id.company_id", store=True)
    kind = fields.Selection([("stock", "Stock"), ("price", "Prices"), ("offer", "Offers")],
                            required=True, readonly=True)
    operation = fields.Selection([("STO01", "STO01"), ("OF01", "OF01"), ("PRI01", "PRI01")],
                                 string="Mirakl Call", required=True, readonly=True)
    full = fields.Boolean(string="Full Export", readonly=True,
                          help="Every offer was sent, not only the changed ones.")
    mirakl_import_id = fields.Char(string="Mirakl Import", readonly=True, index=True, copy=False)
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        default="running", required=True, readonly=True, index=True,
    )
    mirakl_status = fields.Char(readonly=True)
    reason = fields.Text(readonly=True)
    date_sent = fields.Datetime(readonly=True, default=fields.Datetime.now)
    date_done = fields.Datetime(readonly=True)
    next_poll = fields.Datetime(readonly=True)
    line_count = fields.Integer(string="Rows Sent", readonly=True)
    lines_in_success = fields.Integer(readonly=True)
    lines_in_error = fields.Integer(readonly=True)
    attachment_id = fields.Many2one("ir.attachment", string="File", readonly=True)
    error_ids = fields.One2many("mk.offer.import.error", "import_id", string="Rows in Error",
                                readonly=True)

    # ------------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------------

    @api.depends("kind", "operation", "mirakl_import_id")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for record in self:
            record.display_name = "%s %s %s" % (kinds.get(record.kind, ""), record.operation or "",
                                                record.mirakl_import_id or "")

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    @api.model
    def _start(self, instance, kind, operation, content, line_count, full=False):
        """The record of a file about to be sent, with the file attached."""
        record = self.sudo().create({
            "instance_id": instance.id, "kind": kind, "operation": operation, "full": full,
            "line_count": line_count,
        })
        record.attachment_id = self.env["ir.attachment"].sudo().create({
            "name": "%s-%s.csv" % (operation.lower(), record.id), "raw": content,
            "res_model": self._name, "res_id": record.id, "mimetype": "text/csv",
        })
        return record

    def _sent(self, answer):
        self.write({"mirakl_import_id": str(answer["import_id"]),
                    "next_poll": fields.Datetime.now() + FIRST_POLL})

    def _send_failed(self, message):
        self.write({"state": "failed", "reason": message, "date_done": fields.Datetime.now()})
        self._bindings()._export_failed(self.kind)

    def _poll(self, client, force=False):
        """Read the status of running imports whose poll is due; finish those Mirakl is done
        with. Returns the imports still running."""
        now = fields.Datetime.now()
        for record in self.filtered(lambda r: r.state == "running" and r.mirakl_import_id):
            if not force and record.next_poll and record.next_poll > now:
                continue
            status = record._read_status(client)
            values = {"mirakl_status": status.get("status"), "next_poll": now + POLL_INTERVAL,
                      "lines_in_success": status.get("lines_in_success") or 0,
                      "lines_in_error": status.get("lines_in_error") or 0}
            state = DONE_STATUSES.get(status.get("status"))
            if state:
                values.update(state=state, date_done=now, reason=status.get("reason_status"))
            record.write(values)
            if state == "done":
                record._apply_result(client, status.get("has_error_report"))
            elif state == "failed":
                record._bindings()._export_failed(record.kind)
        return self.filtered(lambda r: r.state == "running")

    def _read_status(self, client):
        status_call = IMPORT_CALLS[self.operation][0]
        if status_call:
            return getattr(client, status_call)(self.mirakl_import_id)
        # PRI02 is a listing: the one import asked for by its id
        page = client.list_price_imports(import_id=[self.mirakl_import_id])
        found = [item for item in page.get("data") or []
                 if str(item.get("import_id")) == self.mirakl_import_id]
        return found[0] if found else {}

    def _apply_result(self, client, has_error_report):
        rows = []
        if has_error_report:
            try:
                report = getattr(client, IMPORT_CALLS[self.operation][1])(self.mirakl_import_id)
                rows = read_error_report(report.content)
            except errors.MiraklNotFoundError:
                rows = []
        key = IMPORT_CALLS[self.operation][2]
        bindings = self._bindings()
        by_sku = {binding.offer_sku: binding for binding in bindings}
        error_values = []
        for row in rows:
            sku = row.get(key) or ""
            error_values.append({
                "import_id": self.id,
                "binding_id": by_sku[sku].id if sku in by_sku else False,
                "offer_sku": sku,
                "line": _as_int(row.get("error-line")),
                "message": row.get("error-message") or _("No reason given"),
            })
        errors_created = self.env["mk.offer.import.error"].sudo().create(error_values)
        failed = errors_created.binding_id
        (bindings - failed)._export_succeeded(self.kind)
        failed._export_rejected(self.kind, errors_created)

    def _bindings(self):
        field_name = "%s_import_id" % self.kind
        return self.env["mk.offer.binding"].sudo().with_context(active_test=False).search(
            [(field_name, "in", self.ids)]
        )

    @api.model
    def _running(self, instance, kind):
        return self.sudo().search([("instance_id", "=", instance.id), ("kind", "=", kind),
                                   ("state", "=", "running")])


class MkOfferImportError(models.Model):
    """One row Mirakl refused, from the import's error report, on its binding."""

    _name = "mk.offer.import.error"
    _description = "Mirakl Offer Import Error"
    _order = "id desc"
    _rec_name = "message"

    import_id = fields.Many2one("mk.offer.import", required=True, ondelete="cascade",
                                index=True, readonly=True)
    company_id = fields.Many2one(related="import_id.company_id", store=True)
    kind = fields.Selection(related="import_id.kind", store=True)
    binding_id = fields.Many2one("mk.offer.binding", string="Offer", index=True,
                                 ondelete="cascade", readonly=True)
    product_id = fields.Many2one(related="binding_id.product_id")
    offer_sku = fields.Char(string="Offer SKU", readonly=True)
    line = fields.Integer(readonly=True)
    message = fields.Text(string="Reason", readonly=True)
    date = fields.Datetime(related="import_id.date_done")


def _as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
