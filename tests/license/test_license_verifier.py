"""The pure verifier: signatures, products, expiry, updates, rotation, receipts and time."""

import base64
import json
from unittest.mock import patch

import pytest
import verifier
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

DAY = verifier.DAY
NOW = 1_800_000_000  # 2027-01-15, fixed: no test reads the clock
DB = "0d7c1f3e-db-uuid"
DOMAIN = "erp.example.com"


def new_key(demo=False):
    private = Ed25519PrivateKey.generate()
    return private, verifier.public_key_from_b64(verifier.public_key_b64(private), demo=demo)


def licence(private, **fields):
    payload = {"lid": "LIC-1", "customer": "ACME", "products": ["mirakl_connector"],
               "max_activations": 3, "iat": NOW - 10 * DAY}
    payload.update(fields)
    return verifier.sign_token(payload, private, "license")


def receipt(private, licence_token, **fields):
    payload = {"aid": "ACT-1", "lid": "LIC-1", "lic": verifier.token_hash(licence_token),
               "db": DB, "domain": DOMAIN, "iat": NOW - DAY // 2, "check_by": NOW + DAY // 2,
               "status": "active", "offline": False}
    payload.update(fields)
    return verifier.sign_token(payload, private, "receipt")


def evaluate(lic, rec, keys, **kwargs):
    kwargs.setdefault("product", "mirakl_connector")
    kwargs.setdefault("db_uuid", DB)
    kwargs.setdefault("domain", DOMAIN)
    kwargs.setdefault("now", NOW)
    return verifier.evaluate(lic, rec, keys, **kwargs)


@pytest.fixture
def vendor():
    private, public = new_key()
    return private, {public.kid: public}


# ------------------------------------------------------------------
# LICENCE KEYS
# ------------------------------------------------------------------


def test_valid_key_is_read_with_its_terms(vendor):
    private, keys = vendor
    token = licence(private, expires="2027-12-31", updates_until="2027-06-30")
    verdict = verifier.check_license(token, keys, "mirakl_connector", NOW)
    assert verdict.state == verifier.VALID
    assert verdict.license.customer == "ACME"
    assert verdict.license.products == ("mirakl_connector",)
    assert verdict.license.max_activations == 3
    assert verdict.license.expires == "2027-12-31"
    assert not verdict.license.demo


def test_key_expires_at_the_end_of_its_last_day(vendor):
    private, keys = vendor
    token = licence(private, expires="2027-01-15")
    end = verifier._date_end("2027-01-15")
    assert verifier.check_license(token, keys, None, end - 1).state == verifier.VALID
    expired = verifier.check_license(token, keys, None, end)
    assert expired.state == verifier.EXPIRED
    assert "expired on 2027-01-15" in expired.message


def test_updates_until_never_stops_a_covered_build_but_refuses_a_newer_one(vendor):
    private, keys = vendor
    token = licence(private, updates_until="2026-12-31")
    far_future = NOW + 3650 * DAY
    assert verifier.check_license(token, keys, None, far_future, build_date="2026-12-31").ok
    newer = verifier.check_license(token, keys, None, NOW, build_date="2027-01-01")
    assert newer.state == verifier.EXPIRED
    assert "released until 2026-12-31" in newer.message


def test_wrong_signature_is_tampering(vendor):
    private, keys = vendor
    token = licence(private)
    head, body, sig = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["max_activations"] = 300
    forged_body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    verdict = verifier.check_license(f"{head}.{forged_body}.{sig}", keys, None, NOW)
    assert verdict.state == verifier.TAMPERED
    assert "altered" in verdict.message


def test_key_signed_by_an_untrusted_key_is_refused(vendor):
    _private, keys = vendor
    stranger, _public = new_key()
    verdict = verifier.check_license(licence(stranger), keys, None, NOW)
    assert verdict.state == verifier.INVALID
    assert "does not trust" in verdict.message


def test_garbage_is_not_a_key(vendor):
    _private, keys = vendor
    for text in ("", "hello", "ECO1.%%%.###", "XYZ1.a.b"):
        assert not verifier.check_license(text, keys, None, NOW).ok


def test_wrong_product(vendor):
    private, keys = vendor
    verdict = verifier.check_license(licence(private), keys, "other_product", NOW)
    assert verdict.state == verifier.WRONG_PRODUCT
    assert "does not cover other_product" in verdict.message


def test_receipt_cannot_pass_for_a_key(vendor):
    private, keys = vendor
    rec = receipt(private, licence(private))
    assert verifier.check_license(rec, keys, None, NOW).state == verifier.INVALID


def test_rotated_keys_old_and_new_licences_both_verify():
    old_private, old_public = new_key()
    new_private, new_public = new_key()
    with patch.object(verifier, "PRODUCTION_KEYS", (new_public, old_public)):
        keys = verifier.trusted_keys()
        assert verifier.check_license(licence(old_private), keys, None, NOW).ok
        assert verifier.check_license(licence(new_private), keys, None, NOW).ok
    with patch.object(verifier, "PRODUCTION_KEYS", (new_public,)):
        keys = verifier.trusted_keys()
        assert verifier.check_license(licence(old_private), keys, None, NOW).state \
            == verifier.INVALID


