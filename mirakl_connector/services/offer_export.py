from datetime import timedelta

from odoo import _, api, fields, models

from ..mirakl import errors

FULL_EXPORT_EVERY = timedelta(days=1)


class MkOfferExport(models.AbstractModel):
    """What the stock and price flows share: one file per run, only the offers whose value
    changed since the last import Mirakl accepted, every offer once a day, nothing while the
    shop's last import of that kind still runs.

    A kind (``stock``, ``price``) defines ``_export_kind``, the shop's ``<kind>_sync_paused``
    and ``<kind>_last_full_export`` fields, the binding's ``<kind>_*`` columns
    (``mk_offer_binding_export.py``) and these hooks: ``_compute_rows(instance, full)`` ->
    ([(binding id, row dict, value)], [unchanged binding ids]), ``_make_writer(instance)``,
    ``_send(instance, client, file)`` -> Mirakl's answer, ``_operation(instance)``."""

    _name = "mk.offer.export"
    _description = "Mirakl Offer Export (shared)"
    _export_kind = None

    @api.model
    def _run_export(self, instance, log):
        kind = self._export_kind
        if instance["%s_sync_paused" % kind]:
            log.message = _("This sync is paused for the shop; nothing sent.")
            return self.env["mk.offer.import"]
        client = instance._get_client()
        running = self.env["mk.offer.import"]._running(instance, kind)
        if running and running._poll(client):
            log.message = _("The last import is still running on Mirakl; the changes wait "
                            "for it.")
            return self.env["mk.offer.import"]
        last_full = instance["%s_last_full_export" % kind]
        full = not last_full or last_full <= fields.Datetime.now() - FULL_EXPORT_EVERY
        return self._export(instance, client, log, full=full)

    @api.model
    def _export(self, instance, client, log, full=False):
        """Build and send the file; returns the ``mk.offer.import`` (empty if nothing to send)."""
        kind = self._export_kind
        rows, unchanged = self._compute_rows(instance, full)
        Binding = self.env["mk.offer.binding"]
        Binding._export_settled(kind, unchanged)
        if full:
            instance.sudo()["%s_last_full_export" % kind] = fields.Datetime.now()
        if not rows:
            log.message = _("No change to send.")
            return self.env["mk.offer.import"]
        writer = self._make_writer(instance)
        with writer:
            for _binding_id, row, _value in rows:
                writer.write_row(row)
        content = writer.file.read()
        offer_import = self.env["mk.offer.import"]._start(
            instance, kind, self._operation(instance), content, len(rows), full=full)
        Binding._export_sent(kind, offer_import,
                             {binding_id: value for binding_id, _row, value in rows})
        try:
            writer.file.seek(0)
            answer = self._send(instance, client, writer.file)
        except errors.MiraklError as error:
            message = instance._describe_error(error)
            offer_import._send_failed(message)
            log._add(failed=len(rows))
            log.message = _("The file was not accepted; it is sent again at the next run. %s",
                            message)
            return offer_import
        finally:
            writer.file.close()
        offer_import._sent(answer)
        log._add(fetched=len(rows), updated=len(rows))
        return offer_import
