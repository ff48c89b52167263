import json
import logging
import traceback
from datetime import timedelta

import psycopg2
from psycopg2 import errorcodes

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from .. import access, compat
from ..mirakl import errors

_logger = logging.getLogger(__name__)

JOB_STATES = [
    ("pending", "Pending"),
    ("running", "Running"),
    ("done", "Done"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
]
# Database errors that another transaction caused; trying again later is safe.
RETRYABLE_PGCODES = (
    errorcodes.SERIALIZATION_FAILURE,
    errorcodes.DEADLOCK_DETECTED,
    errorcodes.LOCK_NOT_AVAILABLE,
)
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600
STUCK_AFTER_MINUTES = 60
KEEP_DONE_DAYS = 30
MAX_ACQUIRE_CONFLICTS = 5
JOB_METHOD_PREFIX = "_job_"


class RetryableJobError(Exception):
    """Work that another transaction is doing or has just done (a lock held, a unique key
    taken after our snapshot began): the queue runs the job again later, in a new
    transaction that sees the other's work. Not a Mirakl error: Mirakl was not involved."""

    def __init__(self, message, retry_after=None):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def create_auto_key(model, index_name, columns, where):
    """The unique key of what the import creates by itself (a partial index, so records a
    person made are free): a twin created by a concurrent import fails on it, and that
    import is retried (see ``create_or_retry``). ``columns`` and ``where`` are SQL text."""
    model.env.cr.execute(SQL(
        "CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (%s) WHERE %s",
        SQL.identifier(index_name), SQL.identifier(model._table), SQL(columns), SQL(where),
    ))


def create_or_retry(model, values, message):
    """``model.create(values)`` where a unique key guards against a twin: when another
    transaction created it first (maybe after our snapshot, so our search could not see
    it), raise RetryableJobError(``message``); the retry finds the twin."""
    try:
        with model.env.cr.savepoint():
            return model.create(values)
    except psycopg2.errors.UniqueViolation:
        raise RetryableJobError(message) from None


class MkJob(models.Model):
    """The durable queue (contract 3 in docs/architecture.md).

    pending --run--> running --> done
                         |-----> pending again (retryable error, with backoff)
                         `-----> failed (permanent error, or attempts exhausted)
    pending/failed --Cancel--> cancelled;  failed/cancelled --Retry--> pending

    Only code writes jobs (users and managers read them; Retry and Cancel check the caller
    and then write as superuser): a job says which method runs, with what, for which shop.
    """

    _name = "mk.job"
    _description = "Mirakl Job"
    _order = "id desc"

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    name = fields.Char(required=True, readonly=True)
    instance_id = fields.Many2one("mk.instance", ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(
        "res.company", compute="_compute_company_id", store=True, readonly=False,
        precompute=True, index=True,
        help="The shop's company; for work of no shop, the company it was queued in.",
    )
    job_type = fields.Char(required=True, readonly=True, index=True)
    service_model = fields.Char(required=True, readonly=True)
    method_name = fields.Char(required=True, readonly=True)
    # a pending or failed order import holds the customer's name and addresses: only managers
    # read requests (a Mirakl User sees the order itself, under the order's own rules), and a
    # done import keeps no more than which order version it read (see _run)
    payload = fields.Json(string="Request", readonly=True, groups=access.MANAGER)
    payload_display = fields.Text(
        string="Request ", compute="_compute_json_display", groups=access.MANAGER
    )
    identity_key = fields.Char(readonly=True, index=True, copy=False)
    state = fields.Selection(
        JOB_STATES, default="pending", required=True, readonly=True, index=True
    )
    priority = fields.Integer(default=10, readonly=True, help="Lower runs first.")
    attempts = fields.Integer(readonly=True)
    max_attempts = fields.Integer(default=5, required=True)
    next_try = fields.Datetime(
        default=fields.Datetime.now, required=True, readonly=True, index=True
    )
    date_started = fields.Datetime(readonly=True)
    date_done = fields.Datetime(readonly=True)
    res_model = fields.Char(string="Record Model", readonly=True, index=True)
    res_id = fields.Many2oneReference(string="Record ID", model_field="res_model", readonly=True)
    response = fields.Json(string="Mirakl's Answer", readonly=True)
    response_display = fields.Text(string="Mirakl's Answer ", compute="_compute_json_display")
    error = fields.Text(readonly=True, help="What went wrong, for a person.")
    error_details = fields.Text(readonly=True, help="The technical trace, for support.")

    # ------------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------------

    @api.depends("instance_id.company_id")
    def _compute_company_id(self):
        for job in self:
            job.company_id = job.instance_id.company_id or job.company_id or self.env.company

    def _compute_json_display(self):
        for job in self:
            job.payload_display = (
                json.dumps(job.payload, indent=2, sort_keys=True, default=str)
                if job.payload
                else False
            )
            job.response_display = (
                json.dumps(job.response, indent=2, sort_keys=True, default=str)
                if job.response
                else False
            )

    # ------------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------------

    @api.constrains("method_name")
    def _check_method_name(self):
        for job in self:
            if not job.method_name.startswith(JOB_METHOD_PREFIX):
                raise ValidationError(
                    _("Job methods are named %s…, not %s.", JOB_METHOD_PREFIX, job.method_name)
                )

    def init(self):
        # At most one live job per identity key; a done or failed job never blocks a new one.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS mk_job_identity_key_live_uniq "
                "ON mk_job (identity_key) "
                "WHERE identity_key IS NOT NULL AND state IN ('pending', 'running')"
            )
        )

    # ------------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------------

    def action_retry(self):
        access.check_caller(self)
        # the caller may retry these; refreshing and re-queueing them is the connector's work
        jobs = self.sudo()
        for job in jobs:
            if job.state not in ("failed", "cancelled"):
                raise UserError(
                    _(
                        "Only failed or cancelled jobs can be retried (%s is %s).",
                        job.name,
                        job.state,
                    )
                )
            # the service may refresh what the job works on (an order read again from
            # Mirakl), so the retry does not replay what failed
            hook = (
                getattr(jobs.env[job.service_model], "_on_job_retry", None)
                if job.service_model in jobs.env
                else None
            )
            if hook:
                hook(job)
            twin = job._live_twin()
            if twin:
                raise UserError(_("%s is already queued as job %s.", job.name, twin.id))
        jobs.write(
            {
                "state": "pending",
                "attempts": 0,
                "next_try": fields.Datetime.now(),
                "error": False,
                "error_details": False,
            }
        )

    def action_cancel(self):
        access.check_caller(self)
        for job in self:
            if job.state not in ("pending", "failed"):
                raise UserError(
                    _(
                        "Only pending or failed jobs can be cancelled (%s is %s).",
                        job.name,
                        job.state,
                    )
                )
        self.sudo().write({"state": "cancelled", "date_done": fields.Datetime.now()})

    def action_open_record(self):
        self.ensure_one()
        access.check_caller(self)
        if not self.res_model or not self.res_id:
            raise UserError(_("This job concerns no particular record."))
        record = self.env[self.res_model].browse(self.res_id).exists()
        if not record:
            raise UserError(_("The record this job concerned no longer exists."))
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    # ------------------------------------------------------------------
    # QUEUE API
    # ------------------------------------------------------------------

    @api.model
    def _enqueue(
        self,
        instance,
        job_type,
        service_model,
        method,
        payload=None,
        identity_key=None,
        record=False,
        priority=10,
        max_attempts=None,
        eta=None,
        name=None,
    ):
        """Queue ``env[service_model].<method>(job)``. With the identity key of a pending or
        running job, return that job instead of queueing the same work twice."""
        if identity_key:
            twin = self._find_live(identity_key)
            if twin:
                return twin
        vals = self._prepare_job_values(
            instance,
            job_type,
            service_model,
            method,
            payload,
            identity_key,
            record,
            priority,
            max_attempts,
            eta,
            name,
        )
        if not identity_key:
            return self.sudo().create(vals).sudo(False)
        try:
            with self.env.cr.savepoint():
                return self.sudo().create(vals).sudo(False)
        except psycopg2.errors.UniqueViolation:
            # another transaction queued the same key between our lookup and our insert
            return self._find_live(identity_key)

    @api.model
    def _prepare_job_values(
        self,
        instance,
        job_type,
        service_model,
        method,
        payload,
        identity_key,
        record,
        priority,
        max_attempts,
        eta,
        name,
    ):
        vals = {
            "name": name or identity_key or job_type,
            "instance_id": instance.id if instance else False,
            "company_id": instance.company_id.id if instance else self.env.company.id,
            "job_type": job_type,
            "service_model": service_model,
            "method_name": method,
            "payload": payload or {},
            "identity_key": identity_key or False,
            "priority": priority,
            "next_try": eta or fields.Datetime.now(),
        }
        if max_attempts:
            vals["max_attempts"] = max_attempts
        if record:
            vals.update(res_model=record._name, res_id=record.id)
        return vals

    @api.model
    def _run_pending(self, limit=100, instances=None):
        """Run up to ``limit`` due jobs, each in its own savepoint; several workers share
        the queue through ``FOR UPDATE SKIP LOCKED``. With ``instances``, only their jobs
        (and jobs of no shop) run; the others wait. Returns the jobs processed."""
        processed = self.browse()
        commit = self._can_commit()
        conflicts = 0
        while len(processed) < limit:
            try:
                job = self._acquire(instances)
            except psycopg2.errors.SerializationFailure:
                # another worker changed a candidate row after our snapshot: look again
                # in a fresh transaction (everything before was committed)
                conflicts += 1
                if not commit or conflicts > MAX_ACQUIRE_CONFLICTS:
                    raise
                _logger.info("mk.job: another worker took a job first; looking again")
                self.env.cr.rollback()
                continue
            if not job:
                break
            job._run()
            processed |= job
            if commit:
                self.env.cr.commit()  # one job, one transaction: a crash loses nothing done before
        return processed

    @api.model
    def _acquire(self, instances=None):
        """Lock the next due job, skipping the ones other workers hold, and mark it running."""
        self.env.flush_all()
        where = SQL("state = 'pending' AND next_try <= %s", fields.Datetime.now())
        if instances is not None:
            where = SQL(
                "%s AND (instance_id IS NULL OR instance_id = ANY(%s))", where, list(instances.ids)
            )
        self.env.cr.execute(
            SQL(
                "SELECT id FROM mk_job WHERE %s ORDER BY priority, next_try, id "
                "LIMIT 1 FOR UPDATE SKIP LOCKED",
                where,
            ),
            log_exceptions=False,  # a serialization conflict is expected; the caller handles it
        )
        row = self.env.cr.fetchone()
        if not row:
            return self.browse()
        job = self.sudo().browse(row[0])
        job.write(
            {
                "state": "running",
                "date_started": fields.Datetime.now(),
                "attempts": job.attempts + 1,
            }
        )
        if self._can_commit():
            # 'running' becomes visible to the others; the row lock is taken again for the
            # job's own transaction, which tells the reaper this worker is alive
            self.env.cr.commit()
            self.env.cr.execute(SQL("SELECT id FROM mk_job WHERE id = %s FOR UPDATE", job.id))
        return job

    def _run(self):
        self.ensure_one()
        # the shop's company, so defaults (journals, warehouses, taxes) come from it
        job = self.with_company(self.company_id) if self.company_id else self
        try:
            service = job.env[self.service_model]
            method = (
                getattr(service, self.method_name)
                if self.method_name.startswith(JOB_METHOD_PREFIX)
                else None
            )
            if method is None:
                raise AttributeError(
                    "%s has no job method %s" % (self.service_model, self.method_name)
                )
            with self.env.cr.savepoint():
                result = method(job)
        except RetryableJobError as error:
            self._handle_failure(error, retryable=True)
        except errors.MiraklError as error:
            self._handle_failure(
                error, retryable=error.retryable, response=self._error_response(error)
            )
        except psycopg2.Error as error:
            self._handle_failure(error, retryable=error.pgcode in RETRYABLE_PGCODES)
        except Exception as error:  # noqa: BLE001 - any bug fails its own job, never the batch
            self._handle_failure(error, retryable=False)
        else:
            vals = {
                "state": "done",
                "date_done": fields.Datetime.now(),
                "response": result if isinstance(result, (dict, list)) else self.response,
                "error": False,
                "error_details": False,
            }
            kept = getattr(service, "_job_done_payload", None)
            if kept:
                vals["payload"] = kept(job)
            self.write(vals)

    def _handle_failure(self, error, retryable, response=None):
        message = self._describe(error)
        vals = {"error": message, "error_details": self._error_details(error)}
        if response is not None:
            vals["response"] = response
        if retryable and self.attempts < self.max_attempts:
            vals.update(state="pending", next_try=fields.Datetime.now() + self._backoff(error))
            _logger.info("mk.job %s (%s) will retry: %s", self.id, self.name, message)
        else:
            vals.update(state="failed", date_done=fields.Datetime.now())
            _logger.info("mk.job %s (%s) failed: %s", self.id, self.name, message)
        self.write(vals)
        if vals["state"] == "failed":
            hook = (
                getattr(self.env[self.service_model], "_on_job_failure", None)
                if self.service_model in self.env
                else None
            )
            if hook:
                hook(self, message)

    def _backoff(self, error):
        """30 s, 1 min, 2 min … capped at 1 h; never sooner than Mirakl's Retry-After."""
        seconds = min(BACKOFF_BASE_SECONDS * 2 ** max(self.attempts - 1, 0), BACKOFF_MAX_SECONDS)
        retry_after = getattr(error, "retry_after", None) or 0
        return timedelta(seconds=max(seconds, retry_after))

    @api.model
    def _describe(self, error):
        if isinstance(error, RetryableJobError):
            return error.message
        if isinstance(error, errors.MiraklError):
            return self.env["mk.instance"]._describe_error(error)
        if isinstance(error, (UserError, ValidationError)):
            return error.args[0] if error.args else str(error)
        return "%s: %s" % (type(error).__name__, error)

    @api.model
    def _error_details(self, error):
        if isinstance(error, errors.MiraklError):
            return repr(error)
        return "".join(traceback.format_exception(type(error), error, error.__traceback__))

    @api.model
    def _error_response(self, error):
        return {
            "operation": error.operation,
            "status": error.status,
            "message": error.message,
            "errors": error.errors,
        }

    @api.model
    def _reap_stuck(self, minutes=STUCK_AFTER_MINUTES):
        """Jobs left 'running' by a worker that died go back to the queue (or fail when
        they used their attempts). A live worker holds its job's row lock while it works
        (see ``_acquire``), so a job that is merely slow is skipped, never run twice."""
        limit = fields.Datetime.now() - timedelta(minutes=minutes)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM mk_job WHERE state = 'running' AND date_started < %s "
                "FOR UPDATE SKIP LOCKED",
                limit,
            ),
            log_exceptions=False,
        )
        stuck = self.sudo().browse([row[0] for row in self.env.cr.fetchall()])
        message = _("Still running after %s minutes: the worker probably stopped.", minutes)
        for job in stuck:
            if job.attempts < job.max_attempts:
                job.write({"state": "pending", "next_try": fields.Datetime.now(), "error": message})
            else:
                job.write({"state": "failed", "date_done": fields.Datetime.now(), "error": message})
        return stuck

    @api.model
    def _gc(self, days=KEEP_DONE_DAYS):
        """Forget finished work after ``days``; failed jobs stay until someone acts on them."""
        limit = fields.Datetime.now() - timedelta(days=days)
        old = self.sudo().search(
            [("state", "in", ("done", "cancelled")), ("date_done", "<", limit)]
        )
        old.unlink()
        return len(old)

    @api.model
    def _find_live(self, identity_key):
        return (
            self.sudo()
            .search(
                [("identity_key", "=", identity_key), ("state", "in", ("pending", "running"))],
                limit=1,
            )
            .sudo(False)
        )

    def _live_twin(self):
        self.ensure_one()
        if not self.identity_key:
            return self.browse()
        return self._find_live(self.identity_key) - self

    @api.model
    def _can_commit(self):
        """Commit after each job, except inside tests (their transaction is rolled back)."""
        return not compat.running_tests()
