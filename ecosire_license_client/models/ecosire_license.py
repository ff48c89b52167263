import logging
import os
import threading
import time
from datetime import datetime, timezone
from urllib.parse import urlparse

import requests
from lxml.builder import E

import odoo
from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import config

from .. import verifier

_logger = logging.getLogger(__name__)

DEFAULT_SERVER_URL = "https://license.ecosire.com"
SERVER_URL_PARAM = "ecosire_license_client.server_url"
# Server option (odoo.conf, or the upper-case environment variable) naming the demo public key;
# never read from the database.
DEMO_KEY_OPTION = "ecosire_license_demo_public_key"
TIMEOUT = 20  # seconds; one number, as Odoo 19 test runs require
# Public keys trusted while Odoo runs tests, added by tests.common.install_test_license.
TEST_KEYS = []


class EcosireLicense(models.Model):
    """A licence key and this database's activation of it.

    Only `key` and `receipt` (both signed tokens) carry authority. Every other field is either
    computed from them on each read or informational, so editing the database cannot unlock
    anything: each check verifies the signatures against the current database UUID, domain
    and time.
    """

    _name = "ecosire.license"
    _description = "ECOSIRE Licence"
    _order = "id desc"

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    key = fields.Text(string="Licence Key", required=True)
    receipt = fields.Text(string="Activation Receipt", copy=False)
    server_url = fields.Char(
        string="Licence Server", required=True, default=lambda self: self._default_server_url()
    )
    last_seen = fields.Integer(
        string="Latest Time Seen",
        copy=False,
        help="Unix time high-water mark; a clock set back before it is refused.",
    )
    last_error_state = fields.Char(copy=False)
    last_error = fields.Text(string="Last Server Answer", copy=False)
    name = fields.Char(compute="_compute_verdict")
    state = fields.Selection(selection=verifier.STATES, compute="_compute_verdict")
    state_message = fields.Text(string="Status", compute="_compute_verdict")
    is_demo = fields.Boolean(string="Demo Licence", compute="_compute_verdict")
    customer = fields.Char(compute="_compute_verdict")
    products = fields.Char(compute="_compute_verdict")
    max_activations = fields.Integer(compute="_compute_verdict")
    expires = fields.Char(compute="_compute_verdict")
    updates_until = fields.Char(compute="_compute_verdict")
    activation_id = fields.Char(compute="_compute_verdict")
    activated_domain = fields.Char(compute="_compute_verdict")
    checked_at = fields.Datetime(string="Last Confirmed", compute="_compute_verdict")
    check_by = fields.Datetime(string="Next Confirmation Due", compute="_compute_verdict")

    # ------------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------------

    @api.depends("key", "receipt", "last_seen", "last_error_state")
    def _compute_verdict(self):
        for lic in self:
            verdict = lic._verdict()
            parsed, receipt = verdict.license, verdict.receipt
            lic.name = (
                f"{'DEMO · ' if parsed.demo else ''}{parsed.customer} ({parsed.license_id})"
                if parsed else _("Unreadable licence key")
            )
            lic.state = verdict.state
            lic.state_message = verdict.message
            lic.is_demo = bool(parsed and parsed.demo)
            lic.customer = parsed.customer if parsed else False
            lic.products = ", ".join(parsed.products) if parsed else False
            lic.max_activations = parsed.max_activations if parsed else 0
            lic.expires = parsed.expires if parsed else False
            lic.updates_until = parsed.updates_until if parsed else False
            lic.activation_id = receipt.activation_id if receipt else False
            lic.activated_domain = receipt.domain if receipt else False
            lic.checked_at = _as_datetime(receipt.issued_at) if receipt else False
            lic.check_by = _as_datetime(receipt.check_by) if receipt else False

    # ------------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("key"):
                vals["key"] = vals["key"].strip()
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("key"):
            vals["key"] = vals["key"].strip()
        return super().write(vals)

    # ------------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------------

    def action_activate(self):
        """Bind this database to the key on the licence server and store the signed receipt."""
        self._check_license_admin()
        for lic in self:
            check = verifier.check_license(lic.key, self._license_keys(), None, self._license_now())
            if not check.ok:
                raise UserError(check.message)
            db_uuid, domain = self._license_binding()
            answer = lic._license_call("activate", {"key": lic.key, "db_uuid": db_uuid,
                                                    "domain": domain})
            if answer is None:
                raise UserError(_(
                    "The licence server at %(url)s cannot be reached, so the licence was not "
                    "activated. Check the address and this server's internet access, or use "
                    "offline activation with a receipt file from ECOSIRE.", url=lic.server_url))
            if answer.get("error"):
                # Kept, not raised: a raise would roll back the stored reason with it.
                lic._license_store_error(answer)
                return lic._license_notify(lic.last_error)
            lic._license_store_receipt(answer.get("receipt") or "", online=True)
        return True

    def action_deactivate(self):
        """Free this database's activation slot so the key can be used on another domain."""
        self._check_license_admin()
        db_uuid = self._license_binding()[0]
        for lic in self:
            # A copy of a database only forgets its receipt: the slot belongs to the original.
            if lic._license_receipt_db_uuid() == db_uuid:
                answer = lic._license_call("deactivate", {"key": lic.key, "receipt": lic.receipt,
                                                          "db_uuid": db_uuid})
                if answer is None:
                    raise UserError(_(
                        "The licence server at %(url)s cannot be reached, so the activation slot "
                        "could not be freed. Try again when the server is reachable.",
                        url=lic.server_url))
                if answer.get("error") and answer["error"] != "not_activated":
                    raise UserError(lic._license_server_message(answer))
            lic.write({"receipt": False, "last_error_state": False, "last_error": False})
        return True

    def action_revalidate(self):
        """Confirm the activation with the server now; an unreachable server keeps the grace."""
        self._check_license_admin()
        for lic in self:
            if not lic._license_revalidate():
                return lic._license_notify(
                    lic.last_error or _(
                        "The licence server at %(url)s could not confirm the licence: %(state)s",
                        url=lic.server_url, state=lic._verdict().message),
                    title=_("Licence not confirmed"),
                )
        return True

    def action_open_offline_wizard(self):
        self._check_license_admin()
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Offline Activation"),
            "res_model": "ecosire.license.offline.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_license_id": self.id},
        }

    @api.model
    def action_open_licences(self):
        """The Settings › Licences window (view modes differ between Odoo 17 and 18+)."""
        self._check_license_admin()
        list_mode = "tree" if "tree" in dict(self.env["ir.ui.view"]._fields["type"].selection) \
            else "list"
        return {
            "type": "ir.actions.act_window",
            "name": _("Licences"),
            "res_model": self._name,
            "view_mode": f"{list_mode},form",
            "views": [(False, list_mode), (False, "form")],
        }

    def _check_license_admin(self):
        """Buttons are callable over RPC by any logged-in user: licences are the
        administrators' (Settings), whatever the caller reaches through code."""
        if not self.env.su and not self.env.user.has_group("base.group_system"):
            raise AccessError(_("Only administrators (Settings) manage licences."))

    # ------------------------------------------------------------------
    # CORE METHODS OVERRIDES
    # ------------------------------------------------------------------

    # The list view is built here, not in XML: Odoo 17 asks for a <tree>, 18+ for a <list>.
    @api.model
    def _get_default_tree_view(self):
        return self._license_list_arch("tree")

    @api.model
    def _get_default_list_view(self):
        return self._license_list_arch("list")

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    @api.model
    def _license_verdict(self, product):
        """The verdict for `product`, verified once per cursor for the same stored tokens.

        The cache key holds everything a verdict depends on but the time, so an edit, a
        savepoint rolled back or a changed domain can never serve a stale verdict.
        """
        licences = self.sudo().search([])
        key = (product, self._license_binding(), tuple(
            (lic.id, lic.key, lic.receipt, lic.last_seen, lic.last_error_state)
            for lic in licences
        ))
        cache = self.env.cr.cache.setdefault("ecosire_license_verdicts", {})
        if key not in cache:
            verdicts = [lic._verdict(product) for lic in licences]
            covering = [v for v in verdicts if v.state != verifier.WRONG_PRODUCT]
            usable = [v for v in covering if v.ok]
            cache[key] = (usable or covering or [verifier.Verdict(
                verifier.MISSING,
                _("No licence for %s is installed. Add one in Settings › Licences.", product),
            )])[0]
        return cache[key]

    def _verdict(self, product=None):
        self.ensure_one()
        db_uuid, domain = self._license_binding()
        verdict = verifier.evaluate(
            self.key, self.receipt, self._license_keys(), product=product, db_uuid=db_uuid,
            domain=domain, now=self._license_now(), last_seen=self.last_seen,
        )
        if verdict.state == verifier.NOT_ACTIVATED and not self.receipt \
                and self.last_error_state == verifier.NO_ACTIVATIONS:
            return verifier.Verdict(verifier.NO_ACTIVATIONS, self.last_error, verdict.license)
        return verdict

    def _license_revalidate(self):
        """Ask the server to confirm the activation; store its signed answer.

        Returns False when the server could not be reached: the stored receipt stays, so the
        licence goes on through its grace period instead of failing.
        """
        self.ensure_one()
        if not self.receipt:
            return False
        self._license_touch()
        answer = self._license_call("validate", {"key": self.key, "receipt": self.receipt,
                                                 "db_uuid": self._license_binding()[0]})
        if answer is None:
            return False
        if answer.get("receipt"):
            try:
                self._license_store_receipt(answer["receipt"], online=True)
            except UserError as error:
                # A cron must not fail: keep the previous receipt and say why.
                _logger.warning("Licence %s: %s", self.name, error)
                return False
            return True
        self._license_store_error(answer)
        return False

    def _license_store_receipt(self, token, online=False):
        """Verify a receipt against this key, database and domain before storing it.

        `online`: the receipt has just come from the server, so its time is the true time and
        resets the clock mark (undoing a clock that had run ahead). An uploaded receipt may be
        old, so it can only raise the mark.
        """
        self.ensure_one()
        keys = self._license_keys()
        try:
            lic = verifier.parse_license(self.key, keys)
        except verifier.LicenseError as error:
            raise UserError(error.message)
        db_uuid, domain = self._license_binding()
        verdict = verifier.check_receipt(lic, token, keys, db_uuid, domain)
        if verdict.state != verifier.VALID:
            raise UserError(_("The activation receipt was refused: %s", verdict.message))
        self.write({
            "receipt": token.strip(),
            "last_seen": verdict.receipt.issued_at if online
            else max(self.last_seen, verdict.receipt.issued_at),
            "last_error_state": False,
            "last_error": False,
        })
        return verdict

    def _license_receipt_db_uuid(self):
        """The database the stored receipt was signed for, or None."""
        self.ensure_one()
        try:
            return verifier.parse_receipt(self.receipt, self._license_keys()).db_uuid
        except verifier.LicenseError:
            return None

    def _license_store_error(self, answer):
        self.write({
            "last_error_state": answer.get("error"),
            "last_error": self._license_server_message(answer),
        })

    def _license_touch(self):
        """Raise the clock high-water mark to now (never lower it)."""
        now = int(self._license_now())
        for lic in self:
            if now > lic.last_seen:
                lic.last_seen = now

    def _license_notify(self, message, title=None):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title or _("Licence not activated"),
                "message": message,
                "type": "danger",
                "sticky": True,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _license_server_message(self, answer):
        messages = {
            verifier.NO_ACTIVATIONS: _(
                "This licence is already active on %(count)s domains, the maximum. Deactivate "
                "it on a domain you no longer use (Settings › Licences › Deactivate), then "
                "activate it here.", count=answer.get("max_activations") or 3),
            verifier.REVOKED: _("ECOSIRE revoked this licence. Contact ECOSIRE."),
            verifier.EXPIRED: _("The licence has expired. Renew it with ECOSIRE."),
        }
        return messages.get(answer.get("error")) or _(
            "The licence server refused the request: %s", answer.get("message") or answer)

    def _license_call(self, operation, payload):
        """POST JSON to the licence server. None when it cannot be reached or answers garbage."""
        self.ensure_one()
        url = f"{self.server_url.rstrip('/')}/api/v1/{operation}"
        try:
            response = requests.post(url, json=payload, timeout=TIMEOUT)
            answer = response.json()
        except (requests.RequestException, ValueError) as error:
            _logger.warning("Licence server %s unreachable for %s: %s", url, operation, error)
            return None
        if not isinstance(answer, dict) or response.status_code >= 500:
            _logger.warning("Licence server %s answered %s to %s", url, response.status_code,
                            operation)
            return None
        return answer

    @api.model
    def _license_binding(self):
        """(database UUID, host of web.base.url): what an activation is bound to."""
        params = self.env["ir.config_parameter"].sudo()
        host = urlparse(params.get_param("web.base.url") or "").hostname or ""
        return params.get_param("database.uuid") or "", host.lower()

    @api.model
    def _license_keys(self):
        extra = []
        demo_key = config.get(DEMO_KEY_OPTION) or os.environ.get(DEMO_KEY_OPTION.upper())
        if demo_key:
            extra.append(verifier.public_key_from_b64(demo_key, demo=True))
        if _running_tests(self.env.registry):
            extra.extend(TEST_KEYS)
        return verifier.trusted_keys(extra)

    @api.model
    def _license_now(self):
        """The current Unix time; tests replace this method to move the clock."""
        return time.time()

    @api.model
    def _license_cache_clear(self):
        """Forget cached verdicts (after the clock or the server config changed)."""
        self.env.cr.cache.pop("ecosire_license_verdicts", None)

    @api.model
    def _default_server_url(self):
        return self.env["ir.config_parameter"].sudo().get_param(SERVER_URL_PARAM) \
            or DEFAULT_SERVER_URL

    @api.model
    def _license_list_arch(self, tag):
        columns = ("name", "products", "activated_domain", "expires", "state")
        return E(tag, *(E.field(name=name) for name in columns), string=self._description)

    @api.model
    def _cron_revalidate(self):
        for lic in self.search([("receipt", "!=", False)]):
            lic._license_revalidate()
            verdict = lic._verdict()
            if verdict.state != verifier.VALID:
                _logger.warning("Licence %s is %s: %s", lic.name, verdict.state, verdict.message)

    @api.model
    def _install_cron(self):
        """Create the daily re-validation cron; 17 needs numbercall=-1, 18+ has no such field."""
        values = {
            "name": "ECOSIRE licences: confirm activations",
            "model_id": self.env["ir.model"]._get_id(self._name),
            "state": "code",
            "code": "model._cron_revalidate()",
            "interval_number": 1,
            "interval_type": "days",
            "active": True,
        }
        if "numbercall" in self.env["ir.cron"]._fields:
            values["numbercall"] = -1
        self.env["ir.cron"].sudo()._load_records([{
            "xml_id": "ecosire_license_client.ecosire_license_cron_revalidate",
            "values": values,
            "noupdate": True,
        }], update=True)


def _running_tests(registry):
    # 18+ flag the module while a suite runs; 17 flags only the test thread, and its
    # HttpCase requests only through the registry's test mode.
    return bool(odoo.modules.module.current_test
                or getattr(threading.current_thread(), "testing", False)
                or getattr(registry, "in_test_mode", lambda: False)())


def _as_datetime(timestamp):
    return datetime.fromtimestamp(timestamp, timezone.utc).replace(tzinfo=None)