def test_shipped_production_keys_are_well_formed_and_not_demo():
    assert verifier.PRODUCTION_KEYS
    for key in verifier.PRODUCTION_KEYS:
        assert len(key.raw) == 32 and not key.demo
        assert key.kid == verifier.key_id(key.raw)


def test_demo_key_is_trusted_only_when_passed_and_flags_the_licence():
    private, demo_public = new_key(demo=True)
    token = licence(private)
    assert verifier.check_license(token, verifier.trusted_keys(), None, NOW).state \
        == verifier.INVALID
    verdict = verifier.check_license(token, verifier.trusted_keys([demo_public]), None, NOW)
    assert verdict.ok and verdict.license.demo


def test_public_key_text_is_checked():
    with pytest.raises(ValueError):
        verifier.public_key_from_b64("not a key")


# ------------------------------------------------------------------
# RECEIPTS AND THE FULL VERDICT
# ------------------------------------------------------------------


def test_activated_licence_is_valid(vendor):
    private, keys = vendor
    lic = licence(private)
    verdict = evaluate(lic, receipt(private, lic), keys)
    assert verdict.state == verifier.VALID and verdict.ok
    assert verdict.receipt.activation_id == "ACT-1"


def test_missing_and_not_activated(vendor):
    private, keys = vendor
    missing = evaluate("", "", keys)
    assert missing.state == verifier.MISSING
    assert "No licence for mirakl_connector" in missing.message
    assert "Paste the licence key" in evaluate("", "", keys, product=None).message
    assert evaluate(licence(private), "", keys).state == verifier.NOT_ACTIVATED


def test_receipt_of_another_key_is_tampering(vendor):
    private, keys = vendor
    lic = licence(private)
    other = licence(private, customer="Someone else")
    assert evaluate(lic, receipt(private, other), keys).state == verifier.TAMPERED


def test_edited_receipt_is_tampering(vendor):
    private, keys = vendor
    lic = licence(private)
    head, body, sig = receipt(private, lic).split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["check_by"] += 365 * DAY
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    assert evaluate(lic, f"{head}.{body}.{sig}", keys).state == verifier.TAMPERED


def test_copied_database_and_other_domain(vendor):
    private, keys = vendor
    lic = licence(private)
    rec = receipt(private, lic)
    assert evaluate(lic, rec, keys, db_uuid="another-uuid").state == verifier.WRONG_DOMAIN
    moved = evaluate(lic, rec, keys, domain="copy.example.com")
    assert moved.state == verifier.WRONG_DOMAIN
    assert "erp.example.com" in moved.message and "copy.example.com" in moved.message
    assert evaluate(lic, rec, keys, domain="ERP.example.com").ok


def test_revoked_and_deactivated(vendor):
    private, keys = vendor
    lic = licence(private)
    assert evaluate(lic, receipt(private, lic, status="revoked"), keys).state == verifier.REVOKED
    assert evaluate(lic, receipt(private, lic, status="deactivated"), keys).state \
        == verifier.NOT_ACTIVATED


def test_grace_period_and_its_end(vendor):
    private, keys = vendor
    lic = licence(private)
    rec = receipt(private, lic, check_by=NOW)
    assert evaluate(lic, rec, keys, now=NOW).state == verifier.VALID
    grace = evaluate(lic, rec, keys, now=NOW + 1)
    assert grace.state == verifier.GRACE and grace.ok and grace.days_left == 14
    last = evaluate(lic, rec, keys, now=NOW + 14 * DAY)
    assert last.state == verifier.GRACE and last.days_left == 1
    over = evaluate(lic, rec, keys, now=NOW + 14 * DAY + 1)
    assert over.state == verifier.OFFLINE and not over.ok
    assert "more than 14 days" in over.message


def test_rolled_back_clock(vendor):
    private, keys = vendor
    lic = licence(private)
    rec = receipt(private, lic, iat=NOW, check_by=NOW + DAY)
    assert evaluate(lic, rec, keys, now=NOW - verifier.CLOCK_SKEW).ok
    assert evaluate(lic, rec, keys, now=NOW - 2 * DAY).state == verifier.TAMPERED
    later = evaluate(lic, rec, keys, now=NOW + 10, last_seen=NOW + 5 * DAY)
    assert later.state == verifier.TAMPERED and "clock" in later.message


def test_demo_receipt_cannot_activate_a_production_licence(vendor):
    private, keys = vendor
    demo_private, demo_public = new_key(demo=True)
    lic = licence(private)
    keys = dict(keys, **{demo_public.kid: demo_public})
    assert evaluate(lic, receipt(demo_private, lic), keys).state == verifier.TAMPERED


def test_expired_licence_with_a_valid_receipt_is_expired(vendor):
    private, keys = vendor
    lic = licence(private, expires="2026-12-31")
    assert evaluate(lic, receipt(private, lic), keys).state == verifier.EXPIRED
