"""Webhook HMAC-SHA256 check over the raw body."""

import hashlib
import hmac

import pytest
from mirakl.webhook import WebhookSignatureError, compute_signature, verify_signature

SECRET = "s3cret"
BODY = b'{"event": "ORDER_UPDATED", "order_id": "A-1"}'
GOOD = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()


@pytest.mark.parametrize("header", [GOOD, "sha256=" + GOOD, "SHA256=" + GOOD.upper(),
                                    "  sha256=%s " % GOOD])
def test_valid_signatures_are_accepted(header):
    assert compute_signature(SECRET, BODY) == GOOD
    verify_signature(SECRET, BODY, header)
    verify_signature(SECRET.encode(), BODY, header)


@pytest.mark.parametrize("header, reason", [
    (None, "missing webhook signature header"),
    ("", "missing webhook signature header"),
    ("sha1=" + GOOD, "unsupported webhook signature scheme 'sha1'"),
    ("sha256=xyz", "malformed webhook signature"),
    (GOOD[:-2], "malformed webhook signature"),
    ("0" * 64, "does not match"),
])
def test_bad_headers_are_rejected_with_the_reason(header, reason):
    with pytest.raises(WebhookSignatureError, match=reason):
        verify_signature(SECRET, BODY, header)


def test_any_change_to_body_or_secret_breaks_the_signature():
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify_signature(SECRET, BODY + b" ", GOOD)
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify_signature("other", BODY, GOOD)


def test_parsed_body_and_empty_secret_are_refused():
    with pytest.raises(TypeError, match="raw request body as bytes"):
        verify_signature(SECRET, BODY.decode(), GOOD)
    with pytest.raises(ValueError, match="secret is empty"):
        verify_signature("", BODY, GOOD)


def test_comparison_is_constant_time(monkeypatch):
    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    verify_signature(SECRET, BODY, GOOD)
    assert calls == [(GOOD, GOOD)]
