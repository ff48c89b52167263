"""The reference ECOSIRE licence server: activate, deactivate and validate over JSON/HTTP.

A dev/test tool (stdlib + cryptography, so it also runs inside an Odoo virtualenv). It signs
with whatever private key it is given, which is never a production key: tests generate one,
and the demo keeps its own under .local/.

    POST /api/v1/activate    {key, db_uuid, domain, offline?}  -> {receipt} | {error, message}
    POST /api/v1/deactivate  {key, receipt, db_uuid}           -> {ok} | {error, message}
    POST /api/v1/validate    {key, receipt, db_uuid}           -> {receipt} | {error, message}
    POST /_admin/issue       {customer, products, max_activations?, expires?, updates_until?}
                                                               -> {key}
    POST /_admin/revoke      {license_id}                      -> {ok}
    GET  /_admin/state                                         -> licences and activations

Errors use the client's state names: invalid_key, expired, revoked, no_activations,
not_activated, wrong_domain (a receipt presented by another database).
"""

import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ADDON = Path(__file__).resolve().parents[2] / "ecosire_license_client"
if str(ADDON) not in sys.path:
    sys.path.append(str(ADDON))

import verifier  # noqa: E402  (the addon's pure verifier, one token format for both sides)

DAY = verifier.DAY


class LicenseServerError(Exception):
    def __init__(self, code, message, status=400, **extra):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.extra = extra


class LicenseRegistry:
    """The server's state and rules, independent of HTTP."""

    def __init__(self, private_key, clock=time.time, check_interval=DAY, offline_days=365,
                 state_file=None):
        self.private_key = private_key
        self.public_key = verifier.public_key_from_b64(verifier.public_key_b64(private_key))
        self.keys = {self.public_key.kid: self.public_key}
        self.clock = clock
        self.check_interval = check_interval
        self.offline_days = offline_days
        self.state_file = Path(state_file) if state_file else None
        self.lock = threading.RLock()
        self.licenses = {}  # license id -> {"revoked": bool}
        self.activations = {}  # activation id -> {lid, db_uuid, domain, active, offline}
        self._load()

    # ------------------------------------------------------------------
    # PERSISTENCE (DEMO ONLY)
    # ------------------------------------------------------------------

    def _load(self):
        if self.state_file and self.state_file.exists():
            data = json.loads(self.state_file.read_text())
            self.licenses, self.activations = data["licenses"], data["activations"]

    def _save(self):
        if self.state_file:
            self.state_file.write_text(json.dumps(
                {"licenses": self.licenses, "activations": self.activations}, indent=1))

    # ------------------------------------------------------------------
    # VENDOR SIDE
    # ------------------------------------------------------------------

    def issue(self, customer, products, max_activations=3, expires=None, updates_until=None):
        with self.lock:
            lid = f"LIC-{uuid.uuid4().hex[:10].upper()}"
            self.licenses[lid] = {"revoked": False}
            self._save()
        return verifier.sign_token({
            "lid": lid, "customer": customer, "products": list(products),
            "max_activations": int(max_activations), "iat": int(self.clock()),
            "expires": expires, "updates_until": updates_until,
        }, self.private_key, "license")

    def revoke(self, license_id):
        with self.lock:
            self._licence_entry(license_id)["revoked"] = True
            self._save()

    def state(self):
        with self.lock:
            return {"licenses": self.licenses, "activations": self.activations,
                    "public_key": verifier.public_key_b64(self.private_key),
                    "kid": self.public_key.kid}

    # ------------------------------------------------------------------
    # CLIENT SIDE
    # ------------------------------------------------------------------

    def activate(self, key, db_uuid, domain, offline=False):
        if not db_uuid or not domain:
            raise LicenseServerError("invalid_request", "db_uuid and domain are required.")
        lic = self._usable_license(key)
        with self.lock:
            active = {aid: act for aid, act in self.activations.items()
                      if act["lid"] == lic.license_id and act["active"]}
            for aid, act in active.items():
                if (act["db_uuid"], act["domain"]) == (db_uuid, domain.lower()):
                    return self._receipt(key, aid, act)  # re-activation keeps its slot
            if len(active) >= lic.max_activations:
                raise LicenseServerError(
                    verifier.NO_ACTIVATIONS,
                    f"All {lic.max_activations} activations of this licence are in use.",
                    status=409, max_activations=lic.max_activations,
                    domains=sorted({act["domain"] for act in active.values()}),
                )
            aid = f"ACT-{uuid.uuid4().hex[:10].upper()}"
            act = {"lid": lic.license_id, "db_uuid": db_uuid, "domain": domain.lower(),
                   "active": True, "offline": bool(offline)}
            self.activations[aid] = act
            self._save()
            return self._receipt(key, aid, act)

    def deactivate(self, key, receipt, db_uuid):
        with self.lock:
            aid, act = self._activation(key, receipt, db_uuid)
            if not act["active"]:
                raise LicenseServerError(verifier.NOT_ACTIVATED, "Already deactivated.",
                                         status=404)
            act["active"] = False
            self._save()
        return {"ok": True, "activation_id": aid}

    def validate(self, key, receipt, db_uuid):
        with self.lock:
            aid, act = self._activation(key, receipt, db_uuid)
            return self._receipt(key, aid, act)

    # ------------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------------

    def _licence_entry(self, lid):
        if lid not in self.licenses:
            raise LicenseServerError("invalid_key", "Unknown licence.", status=404)
        return self.licenses[lid]

    def _parse(self, key):
        try:
            lic = verifier.parse_license(key, self.keys)
        except verifier.LicenseError as error:
            raise LicenseServerError("invalid_key", error.message)
        self._licence_entry(lic.license_id)
        return lic

    def _usable_license(self, key):
        lic = self._parse(key)
        if self.licenses[lic.license_id]["revoked"]:
            raise LicenseServerError(verifier.REVOKED, "This licence was revoked.", status=403)
        check = verifier.check_license(key, self.keys, None, self.clock())
        if check.state == verifier.EXPIRED:
            raise LicenseServerError(verifier.EXPIRED, check.message, status=403)
        return lic

    def _activation(self, key, receipt, db_uuid):
        """The activation a receipt stands for, asked for by the database it was made for."""
        lic = self._parse(key)
        try:
            rec = verifier.parse_receipt(receipt, self.keys)
        except verifier.LicenseError as error:
            raise LicenseServerError("invalid_receipt", error.message)
        act = self.activations.get(rec.activation_id)
        if act is None or act["lid"] != lic.license_id:
            raise LicenseServerError(verifier.NOT_ACTIVATED, "Unknown activation.", status=404)
        if act["db_uuid"] != db_uuid:
            # a copy of the database must not renew or free the original's activation
            raise LicenseServerError(verifier.WRONG_DOMAIN, "This activation belongs to "
                                     "another database.", status=403)
        return rec.activation_id, act

    def _receipt(self, key, aid, act):
        """A signed receipt; its status tells the client about revocation or deactivation."""
        now = int(self.clock())
        lic = verifier.parse_license(key, self.keys)
        status = "active"
        if self.licenses[lic.license_id]["revoked"]:
            status = "revoked"
        elif not act["active"]:
            status = "deactivated"
        interval = self.offline_days * DAY if act["offline"] else self.check_interval
        token = verifier.sign_token({
            "aid": aid, "lid": lic.license_id, "lic": verifier.token_hash(key),
            "db": act["db_uuid"], "domain": act["domain"], "iat": now,
            "check_by": now + interval, "status": status, "offline": act["offline"],
        }, self.private_key, "receipt")
        return {"receipt": token, "status": status}


