from odoo import models

from .. import compat


class IrCron(models.Model):
    _inherit = "ir.cron"

    def _load_records(self, data_list, update=False):
        # 17 only: without numbercall=-1 a cron runs once (see compat.py)
        if compat.cron_needs_numbercall(self.env):
            data_list = [
                dict(data, values=dict(data["values"], numbercall=-1))
                if compat.is_ours(data.get("xml_id")) and "numbercall" not in data["values"]
                else data
                for data in data_list
            ]
        return super()._load_records(data_list, update)
