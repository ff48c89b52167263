import logging
import math

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .. import access
from ..call_budget_store import MAX_WAIT_IN_TRANSACTION, DatabaseBudgetStore
from ..mirakl import errors, operators
from ..mirakl.client import MiraklClient, validate_base_url
from ..mirakl.governor import CallGovernor, governor_from_overrides, parse_limit_overrides
from ..mirakl.orders import states

_logger = logging.getLogger(__name__)


def _profile_selection():
    return [(code, profile["label"]) for code, profile in operators.OPERATOR_PROFILES.items()]


def _profile_values(code):
    """Instance field values a marketplace profile pre-fills."""
    profile = operators.get_profile(code)
    return {
        "acceptance_window_hours": profile["acceptance_window_hours"],
        "carrier_codes": ",".join(profile["carrier_codes"]),
        "invoice_upload_required": profile["invoice_upload_required"],
        "multi_shipment": profile["multi_shipment"],
    }


class MkInstance(models.Model):
    _name = "mk.instance"
    _inherit = ["ecosire.license.mixin", "mail.thread", "mail.activity.mixin"]
    _description = "Mirakl Shop"
    _order = "sequence, name, id"
    _check_company_auto = True
    _license_product = "mirakl_connector"

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    state = fields.Selection(
        [("draft", "Draft"), ("active", "Active")],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        help="Only active shops are synchronised by the scheduled flows.",
    )
    operator_profile = fields.Selection(
        selection=_profile_selection(),
        string="Marketplace",
        default=operators.GENERIC,
        required=True,
        help="Pre-fills what is known of this marketplace; every value stays editable.",
    )
    environment = fields.Selection(
        [("sandbox", "Sandbox"), ("production", "Production")],
        default="sandbox",
        required=True,
        tracking=True,
    )
    base_url = fields.Char(
        string="Base URL",
        required=True,
        tracking=True,
        help="The marketplace host, e.g. https://<operator>-prod.mirakl.net (without /api).",
    )
    api_key = fields.Char(
        string="API Key",
        copy=False,
        groups="mirakl_connector.group_mirakl_manager",
        help="The shop API key from the Mirakl back office (user menu › API key).",
    )
    shop_id = fields.Char(
        string="Shop ID",
        tracking=True,
        help="Only needed when the key gives access to several shops. "
        "Filled from Mirakl by Test Connection when left empty.",
    )
    call_limit_overrides = fields.Text(
        string="Call Limits",
        groups="mirakl_connector.group_mirakl_manager",
        help="The connector keeps each Mirakl operation under the maximum Mirakl publishes "
        "(e.g. OR11 once a minute). Relax it here, one line per operation:\n"
        "OR11 = 10/60  (10 calls per 60 seconds)\nA01 = off  (no limit)\n"
        "* = off  (no limit at all, for a sandbox that allows it)",
    )
    request_timeout = fields.Integer(
        string="Timeout (s)",
        default=30,
        required=True,
        help="How long to wait for Mirakl's answer to one call.",
    )

    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    warehouse_id = fields.Many2one("stock.warehouse", check_company=True)
    pricelist_id = fields.Many2one("product.pricelist", check_company=True)
    fiscal_position_id = fields.Many2one("account.fiscal.position", check_company=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", check_company=True)
    user_id = fields.Many2one("res.users", string="Salesperson")
    payment_term_id = fields.Many2one("account.payment.term", check_company=True)
    order_states_to_import = fields.Char(
        default=",".join(states.DEFAULT_IMPORTED),
        required=True,
        help="Comma-separated Mirakl order states to import, e.g. WAITING_ACCEPTANCE,SHIPPING.",
    )

    # pre-filled by the marketplace profile
    acceptance_window_hours = fields.Integer(
        help="Hours the marketplace leaves to accept an order before refusing it itself.",
    )
    carrier_codes = fields.Char(help="Comma-separated carrier codes the marketplace accepts.")
    invoice_upload_required = fields.Boolean(
        help="The marketplace wants the customer invoice uploaded."
    )
    multi_shipment = fields.Boolean(help="The marketplace runs Mirakl's multi-shipment API.")

    flow_ids = fields.One2many("mk.instance.flow", "instance_id", string="Flows")
    job_ids = fields.One2many("mk.job", "instance_id", string="Jobs")

    # what Mirakl said about the shop at the last Test Connection (A01)
    account_shop_name = fields.Char(string="Shop Name", readonly=True, copy=False)
    account_shop_id = fields.Char(string="Mirakl Shop ID", readonly=True, copy=False)
    account_currency = fields.Char(string="Shop Currency", readonly=True, copy=False)
    account_shop_state = fields.Char(string="Shop State", readonly=True, copy=False)
    account_checked_at = fields.Datetime(string="Last Connection Check", readonly=True, copy=False)

    job_pending_count = fields.Integer(compute="_compute_job_counts")
    job_failed_count = fields.Integer(compute="_compute_job_counts")
    last_sync_date = fields.Datetime(compute="_compute_last_sync_date")

    # ------------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------------

    def _compute_job_counts(self):
        counts = {
            (instance.id, state): count
            for instance, state, count in self.env["mk.job"]._read_group(
                [
                    ("instance_id", "in", self.ids),
                    ("state", "in", ("pending", "running", "failed")),
                ],
                ["instance_id", "state"],
                ["__count"],
            )
        }
        for instance in self:
            instance.job_pending_count = counts.get((instance.id, "pending"), 0) + counts.get(
                (instance.id, "running"), 0
            )
            instance.job_failed_count = counts.get((instance.id, "failed"), 0)

    def _compute_last_sync_date(self):
        last = dict(
            self.env["mk.sync.log"]._read_group(
                [("instance_id", "in", self.ids)],
                ["instance_id"],
                ["date_start:max"],
            )
        )
        for instance in self:
            instance.last_sync_date = last.get(instance)

    # ------------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------------

    @api.constrains("base_url")
    def _check_base_url(self):
        for instance in self:
            problem = self._base_url_problem(instance.base_url)
            if problem:
                raise ValidationError(problem)

    @api.constrains("base_url", "shop_id", "active")
    def _check_one_record_per_shop(self):
        """Two records on one Mirakl shop would import every order twice (the orders are
        unique per record). Checked across companies: the shop is the same."""
        for instance in self.filtered(lambda i: i.active and i.shop_id):
            same_id = self.sudo().with_context(active_test=True).search(
                [("id", "!=", instance.id), ("shop_id", "=", instance.shop_id)]
            )
            # stored URLs are normalised; a host name is not case-sensitive
            url = instance.base_url.lower()
            twins = [other for other in same_id if other.base_url.lower() == url]
            if twins:
                twin = twins[0]
                raise ValidationError(
                    _(
                        "Mirakl shop %(shop_id)s on %(url)s is already set up as %(other)s "
                        "(%(company)s). One Odoo shop record per Mirakl shop: each would "
                        "import every order again. Archive %(other)s first, or use it.",
                        shop_id=instance.shop_id,
                        url=instance.base_url,
                        other=twin.name,
                        company=twin.company_id.name,
                    )
                )

    @api.constrains("order_states_to_import")
    def _check_order_states_to_import(self):
        for instance in self:
            unknown = set(instance._get_order_states_to_import()) - set(states.ORDER_STATE_CODES)
            if unknown or not instance._get_order_states_to_import():
                raise ValidationError(
                    _(
                        "Unknown Mirakl order state(s) %(states)s. "
                        "Use a comma-separated list of: %(known)s.",
                        states=", ".join(sorted(unknown)) or "(none)",
                        known=", ".join(states.ORDER_STATE_CODES),
                    )
                )

    @api.constrains("call_limit_overrides")
    def _check_call_limit_overrides(self):
        for instance in self.sudo():
            try:
                parse_limit_overrides(instance.call_limit_overrides)
            except ValueError as error:
                raise ValidationError(_("Call Limits of %(shop)s: %(problem)s",
                                        shop=instance.name, problem=error)) from None

    @api.constrains("request_timeout")
    def _check_request_timeout(self):
        for instance in self:
            if not 1 <= instance.request_timeout <= 300:
                raise ValidationError(_("The timeout must be between 1 and 300 seconds."))

    # ------------------------------------------------------------------
    # ONCHANGE METHODS
    # ------------------------------------------------------------------

    @api.onchange("operator_profile")
    def _onchange_operator_profile(self):
        self.update(_profile_values(self.operator_profile))

    # ------------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [self._prepare_instance_values(vals) for vals in vals_list]
        instances = super().create(vals_list)
        instances._ensure_flows()
        instances._sync_crons()
        return instances

    def write(self, vals):
        if "base_url" in vals:
            vals = dict(vals, base_url=self._normalize_base_url(vals["base_url"]))
        if vals.get("api_key"):
            vals = dict(vals, api_key=vals["api_key"].strip())
        if vals.get("shop_id"):
            vals = dict(vals, shop_id=vals["shop_id"].strip())
        res = super().write(vals)
        if {"state", "active"} & set(vals):
            self._sync_crons()
        return res

    def unlink(self):
        res = super().unlink()
        self._sync_crons()
        return res

    def _prepare_instance_values(self, vals):
        """Profile defaults first, then what the caller gave."""
        values = dict(_profile_values(vals.get("operator_profile")), **vals)
        if values.get("base_url"):
            values["base_url"] = self._normalize_base_url(values["base_url"])
        if values.get("api_key"):
            values["api_key"] = values["api_key"].strip()  # pasted keys often end in a newline
        if values.get("shop_id"):
            values["shop_id"] = values["shop_id"].strip()
        return values

    # ------------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------------

    def action_test_connection(self):
        """A01: prove the URL and the key work, and remember what Mirakl says of the shop."""
        self.ensure_one()
        access.check_caller(self, access.MANAGER, "write")
        try:
            # A person's explicit check is not held to the daily A01 budget of the flows;
            # Mirakl still answers 429 itself if it minds, and that is reported.
            client = self._get_client(max_retries=0, governor=CallGovernor.unlimited())
            account = client.get_account()
        except ValueError as error:
            raise UserError(_("The connection settings are not usable: %s", error)) from None
        except errors.MiraklError as error:
            raise UserError(self._describe_error(error)) from None
        self.write(self._prepare_account_values(account))
        message = _(
            "Connected to %(shop)s (shop %(id)s, %(currency)s, %(state)s).",
            shop=self.account_shop_name,
            id=self.account_shop_id,
            currency=self.account_currency,
            state=self.account_shop_state,
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Mirakl connection works"),
                "message": message,
                "type": "success",
                "sticky": False,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_activate(self):
        access.check_caller(self, access.MANAGER, "write")
        for instance in self:
            instance._check_license()
            if not instance.sudo().api_key:
                raise UserError(_("Set the API key of %s before activating it.", instance.name))
        self.write({"state": "active"})
        for flow in self.flow_ids.filtered("enabled"):
            flow.next_run = fields.Datetime.now()

    def action_set_draft(self):
        access.check_caller(self, access.MANAGER, "write")
        self.write({"state": "draft"})

    def action_view_jobs(self):
        self.ensure_one()
        access.check_caller(self)
        action = self.env["ir.actions.act_window"]._for_xml_id("mirakl_connector.mk_job_action")
        action["domain"] = [("instance_id", "=", self.id)]
        action["context"] = {"default_instance_id": self.id}
        return action

    def action_view_sync_logs(self):
        self.ensure_one()
        access.check_caller(self)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mirakl_connector.mk_sync_log_action"
        )
        action["domain"] = [("instance_id", "=", self.id)]
        return action

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    @api.model
    def _cron_dispatch(self, job_limit=200):
        """The one scheduler: re-queue stuck jobs, queue the flows that are due on each
        active shop, then work through the queue. Shops without a valid licence are skipped
        and their queued jobs wait; nothing is dropped."""
        try:
            with self.env.cr.savepoint():
                self.env["mk.job"]._reap_stuck()
        except psycopg2.errors.SerializationFailure:
            _logger.info("Mirakl: a worker just finished a stuck job; reaping on the next tick")
        instances = self.search([("state", "=", "active")])
        licensed = instances.filtered(
            lambda instance: instance._check_license(raise_if_invalid=False)
        )
        for line in licensed.flow_ids._due(fields.Datetime.now()):
            line._enqueue()
        return self.env["mk.job"]._run_pending(limit=job_limit, instances=licensed)

    @api.model
    def _flow_refresh_account(self, instance, log):
        """A01, daily: notice a shop Mirakl suspended or closed, keep its name and currency.
        No in-process retry: the queue retries with backoff instead of holding a worker."""
        account = instance._get_client(max_retries=0).get_account()
        instance.write(instance._prepare_account_values(account))
        log._add(fetched=1, updated=1)
        if account.get("shop_state") not in (None, "OPEN"):
            log.message = _("Mirakl reports the shop as %s.", account["shop_state"])

    def _get_client(self, **options):
        """The Mirakl client of this shop. The key is read as superuser so that flows started
        by a Mirakl User work; the key itself never leaves this method."""
        self.ensure_one()
        instance = self.sudo()
        params = dict(
            timeout=(min(5, instance.request_timeout), instance.request_timeout),
            shop_id=instance.shop_id or None,
            governor=instance._get_call_governor(),
            # a longer Retry-After reschedules the job rather than sleeping in its transaction
            max_retry_after=MAX_WAIT_IN_TRANSACTION,
        )
        params.update(options)
        return MiraklClient(instance.base_url, instance.api_key or "", **params)

    def _get_call_governor(self):
        """This shop's call budget, kept in the database and shared by every process of it:
        workers, crons, buttons and wizards together stay under Mirakl's maximums."""
        self.ensure_one()
        return governor_from_overrides(
            self.sudo().call_limit_overrides or "",
            max_wait=MAX_WAIT_IN_TRANSACTION,
            store=DatabaseBudgetStore(self.env.registry, self.id),
        )

    def _get_order_states_to_import(self):
        self.ensure_one()
        return [
            s.strip().upper() for s in (self.order_states_to_import or "").split(",") if s.strip()
        ]

    def _get_carrier_codes(self):
        self.ensure_one()
        return [c.strip() for c in (self.carrier_codes or "").split(",") if c.strip()]

    def _prepare_account_values(self, account):
        values = {
            "account_shop_name": account.get("shop_name"),
            "account_shop_id": str(account.get("shop_id") or ""),
            "account_currency": account.get("currency_iso_code"),
            "account_shop_state": account.get("shop_state"),
            "account_checked_at": fields.Datetime.now(),
        }
        if not self.shop_id and account.get("shop_id"):
            values["shop_id"] = str(account["shop_id"])
        return values

    def _ensure_flows(self):
        """One schedule line per registered flow, with its default cadence."""
        Flow = self.env["mk.instance.flow"]
        intervals = Flow._flow_intervals()
        existing = {(flow.instance_id.id, flow.flow) for flow in self.flow_ids}
        Flow.create(
            [
                {
                    "instance_id": instance.id,
                    "flow": code,
                    "interval_minutes": intervals.get(code, 60),
                }
                for instance in self
                for code in Flow._flow_labels()
                if (instance.id, code) not in existing
            ]
        )

    @api.model
    def _sync_crons(self):
        """The scheduler runs only while at least one shop is active (crons ship inactive)."""
        wanted = bool(self.search_count([("state", "=", "active")]))
        for xml_id in self._get_cron_xml_ids():
            cron = self.env.ref(xml_id, raise_if_not_found=False)
            if cron and cron.active != wanted:
                cron.sudo().active = wanted

    @api.model
    def _get_cron_xml_ids(self):
        return ["mirakl_connector.ir_cron_mk_dispatch", "mirakl_connector.ir_cron_mk_gc"]

    @api.model
    def _cron_gc(self):
        """Daily: drop finished jobs and old sync logs so the queue stays fast."""
        self.env["mk.job"]._gc()
        self.env["mk.sync.log"]._gc()

    @api.model
    def _normalize_base_url(self, url):
        """scheme://host[:port] as the client wants it; a pasted trailing /api is dropped."""
        try:
            return validate_base_url(url)
        except ValueError:
            return (url or "").strip()  # kept as typed; _check_base_url says what is wrong

    @api.model
    def _base_url_problem(self, url):
        """Why a base URL cannot be used, or None. HTTPS only; plain HTTP only on loopback."""
        try:
            validate_base_url(url)
        except ValueError as error:
            return _(
                "The base URL is not usable: %s. Example: https://<operator>-prod.mirakl.net", error
            )
        return None

    @api.model
    def _describe_wait(self, seconds):
        """A Retry-After as a person says it: Mirakl allows some calls once a day."""
        seconds = math.ceil(seconds)
        if seconds < 120:
            return _("%s seconds", seconds)
        if seconds < 120 * 60:
            return _("%s minutes", math.ceil(seconds / 60))
        return _("%s hours", math.ceil(seconds / 3600))

    @api.model
    def _describe_error(self, error):
        """A sentence for a person, from a typed Mirakl error."""
        if isinstance(error, errors.MiraklAuthError):
            return _(
                "Mirakl refused the API key (HTTP %(status)s). Check that the key is the "
                "current one for this shop and this environment (sandbox and production keys "
                "differ).",
                status=error.status,
            )
        if isinstance(error, errors.MiraklNotFoundError):
            return _(
                "Nothing answers at this address (HTTP 404 on %(op)s). Check the base URL: it "
                "is the marketplace host, e.g. https://<operator>-prod.mirakl.net. "
                "Mirakl said: %(msg)s",
                op=error.operation or "?",
                msg=error.message or "-",
            )
        if isinstance(error, errors.MiraklRateLimitError):
            return _(
                "Mirakl is limiting the calls of this shop (HTTP 429, too many requests). "
                "Try again in %(wait)s.",
                wait=self._describe_wait(error.retry_after or 60),
            )
        if isinstance(error, errors.MiraklNetworkError):
            messages = {
                "dns": _(
                    "The host of the base URL cannot be found (DNS). "
                    "Check the spelling of the base URL."
                ),
                "timeout": _(
                    "Mirakl did not answer in time (timeout). Try again later or raise the timeout."
                ),
                "tls": _(
                    "The secure connection (TLS/SSL) failed: the server's certificate or "
                    "protocol is not accepted. Check that the base URL is the marketplace's "
                    "https address."
                ),
                "connection": _(
                    "The connection to Mirakl failed (refused or reset). Check the base URL."
                ),
                "malformed": _("Mirakl's answer could not be read (incomplete or not JSON)."),
            }
            text = messages.get(error.kind, messages["connection"])
            return "%s %s" % (text, _("Details: %s", error.message)) if error.message else text
        if isinstance(error, errors.MiraklServerError):
            return _(
                "Mirakl had a server error (HTTP %(status)s). Try again later. "
                "Mirakl said: %(msg)s",
                status=error.status,
                msg=error.message or "-",
            )
        if isinstance(error, errors.MiraklValidationError):
            return _(
                "Mirakl rejected the request (HTTP %(status)s on %(op)s): %(msg)s",
                status=error.status,
                op=error.operation or "?",
                msg=error.message or "-",
            )
        return _("The Mirakl call failed: %s", error)
