from odoo import _, fields, models
from odoo.exceptions import UserError

from .. import access


class MkOfferExportWizard(models.TransientModel):
    """Send every offer of a shop in full (OF01). REPLACE asks for the number of offers it
    would delete, typed back, before anything is sent."""

    _name = "mk.offer.export.wizard"
    _description = "Send Offers to Mirakl"

    instance_id = fields.Many2one("mk.instance", required=True, ondelete="cascade")
    import_mode = fields.Selection(
        [("NORMAL", "Normal: create and update these offers"),
         ("REPLACE", "Replace: the file becomes the whole catalogue")],
        default="NORMAL", required=True)
    delete_count = fields.Integer(readonly=True, string="Offers Deleted by Replace")
    delete_preview = fields.Text(readonly=True)
    checked = fields.Boolean(readonly=True)
    confirm_count = fields.Integer(
        string="Type the Number of Offers Deleted",
        help="REPLACE deletes every offer of the shop that the file does not list.")
    result = fields.Text(readonly=True)

    def action_check_replace(self):
        """Count the offers REPLACE would delete (reads the shop's offers)."""
        self.ensure_one()
        access.check_caller(self.instance_id, access.MANAGER)
        instance = access.as_connector(self.instance_id, self.instance_id.company_id)
        service = self.env["mk.offer.offer.export"].sudo()
        rows, _unchanged = service._compute_rows(instance, True)
        deleted = service._replace_deletes(instance, instance._get_client(),
                                           [row["sku"] for _id, row, _value in rows])
        self.write({"delete_count": len(deleted), "checked": True,
                    "delete_preview": ", ".join(deleted[:50])})
        return self._reopen()

    def action_send(self):
        self.ensure_one()
        access.check_caller(self.instance_id)
        if self.import_mode == "REPLACE":
            access.check_caller(self.instance_id, access.MANAGER)
            if not self.checked:
                raise UserError(_("Count the offers REPLACE would delete first (Check)."))
            if self.confirm_count != self.delete_count:
                raise UserError(_(
                    "REPLACE would delete %s offer(s) on Mirakl. Type that number to confirm.",
                    self.delete_count))
        instance = access.as_connector(self.instance_id, self.instance_id.company_id)
        log = self.env["mk.sync.log"]._start(instance, "offers")
        offer_import = self.env["mk.offer.offer.export"].sudo().with_context(
            mk_import_mode=self.import_mode)._export(instance, instance._get_client(), log,
                                                     full=True)
        log._finish()
        self.result = log.message or _("%(count)s offer(s) sent (%(mode)s), import %(id)s.",
                                       count=offer_import.line_count, mode=self.import_mode,
                                       id=offer_import.mirakl_import_id)
        return self._reopen()

    def _reopen(self):
        return {"type": "ir.actions.act_window", "res_model": self._name, "res_id": self.id,
                "view_mode": "form", "target": "new"}
