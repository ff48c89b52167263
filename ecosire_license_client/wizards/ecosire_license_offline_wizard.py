import base64
import binascii

from odoo import _, fields, models
from odoo.exceptions import UserError


class EcosireLicenseOfflineWizard(models.TransientModel):
    """Offline activation: store a signed receipt file issued by ECOSIRE for this database."""

    _name = "ecosire.license.offline.wizard"
    _description = "Offline Licence Activation"

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    license_id = fields.Many2one(comodel_name="ecosire.license", required=True, ondelete="cascade")
    db_uuid = fields.Char(string="Database UUID", compute="_compute_binding")
    domain = fields.Char(compute="_compute_binding")
    receipt_file = fields.Binary(string="Receipt File", required=True)
    receipt_filename = fields.Char()

    # ------------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------------

    def _compute_binding(self):
        db_uuid, domain = self.env["ecosire.license"]._license_binding()
        for wizard in self:
            wizard.db_uuid = db_uuid
            wizard.domain = domain

    # ------------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------------

    def action_activate(self):
        self.ensure_one()
        self.license_id._check_license_admin()
        try:
            token = base64.b64decode(self.receipt_file).decode().strip()
        except (binascii.Error, UnicodeDecodeError, TypeError):
            raise UserError(_("The file is not an ECOSIRE activation receipt."))
        self.license_id._license_store_receipt(token)
        return {"type": "ir.actions.act_window_close"}
