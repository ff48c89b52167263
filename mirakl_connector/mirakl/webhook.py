"""HMAC-SHA256 signatures of webhook bodies (hex, optionally prefixed ``sha256=``).

Mirakl offers no seller webhooks; this guards the connector's own push endpoint (e.g. a relay or
an operator integration posting events to Odoo). The signature covers the raw request body,
byte for byte, so verify before parsing.
"""

import hashlib
import hmac
import re

_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


class WebhookSignatureError(ValueError):
    """The request is not signed with the shared secret; the message says why."""


def compute_signature(secret, body):
    """Hex HMAC-SHA256 of ``body`` (bytes) under ``secret``."""
    return hmac.new(_secret_bytes(secret), _body_bytes(body), hashlib.sha256).hexdigest()


def verify_signature(secret, body, header_value):
    """Raise WebhookSignatureError unless ``header_value`` (``<hex>`` or ``sha256=<hex>``) is
    the HMAC-SHA256 of the raw ``body`` under ``secret``. Compared in constant time."""
    expected = compute_signature(secret, body)
    if header_value is None or not str(header_value).strip():
        raise WebhookSignatureError("missing webhook signature header")
    value = str(header_value).strip()
    if "=" in value:
        scheme, _sep, value = value.partition("=")
        if scheme.strip().lower() != "sha256":
            raise WebhookSignatureError("unsupported webhook signature scheme %r (expected "
                                        "sha256)" % scheme.strip()[:20])
        value = value.strip()
    if not _HEX_SHA256.fullmatch(value):
        raise WebhookSignatureError("malformed webhook signature: expected 64 hex characters")
    if not hmac.compare_digest(expected, value.lower()):
        raise WebhookSignatureError("webhook signature does not match the body")


def _secret_bytes(secret):
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    if not isinstance(secret, bytes) or not secret:
        raise ValueError("webhook secret is empty")
    return secret


def _body_bytes(body):
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise TypeError("pass the raw request body as bytes, got %s" % type(body).__name__)
    return bytes(body)
