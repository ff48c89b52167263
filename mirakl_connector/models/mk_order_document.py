import base64

from odoo import api, fields, models

from ..compat import sql_constraints


@sql_constraints(
    (
        "mk_order_document_uniq",
        "UNIQUE(instance_id, mirakl_document_id)",
        "A Mirakl order document is downloaded once per shop.",
    ),
)
class MkOrderDocument(models.Model):
    """A document the operator provides for an order (OR72: shipping label, delivery bill),
    downloaded once (OR73) and attached to the order and its deliveries."""

    _name = "mk.order.document"
    _description = "Mirakl Order Document"
    _order = "id desc"
    _rec_name = "file_name"

    instance_id = fields.Many2one("mk.instance", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="instance_id.company_id", store=True)
    mirakl_document_id = fields.Char(string="Mirakl Document ID", required=True, readonly=True)
    sale_order_id = fields.Many2one("sale.order", ondelete="cascade", index=True, readonly=True)
    type_code = fields.Char(string="Type", readonly=True)
    file_name = fields.Char(readonly=True)
    attachment_ids = fields.Many2many("ir.attachment", readonly=True)

    @api.model
    def _store(self, instance, order, item, mirakl_file):
        """Attach one downloaded document to the order and its open or done deliveries."""
        name = item.get("file_name") or mirakl_file.filename or "document"
        data = base64.b64encode(mirakl_file.content)
        targets = [order] + list(
            order.picking_ids.filtered(
                lambda picking: picking.picking_type_code == "outgoing"
                and picking.state != "cancel"
            )
        )
        attachments = self.env["ir.attachment"].sudo().create(
            [
                {
                    "name": name,
                    "datas": data,
                    "res_model": record._name,
                    "res_id": record.id,
                    "mimetype": mirakl_file.content_type or False,
                }
                for record in targets
            ]
        )
        return self.sudo().create(
            {
                "instance_id": instance.id,
                "mirakl_document_id": str(item["id"]),
                "sale_order_id": order.id,
                "type_code": item.get("type"),
                "file_name": name,
                "attachment_ids": [(6, 0, attachments.ids)],
            }
        )
