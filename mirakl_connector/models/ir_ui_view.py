from odoo import models

from .. import compat


class IrUiView(models.Model):
    _inherit = "ir.ui.view"

    def _load_records(self, data_list, update=False):
        # 17 only: our views are written with <list>/<chatter/> (see compat.py)
        if compat.list_view_is_tree(self.env):
            data_list = [
                dict(
                    data,
                    values=dict(data["values"], arch=compat.arch_to_17(data["values"]["arch"])),
                )
                if compat.is_ours(data.get("xml_id")) and data["values"].get("arch")
                else data
                for data in data_list
            ]
        return super()._load_records(data_list, update)
