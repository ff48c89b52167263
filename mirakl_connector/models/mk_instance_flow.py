from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .. import access
from ..compat import sql_constraints


@sql_constraints(
    ("instance_flow_uniq", "UNIQUE(instance_id, flow)", "Each flow is scheduled once per shop."),
    (
        "interval_positive",
        "CHECK(interval_minutes > 0)",
        "A flow runs at least every minute, not faster.",
    ),
)
class MkInstanceFlow(models.Model):
    """When each flow of a shop runs next. The dispatcher cron reads these lines.

    A capability registers its flow from its own file: ``flow = fields.Selection(
    selection_add=[(code, label)], ondelete={code: "cascade"})`` and extends
    ``_flow_handlers()`` and ``_flow_intervals()``; nothing here lists the flows."""

    _name = "mk.instance.flow"
    _description = "Mirakl Flow Schedule"
    _order = "instance_id, id"

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    instance_id = fields.Many2one("mk.instance", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="instance_id.company_id", store=True)
    flow = fields.Selection([("account", "Shop account")], required=True, readonly=True)
    enabled = fields.Boolean(default=True)
    interval_minutes = fields.Integer(string="Every (minutes)", required=True, default=60)
    next_run = fields.Datetime(copy=False)
    last_run = fields.Datetime(readonly=True, copy=False)
    has_handler = fields.Boolean(compute="_compute_has_handler", string="Available")

    # ------------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------------

    def _compute_has_handler(self):
        handlers = self._flow_handlers()
        for line in self:
            line.has_handler = line.flow in handlers

    @api.depends("instance_id", "flow")
    def _compute_display_name(self):
        labels = self._flow_labels()
        for line in self:
            line.display_name = "%s / %s" % (line.instance_id.name or "", labels.get(line.flow, ""))

    # ------------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------------

    def action_run_now(self):
        access.check_caller(self)
        for line in self:
            if line.flow not in self._flow_handlers():
                raise UserError(
                    _("The %s flow is not available yet.", self._flow_labels()[line.flow])
                )
            line._enqueue(priority=5)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": _("Queued; the scheduler runs it within a minute."),
                "type": "info",
            },
        }

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    @api.model
    def _flow_handlers(self):
        """Flow code -> (service model, method). A sync flow registers itself by extending
        this; the method is called as ``env[model].method(instance, sync_log)``."""
        return {"account": ("mk.instance", "_flow_refresh_account")}

    @api.model
    def _flow_intervals(self):
        """Flow code -> cadence in minutes of a new shop's schedule line (else hourly)."""
        return {"account": 1440}

    @api.model
    def _flow_labels(self):
        return dict(self._fields["flow"]._description_selection(self.env))

    @api.model
    def _selection_flow(self):
        """Every registered flow, for the models that name one (sync logs)."""
        return self._fields["flow"]._description_selection(self.env)

    def _due(self, now):
        handlers = self._flow_handlers()
        return self.filtered(
            lambda line: (
                line.enabled
                and line.flow in handlers
                and (not line.next_run or line.next_run <= now)
            )
        )

    def _enqueue(self, priority=20):
        """Queue one run of this flow; a run already queued is reused, never doubled."""
        self.ensure_one()
        job = self.env["mk.job"]._enqueue(
            self.instance_id,
            "flow_%s" % self.flow,
            "mk.instance.flow",
            "_job_run_flow",
            payload={"flow_id": self.id},
            identity_key="flow:%s:%s" % (self.instance_id.id, self.flow),
            priority=priority,
            name=self.display_name,
        )
        # a Mirakl User may run a flow now without the right to edit its schedule
        self.sudo().next_run = fields.Datetime.now() + timedelta(minutes=self.interval_minutes)
        return job

    @api.model
    def _job_run_flow(self, job):
        line = self.browse(job.payload["flow_id"]).exists()
        if not line:
            return {"skipped": "flow schedule deleted"}
        model, method = self._flow_handlers()[line.flow]
        log = self.env["mk.sync.log"]._start(line.instance_id, line.flow, job)
        getattr(self.env[model], method)(line.instance_id, log)
        log._finish()
        line.last_run = log.date_start
        return log._summary()

    @api.model
    def _on_job_failure(self, job, message):
        """The run was rolled back with its log; record the failed run on its own."""
        line = self.browse((job.payload or {}).get("flow_id")).exists()
        if line:
            self.env["mk.sync.log"]._start(line.instance_id, line.flow, job)._finish(
                state="failed", message=message
            )