class _Handler(BaseHTTPRequestHandler):
    registry = None  # set per server class
    routes = {
        "/api/v1/activate": lambda r, d: r.activate(
            d.get("key"), d.get("db_uuid"), d.get("domain"), bool(d.get("offline"))),
        "/api/v1/deactivate": lambda r, d: r.deactivate(
            d.get("key"), d.get("receipt"), d.get("db_uuid")),
        "/api/v1/validate": lambda r, d: r.validate(
            d.get("key"), d.get("receipt"), d.get("db_uuid")),
        "/_admin/issue": lambda r, d: {"key": r.issue(
            d.get("customer", "Demo Customer"), d.get("products") or ["mirakl_connector"],
            d.get("max_activations", 3), d.get("expires"), d.get("updates_until"))},
        "/_admin/revoke": lambda r, d: r.revoke(d.get("license_id")) or {"ok": True},
    }

    def log_message(self, format, *args):  # noqa: A002  (quiet: tests read results, not logs)
        pass

    def _reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/_admin/state":
            return self._reply(200, self.registry.state())
        self._reply(404, {"error": "not_found", "message": self.path})

    def do_POST(self):
        route = self.routes.get(self.path)
        if route is None:
            return self._reply(404, {"error": "not_found", "message": self.path})
        try:
            length = int(self.headers.get("Content-Length") or 0)
            data = json.loads(self.rfile.read(length) or b"{}")
            if not isinstance(data, dict):
                raise ValueError
        except ValueError:
            return self._reply(400, {"error": "invalid_request", "message": "JSON object expected"})
        try:
            self._reply(200, route(self.registry, data))
        except LicenseServerError as error:
            self._reply(error.status, {"error": error.code, "message": error.message,
                                       **error.extra})


def make_server(registry, host="127.0.0.1", port=0):
    handler = type("Handler", (_Handler,), {"registry": registry})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
