from odoo import models

from .. import compat


class IrActionsActWindow(models.Model):
    _inherit = "ir.actions.act_window"

    def _load_records(self, data_list, update=False):
        # 17 only: our actions say view_mode="list,form" (see compat.py)
        if compat.list_view_is_tree(self.env):
            data_list = [
                dict(
                    data,
                    values=dict(
                        data["values"],
                        view_mode=compat.view_mode_to_17(data["values"]["view_mode"]),
                    ),
                )
                if compat.is_ours(data.get("xml_id")) and data["values"].get("view_mode")
                else data
                for data in data_list
            ]
        return super()._load_records(data_list, update)
