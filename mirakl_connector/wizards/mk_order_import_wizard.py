import re

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .. import access
from ..mirakl import errors


class MkOrderImportWizard(models.TransientModel):
    _name = "mk.order.import.wizard"
    _description = "Import Mirakl Orders"

    instance_id = fields.Many2one("mk.instance", required=True, string="Shop")
    mode = fields.Selection(
        [
            ("created", "Created between"),
            ("updated", "Updated since"),
            ("ids", "These Mirakl order ids"),
        ],
        required=True, default="updated",
    )
    date_from = fields.Datetime(default=lambda self: fields.Datetime.subtract(
        fields.Datetime.now(), days=1))
    date_to = fields.Datetime(default=fields.Datetime.now)
    order_ids = fields.Text(
        string="Mirakl Order Ids", help="One per line, or separated by commas or spaces.",
    )
    result = fields.Text(readonly=True)

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from and wizard.date_to and wizard.date_from > wizard.date_to:
                raise UserError(_("The start date must be before the end date."))

    def _get_order_ids(self):
        return [i for i in re.split(r"[\s,;]+", self.order_ids or "") if i]

    def action_import(self):
        """The person must see the shop; the import runs as the connector, which must find
        every order of the shop, also those the person's rules hide (another salesperson's),
        to update them rather than try to create them again."""
        self.ensure_one()
        access.check_caller(self.instance_id)
        self.instance_id._check_license()
        instance = access.as_connector(self.instance_id, self.instance_id.company_id)
        importer = instance.env["mk.order.importer"]
        if self.mode == "ids":
            ids = self._get_order_ids()
            if not ids:
                raise UserError(_("Give at least one Mirakl order id."))
            orders, problems = importer._import_order_ids(instance, ids)
            lines = [_("%(count)s order(s) imported: %(names)s", count=len(orders),
                       names=", ".join(orders.mapped("name")) or "-")]
            lines += problems
        else:
            if not self.date_from or (self.mode == "created" and not self.date_to):
                raise UserError(_("Give both dates.") if self.mode == "created"
                                else _("Give the date to read from."))
            if self.mode == "created":
                filters = {"start_date": self.date_from, "end_date": self.date_to}
            else:
                # as the poller reads: no end bound, so an order updated while we page
                # cannot leave the window and push an unread one off the pages; what
                # changed since is a newer version, worth importing too
                filters = {"start_update_date": self.date_from}
            try:
                seen = importer._enqueue_orders(instance, **filters)
            except errors.MiraklError as error:
                raise UserError(self.instance_id._describe_error(error)) from None
            lines = [_("%s order(s) read from Mirakl; new and changed ones are queued for "
                       "import.", len(seen))]
        self.result = "\n".join(lines)
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }
