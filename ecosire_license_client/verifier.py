"""Offline verification of ECOSIRE licence keys and activation receipts.

Pure Python on top of `cryptography` (no Odoo import), so the same code runs in the addon,
in the reference licence server and in plain pytest.

Token format (licence keys and receipts alike)::

    ECO1.<base64url(JSON payload)>.<base64url(Ed25519 signature)>

The signature covers the ASCII text ``ECO1.<base64url(JSON payload)>``. The payload names the
signing key (``kid``, the first 16 hex digits of the SHA-256 of the raw public key) and its
kind (``typ``: ``license`` or ``receipt``), so a receipt can never pass for a key or the reverse.

Licence payload: ``lid`` (licence id), ``customer``, ``products`` (list of technical names),
``max_activations``, ``iat`` (issued at, Unix seconds) and one or both of
``expires`` (ISO date: the licence stops working after that day, UTC) and ``updates_until``
(ISO date: the licence never stops, but only covers builds released on or before that day;
the build date of this client is `BUILD_DATE`).

Receipt payload: ``aid`` (activation id), ``lid``, ``lic`` (SHA-256 of the licence key text),
``db`` (database UUID), ``domain`` (host of web.base.url), ``iat`` (server time when issued),
``check_by`` (server time by which the client must validate again), ``status`` (``active``,
``revoked`` or ``deactivated``) and ``offline`` (issued for an offline activation).

Time is always passed in by the caller (``now``, Unix seconds), never read here.
"""

import base64
import binascii
import datetime
import hashlib
import json
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

PREFIX = "ECO1"
# The release date of this client: licences whose updates ended before it do not cover it.
BUILD_DATE = "2026-11-23"
# Days during which a licence stays usable after its check_by while the server cannot be reached.
GRACE_DAYS = 14
DAY = 86400
# A clock behind the latest time seen by less than this is drift or a wrong time zone, not a
# rollback; a day gained this way buys nothing against a 14-day grace or a yearly expiry.
CLOCK_SKEW = DAY

# ------------------------------------------------------------------
# STATES OF A LICENCE, AS SHOWN TO A PERSON
# ------------------------------------------------------------------

VALID = "valid"
GRACE = "grace"
EXPIRED = "expired"
WRONG_DOMAIN = "wrong_domain"
REVOKED = "revoked"
NO_ACTIVATIONS = "no_activations"
NOT_ACTIVATED = "not_activated"
OFFLINE = "offline"
TAMPERED = "tampered"
INVALID = "invalid"
MISSING = "missing"
WRONG_PRODUCT = "wrong_product"

STATES = [
    (VALID, "Valid"),
    (GRACE, "Grace period (server unreachable)"),
    (EXPIRED, "Expired"),
    (WRONG_DOMAIN, "Wrong domain or database"),
    (REVOKED, "Revoked"),
    (NO_ACTIVATIONS, "No activations left"),
    (NOT_ACTIVATED, "Not activated"),
    (OFFLINE, "Grace period over"),
    (TAMPERED, "Tampered"),
    (INVALID, "Invalid key"),
    (MISSING, "No licence"),
    (WRONG_PRODUCT, "Wrong product"),
]
USABLE_STATES = (VALID, GRACE)


class LicenseError(Exception):
    """A token that cannot be trusted; `state` is one of the states above."""

    def __init__(self, state, message):
        super().__init__(message)
        self.state = state
        self.message = message


# ------------------------------------------------------------------
# KEYS
# ------------------------------------------------------------------


@dataclass(frozen=True)
class PublicKey:
    kid: str
    raw: bytes
    demo: bool = False

    def verify(self, signature, data):
        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, data)
        except InvalidSignature:
            return False
        return True


def key_id(raw):
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_from_b64(text, demo=False):
    """A trusted key from the standard base64 of its 32 raw bytes."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ValueError("An Ed25519 public key is 32 bytes, given as standard base64.")
    return PublicKey(kid=key_id(raw), raw=raw, demo=demo)


def public_key_b64(private_key):
    raw = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


# The vendor's production keys, newest first. To rotate: add the new key here, sign new
# licences with it, and keep the old key as long as licences it signed are in use.
PRODUCTION_KEYS = (public_key_from_b64("/8ewbEL739M6m/DjHZ/bUmhB1sJCOIqQjsNLck+gcsw="),)


def trusted_keys(extra=()):
    """kid -> PublicKey: the production keys plus `extra` (demo or test keys)."""
    return {key.kid: key for key in (*PRODUCTION_KEYS, *extra)}


# ------------------------------------------------------------------
# TOKENS
# ------------------------------------------------------------------


def _b64e(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64d(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def token_hash(token):
    return hashlib.sha256(token.strip().encode()).hexdigest()


def sign_token(payload, private_key, typ):
    """Sign `payload` (a dict) with an Ed25519 private key; used by the server and the tests."""
    raw = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    body = dict(payload, typ=typ, kid=key_id(raw))
    signed = f"{PREFIX}.{_b64e(json.dumps(body, sort_keys=True).encode())}"
    return f"{signed}.{_b64e(private_key.sign(signed.encode()))}"


def decode_token(token, keys, typ):
    """Check the signature of `token` and return (payload, key). Raises LicenseError."""
    what = "licence key" if typ == "license" else "activation receipt"
    parts = (token or "").strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise LicenseError(
            INVALID, f"This is not an ECOSIRE {what}: check that it was copied whole."
        )
    try:
        payload = json.loads(_b64d(parts[1]))
        signature = _b64d(parts[2])
    except (ValueError, binascii.Error):
        raise LicenseError(TAMPERED, f"The {what} is damaged: it cannot be read.")
    if not isinstance(payload, dict):
        raise LicenseError(TAMPERED, f"The {what} is damaged: it cannot be read.")
    key = keys.get(payload.get("kid"))
    if key is None:
        raise LicenseError(
            INVALID,
            f"The {what} was signed by a key this installation does not trust. "
            "Demo licences only work on servers configured for the demo.",
        )
    if not key.verify(signature, f"{parts[0]}.{parts[1]}".encode()):
        raise LicenseError(TAMPERED, f"The {what} has been altered: its signature does not match.")
    if payload.get("typ") != typ:
        raise LicenseError(INVALID, f"This token is not a {what}.")
    return payload, key


def _date_end(iso):
    """Unix time of the end of an ISO day (UTC), or None."""
    if not iso:
        return None
    day = datetime.date.fromisoformat(iso)
    start = datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.timezone.utc)
    return int(start.timestamp()) + DAY


@dataclass(frozen=True)
class License:
    license_id: str
    customer: str
    products: tuple
    max_activations: int
    issued_at: int
    expires: str
    updates_until: str
    demo: bool
    token_hash: str

    def covers(self, product):
        return product in self.products


@dataclass(frozen=True)
class Receipt:
    activation_id: str
    license_id: str
    license_hash: str
    db_uuid: str
    domain: str
    issued_at: int
    check_by: int
    status: str
    offline: bool
    demo: bool


def parse_license(token, keys):
    payload, key = decode_token(token, keys, "license")
    try:
        return License(
            license_id=str(payload["lid"]),
            customer=str(payload.get("customer", "")),
            products=tuple(payload["products"]),
            max_activations=int(payload.get("max_activations", 3)),
            issued_at=int(payload["iat"]),
            expires=payload.get("expires") or "",
            updates_until=payload.get("updates_until") or "",
            demo=key.demo,
            token_hash=token_hash(token),
        )
    except (KeyError, TypeError, ValueError):
        raise LicenseError(INVALID, "The licence key is incomplete; ask ECOSIRE for a new one.")


def parse_receipt(token, keys):
    payload, key = decode_token(token, keys, "receipt")
    try:
        return Receipt(
            activation_id=str(payload["aid"]),
            license_id=str(payload["lid"]),
            license_hash=str(payload["lic"]),
            db_uuid=str(payload["db"]),
            domain=str(payload["domain"]),
            issued_at=int(payload["iat"]),
            check_by=int(payload["check_by"]),
            status=str(payload.get("status", "active")),
            offline=bool(payload.get("offline")),
            demo=key.demo,
        )
    except (KeyError, TypeError, ValueError):
        raise LicenseError(INVALID, "The activation receipt is incomplete; activate again.")


# ------------------------------------------------------------------
# VERDICT
# ------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    state: str
    message: str
    license: License = None
    receipt: Receipt = None
    days_left: int = None

    @property
    def ok(self):
        return self.state in USABLE_STATES


def check_license(token, keys, product, now, build_date=BUILD_DATE):
    """Verdict on the key alone (signature, product, expiry, updates), before any activation."""
    try:
        lic = parse_license(token, keys)
    except LicenseError as error:
        return Verdict(error.state, error.message)
    if product and not lic.covers(product):
        return Verdict(WRONG_PRODUCT, f"This licence does not cover {product}; it covers "
                       f"{', '.join(lic.products) or 'no product'}.", lic)
    expires = _date_end(lic.expires)
    if expires is not None and now >= expires:
        return Verdict(EXPIRED, f"The licence expired on {lic.expires}. Renew it to keep "
                       "sending data to the marketplace; your data stays available.", lic)
    updates_end = _date_end(lic.updates_until)
    if updates_end is not None and updates_end <= _date_end(build_date) - DAY:
        return Verdict(EXPIRED, f"The licence covers versions released until {lic.updates_until}, "
                       f"and this version was released on {build_date}. Renew the updates, "
                       "or install a version released before that date.", lic)
    return Verdict(VALID, "The licence key is genuine.", lic)


def check_receipt(lic, receipt_token, keys, db_uuid, domain):
    """Verdict on a receipt's signature and binding to `lic`, this database and domain."""
    try:
        rec = parse_receipt(receipt_token, keys)
    except LicenseError as error:
        return Verdict(error.state, error.message, lic)
    if rec.license_hash != lic.token_hash or rec.license_id != lic.license_id:
        return Verdict(TAMPERED, "The activation receipt belongs to another licence key. "
                       "Activate this key again.", lic, rec)
    if rec.demo and not lic.demo:
        return Verdict(TAMPERED, "The activation receipt was signed by a demo key.", lic, rec)
    if rec.db_uuid != db_uuid:
        return Verdict(WRONG_DOMAIN, "The licence was activated for another database (this one "
                       "is a copy, or its UUID changed). Deactivate it on the original database "
                       "and activate it here.", lic, rec)
    if rec.domain.lower() != (domain or "").lower():
        return Verdict(WRONG_DOMAIN, f"The licence was activated for {rec.domain}, but this "
                       f"database now runs on {domain or 'an unknown domain'}. Deactivate it "
                       "there and activate it here.", lic, rec)
    return Verdict(VALID, "The activation receipt is genuine.", lic, rec)


def evaluate(license_token, receipt_token, keys, *, product, db_uuid, domain, now,
             last_seen=0, build_date=BUILD_DATE):
    """The full verdict: the key, then the receipt bound to this database, domain and time.

    `last_seen` is the latest time this database has seen (a high-water mark): a clock that
    goes back before it, or before the server time of the receipt, has been rolled back.
    """
    if not license_token:
        if not product:
            return Verdict(MISSING, "Paste the licence key you received from ECOSIRE.")
        return Verdict(MISSING, f"No licence for {product} is installed. Add one in "
                       "Settings › Licences.")
    verdict = check_license(license_token, keys, product, now, build_date)
    if not verdict.ok:
        return verdict
    lic = verdict.license
    if not receipt_token:
        return Verdict(NOT_ACTIVATED, "The licence is not activated on this database. Open "
                       "Settings › Licences and activate it.", lic)
    verdict = check_receipt(lic, receipt_token, keys, db_uuid, domain)
    if verdict.state != VALID:
        return verdict
    rec = verdict.receipt
    if rec.status == "revoked":
        return Verdict(REVOKED, "ECOSIRE revoked this licence. Contact ECOSIRE; your data stays "
                       "available.", lic, rec)
    if rec.status != "active":
        return Verdict(NOT_ACTIVATED, "This activation was released on the licence server. "
                       "Activate the licence again.", lic, rec)
    if now + CLOCK_SKEW < max(rec.issued_at, last_seen or 0):
        return Verdict(TAMPERED, "The server clock is behind the last time this licence was "
                       "checked: the clock was set back. Correct the date and time.", lic, rec)
    if now <= rec.check_by:
        return Verdict(VALID, "The licence is valid.", lic, rec)
    grace_end = rec.check_by + GRACE_DAYS * DAY
    if now <= grace_end:
        days = max(1, -(-(grace_end - now) // DAY))
        return Verdict(GRACE, f"The licence server could not be reached to confirm the licence. "
                       f"Everything keeps working for {days} more day(s); check that this "
                       "server can reach the licence server.", lic, rec, days)
    return Verdict(OFFLINE, f"The licence could not be confirmed with the licence server for "
                   f"more than {GRACE_DAYS} days. Let this server reach the licence server, or "
                   "upload an offline receipt, then check again.", lic, rec)
