"""A queue-like model gated by the mixin, registered only while a test class runs
(imported by tests.common.register_licensed_job_model, never by the addon)."""

from odoo import api, fields, models

from .common import TEST_PRODUCT


class EcosireLicenseTestJob(models.Model):
    _name = "ecosire.license.test.job"
    _inherit = ["ecosire.license.mixin"]
    _description = "Licensed Test Job"
    _license_product = TEST_PRODUCT

    name = fields.Char()
    state = fields.Selection([("pending", "Pending"), ("done", "Done")], default="pending")

    def action_send(self):
        """A UI action that writes to the marketplace: needs the licence."""
        self._check_license()
        self.state = "done"

    @api.model
    def _cron_send_pending(self):
        """A cron: without a valid licence it skips, and the pending jobs wait."""
        if not self._check_license(raise_if_invalid=False):
            return 0
        jobs = self.search([("state", "=", "pending")])
        jobs.state = "done"
        return len(jobs)
