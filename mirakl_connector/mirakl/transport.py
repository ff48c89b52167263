"""Transport of the Mirakl client: base URL and key checks, the HTTP session, retries with
backoff, the call governor and the mapping of answers to MiraklError (docs/architecture.md,
contract 1). Every API module sends its calls through ``_request``."""

import ipaddress
import json
import logging
import random
import re
import time
from urllib.parse import unquote, urlsplit

import requests

from . import errors
from .governor import CallGovernor

_logger = logging.getLogger(__name__)

LOOPBACK_HOSTS = ("localhost",)
RETRY_STATUSES = (500, 502, 503, 504)

# Writes that a retry cannot apply twice: Mirakl refuses them once the order/shipment moved on
# (OR21/OR24/OR29/OR64/ST24) or they set a value rather than add one (OR23/ST23). Every other
# non-GET (refunds, cancellations, imports, messages, uploads) may only be re-sent when the
# request provably never reached Mirakl (connect failure, 429).
RETRY_SAFE_WRITES = frozenset({"OR21", "OR23", "OR24", "OR29", "OR64", "ST23", "ST24"})


def validate_base_url(base_url):
    """Return the normalised base URL (scheme://host[:port]) or raise ValueError.

    HTTPS is required; plain HTTP is accepted only on loopback (the simulator). A trailing
    ``/api`` is dropped because every operation path already starts with it.
    """
    if not isinstance(base_url, str) or not base_url.strip():
        raise ValueError("Mirakl base URL is empty; expected https://<operator host>")
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError("Mirakl base URL %r is not an absolute http(s) URL" % base_url)
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError("Mirakl base URL %r must not carry credentials, a query or a fragment"
                         % base_url)
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ValueError("Mirakl base URL %r must use https (http is only allowed on "
                         "127.0.0.1, localhost or ::1)" % base_url)
    path = parts.path.rstrip("/")
    if path.endswith("/api"):
        path = path[: -len("/api")]
    return "%s://%s%s" % (parts.scheme, parts.netloc, path)


def _is_loopback(host):
    if host.lower() in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class MiraklFile:
    """A binary answer (error reports, documents, invoices, CSV exports)."""

    def __init__(self, content, content_type, filename):
        self.content = content
        self.content_type = content_type
        self.filename = filename

    def __repr__(self):
        return "MiraklFile(filename=%r, content_type=%r, size=%d)" % (
            self.filename, self.content_type, len(self.content))


