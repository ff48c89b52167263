from datetime import timedelta

from odoo import api, fields, models

KEEP_DAYS = 90


class MkSyncLog(models.Model):
    """One line per run of one flow of one shop: what it fetched, created, updated, failed."""

    _name = "mk.sync.log"
    _description = "Mirakl Sync Log"
    _order = "date_start desc, id desc"
    _rec_name = "flow"

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    instance_id = fields.Many2one(
        "mk.instance", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="instance_id.company_id", store=True)
    flow = fields.Selection(selection="_selection_flow", required=True, readonly=True)
    job_id = fields.Many2one("mk.job", ondelete="set null", readonly=True)
    date_start = fields.Datetime(
        string="Started", required=True, readonly=True, default=fields.Datetime.now
    )
    date_end = fields.Datetime(string="Ended", readonly=True)
    duration = fields.Float(string="Duration (s)", readonly=True, digits=(16, 2))
    fetched_count = fields.Integer(string="Fetched", readonly=True)
    created_count = fields.Integer(string="Created", readonly=True)
    updated_count = fields.Integer(string="Updated", readonly=True)
    failed_count = fields.Integer(string="Failed", readonly=True)
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        default="running",
        required=True,
        readonly=True,
        index=True,
    )
    message = fields.Text(readonly=True)

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    @api.model
    def _selection_flow(self):
        return self.env["mk.instance.flow"]._selection_flow()

    def _start(self, instance, flow, job=None):
        return self.sudo().create(self._prepare_start_values(instance, flow, job))

    @api.model
    def _prepare_start_values(self, instance, flow, job):
        return {"instance_id": instance.id, "flow": flow, "job_id": job.id if job else False}

    def _add(self, fetched=0, created=0, updated=0, failed=0):
        """Count what a flow did; flows call it as they go."""
        for log in self:
            log.write(
                {
                    "fetched_count": log.fetched_count + fetched,
                    "created_count": log.created_count + created,
                    "updated_count": log.updated_count + updated,
                    "failed_count": log.failed_count + failed,
                }
            )

    def _finish(self, state=None, message=None):
        now = fields.Datetime.now()
        for log in self:
            log.write(
                {
                    "state": state or "done",
                    "date_end": now,
                    "duration": (now - log.date_start).total_seconds(),
                    "message": message if message is not None else log.message,
                }
            )

    @api.model
    def _gc(self, days=KEEP_DAYS):
        limit = fields.Datetime.now() - timedelta(days=days)
        old = self.sudo().search([("date_start", "<", limit), ("state", "!=", "running")])
        old.unlink()
        return len(old)

    def _summary(self):
        self.ensure_one()
        return {
            "fetched": self.fetched_count,
            "created": self.created_count,
            "updated": self.updated_count,
            "failed": self.failed_count,
        }