class Transport:
    """Session, retries, governor and error mapping of one Mirakl shop's client."""

    def __init__(self, base_url, api_key, shop_id=None, timeout=(5, 30), max_retries=4,
                 governor=None, sleep=time.sleep, clock=time.monotonic, session=None,
                 backoff_base=0.5, backoff_max=30.0, max_retry_after=120.0, jitter=random.random):
        self.base_url = validate_base_url(base_url)
        if not isinstance(api_key, str) or not api_key.strip():
            raise ValueError("Mirakl API key is empty")
        if any(char in api_key for char in "\r\n\t "):
            raise ValueError("Mirakl API key contains whitespace; paste the key alone")
        self._api_key = api_key
        if shop_id not in (None, ""):
            try:
                shop_id = int(shop_id)
            except (TypeError, ValueError):
                raise ValueError("Mirakl shop_id must be an integer, got %r" % (shop_id,))
        self.shop_id = shop_id or None
        if not (isinstance(timeout, tuple) and len(timeout) == 2
                and all(isinstance(part, (int, float)) and part > 0 for part in timeout)):
            raise ValueError("timeout must be a (connect, read) tuple of positive seconds, "
                             "got %r" % (timeout,))
        self.timeout = timeout
        self.max_retries = max_retries
        self.sleep = sleep
        self.clock = clock
        self.governor = governor if governor is not None else CallGovernor(clock=clock)
        self.session = session or requests.Session()
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_retry_after = max_retry_after
        self.jitter = jitter

    def __repr__(self):
        return "%s(base_url=%r, shop_id=%r)" % (type(self).__name__, self.base_url, self.shop_id)

    def _redact(self, text):
        return str(text).replace(self._api_key, "<redacted>") if text else text

    def _backoff(self, attempt):
        """Full-jitter exponential backoff: attempt 0 waits up to base, 1 up to 2*base, ..."""
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** attempt))
        return ceiling / 2 + self.jitter() * ceiling / 2

    def _request(self, op, method, path, params=None, json_body=None, files=None, data=None,
                 expect="json", governor_key=None, governed=True, url=None,
                 with_headers=False):
        """Send one Mirakl call and return the decoded answer.

        ``expect``: "json" (dict, None on 204), "file" (MiraklFile), "text", or "auto" (JSON
        when the answer says so, else text).
        ``governed=False`` for follow-up pages of a listing already counted by the governor.
        ``with_headers=True`` returns (answer, response headers).
        """
        if governed:
            self._wait_for_governor(op, governor_key or op)
        query = dict(params or {})
        if self.shop_id is not None:
            query["shop_id"] = str(self.shop_id)
        request = {"method": method, "url": url or self.base_url + path, "params": query,
                   "json": json_body, "files": files, "data": data}
        retry_safe = method == "GET" or op in RETRY_SAFE_WRITES
        file_starts = _file_positions(files)
        attempt = 0
        answered = False
        outcome_unknown = False
        while True:
            _rewind(file_starts)
            try:
                response = self._send_once(op, path, request, retry_safe, attempt)
                answer = self._decode_or_raise(op, path, response, expect, retry_safe)
            except errors.MiraklError as error:
                answered = answered or error.status is not None
                if isinstance(error, errors.MiraklRateLimitError) and error.status == 429:
                    # Mirakl's pause holds for every client sharing this governor's store
                    # (in the addon: every process of the database), not only this call.
                    self.governor.pause(governor_key or op, error.retry_after)
                delay = self._retry_delay(error, retry_safe, attempt)
                if delay is None:
                    if governed and not answered:
                        # Mirakl never answered, so the call must not use up its quota slot.
                        self.governor.release(governor_key or op)
                    if outcome_unknown and isinstance(error, errors.MiraklValidationError):
                        error.message += (" (an earlier attempt got no clear answer and may "
                                          "have applied this change; re-read before acting)")
                        error.args = (error.message,)
                    raise
                outcome_unknown = outcome_unknown or _outcome_unknown(error)
                _logger.warning("Mirakl %s; retry %d of %d in %.1f s", error, attempt + 1,
                                self.max_retries, delay)
                self.sleep(delay)
                attempt += 1
                continue
            return (answer, response.headers) if with_headers else answer

    def _send_once(self, op, path, request, retry_safe, attempt):
        """One HTTP exchange; raises the mapped MiraklError for anything but a 2xx."""
        method = request["method"]
        started = self.clock()
        try:
            response = self.session.request(
                headers={"Authorization": self._api_key, "Accept": "application/json"},
                timeout=self.timeout, allow_redirects=False, **request)
        except requests.RequestException as exc:
            kind, reached_server = _classify_transport_error(exc)
            raise errors.MiraklNetworkError(
                self._redact("%s %s failed (%s): %s" % (method, path, kind, _short_reason(exc))),
                operation=op,
                kind=kind, retryable=retry_safe or not reached_server) from None
        _logger.debug("Mirakl %s %s %s -> %s in %.3f s (attempt %d)", op, method, path,
                      response.status_code, self.clock() - started, attempt + 1)
        if response.status_code == 429:
            raise self._rate_limit_error(op, response)
        if response.status_code >= 400:
            raise self._http_error(op, response, retry_safe)
        if response.status_code >= 300:
            # Never follow: a redirect is a misconfigured base URL, and following it could
            # carry the key elsewhere.
            raise errors.MiraklNetworkError(
                "%s %s was redirected to %s; check the Mirakl base URL"
                % (method, path, response.headers.get("Location")), operation=op,
                status=response.status_code, kind="connection", retryable=False)
        return response

    def _decode_or_raise(self, op, path, response, expect, retry_safe):
        try:
            return self._decode(response, expect)
        except ValueError as exc:
            raise errors.MiraklNetworkError(
                self._redact("%s %s returned an unreadable body: %s"
                             % (response.request.method, path, exc)),
                operation=op, status=response.status_code, kind="malformed",
                retryable=retry_safe) from None

    def _retry_delay(self, error, retry_safe, attempt):
        """Seconds to wait before re-sending, or None when the error must be raised."""
        if attempt >= self.max_retries:
            return None
        if isinstance(error, errors.MiraklRateLimitError):
            # A 429 means Mirakl did not process the call, so even unsafe writes may re-send.
            if error.retry_after is not None and error.retry_after <= self.max_retry_after:
                return error.retry_after
            return None
        if isinstance(error, errors.MiraklNetworkError) and error.retryable:
            return self._backoff(attempt)
        if (isinstance(error, errors.MiraklServerError) and retry_safe
                and error.status in RETRY_STATUSES):
            return self._backoff(attempt)
        return None

    def _wait_for_governor(self, op, key):
        wait, paused = self.governor.reserve_explained(key)
        if wait and wait <= self.governor.max_wait:
            self.sleep(wait)
            wait, paused = self.governor.reserve_explained(key)
        if wait:
            if paused:
                reason = "Mirakl answered 429 and asked to pause %s" % op
            else:
                reason = "Mirakl allows %s at most %s" % (
                    key, _describe_limit(self.governor.limits[key]))
            raise errors.MiraklRateLimitError(
                "call held back by the client-side governor: %s; retry in %.0f s"
                % (reason, wait), operation=op, retry_after=wait)

    def _rate_limit_error(self, op, response):
        header = response.headers.get("Retry-After", "")
        try:
            retry_after = max(0.0, float(header))
        except ValueError:  # absent or an HTTP date: fall back to a minute, Mirakl's usual window
            retry_after = 60.0
        message, item_errors, code = self._error_details(response)
        return errors.MiraklRateLimitError(message, operation=op, status=429,
                                           errors=item_errors, code=code,
                                           retry_after=retry_after)

    def _http_error(self, op, response, retry_safe):
        message, item_errors, code = self._error_details(response)
        error_class = errors.error_class_for_status(response.status_code)
        retryable = None
        if error_class is errors.MiraklServerError and not retry_safe:
            retryable = False
            message += (" (the call may have taken effect on Mirakl; check before re-sending)")
        return error_class(message, operation=op, status=response.status_code,
                           errors=item_errors, retryable=retryable, code=code)

    def _error_details(self, response):
        """Mirakl's (message, per-item errors, code); the error body shape is not documented,
        so fall back to the raw text (trimmed) when it is not JSON."""
        text = response.text or ""
        message, item_errors, code = "", [], None
        try:
            body = json.loads(text) if text else None
        except ValueError:
            body = None
        if isinstance(body, dict):
            message = str(body.get("message") or body.get("error") or "")
            item_errors = body.get("errors") if isinstance(body.get("errors"), list) else []
            code = body.get("code") if isinstance(body.get("code"), str) else None
        if not message:
            message = text.strip()[:500] or response.reason or "HTTP %s" % response.status_code
        return self._redact(message), item_errors, code

    def _decode(self, response, expect):
        if expect == "file":
            return MiraklFile(response.content, response.headers.get("Content-Type", ""),
                              _filename(response.headers.get("Content-Disposition", "")))
        if expect == "text" or (expect == "auto" and "json" not in
                                response.headers.get("Content-Type", "")):
            return response.content.decode("utf-8")
        if response.status_code == 204 or not response.content:
            return None
        return json.loads(response.content.decode("utf-8"))


def _file_positions(files):
    """Remember where each uploaded file object starts, to re-send it whole on a retry."""
    positions = []
    for _name, spec in files or ():
        content = spec[1]
        if hasattr(content, "seek") and hasattr(content, "tell"):
            positions.append((content, content.tell()))
    return positions


def _rewind(positions):
    for content, position in positions:
        content.seek(position)


def _classify_transport_error(exc):
    """(kind, reached_server) for a requests exception."""
    text = str(exc).lower()
    if isinstance(exc, requests.exceptions.SSLError):
        return "tls", False
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "timeout", False
    if isinstance(exc, requests.exceptions.Timeout):
        return "timeout", True
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError,
                        requests.exceptions.ContentDecodingError)):
        return "malformed", True
    if isinstance(exc, requests.exceptions.ConnectionError):
        if any(marker in text for marker in ("name or service not known", "nodename nor servname",
                                             "name resolution", "getaddrinfo failed",
                                             "no address associated")):
            return "dns", False
        if "newconnectionerror" in text or "connection refused" in text:
            return "connection", False
        if "incompleteread" in text or "invalidchunklength" in text:
            return "malformed", True
        return "connection", True
    return "connection", True


def _outcome_unknown(error):
    """True when Mirakl may have processed the call although we saw no success."""
    if isinstance(error, errors.MiraklNetworkError):
        return error.kind in ("timeout", "connection", "malformed")
    return isinstance(error, errors.MiraklServerError)


def _short_reason(exc):
    """The innermost cause of a requests error, without urllib3's "Max retries exceeded"."""
    inner = exc.args[0] if exc.args else exc
    return str(getattr(inner, "reason", inner))


def _filename(disposition):
    match = re.search(r"filename\*=(?:UTF-8'')?([^;]+)|filename=\"?([^\";]+)\"?", disposition or "")
    if not match:
        return None
    return unquote(match.group(1)) if match.group(1) else match.group(2)


def _describe_limit(windows):
    return " and ".join("%d call(s) per %d s" % (calls, seconds) for calls, seconds in windows)
