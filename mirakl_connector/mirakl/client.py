"""HTTP client of the Mirakl seller (shop) API: contract 1 in docs/architecture.md.

One generic ``_request`` does transport, retries, the call governor and error mapping; the
public methods are thin and named after what they do, with the Mirakl code in the docstring.
"""

import datetime
import ipaddress
import json
import logging
import random
import re
import time
from urllib.parse import parse_qs, quote, unquote, urlsplit

import requests

from . import errors
from .governor import CallGovernor

_logger = logging.getLogger(__name__)

LOOPBACK_HOSTS = ("localhost",)
RETRY_STATUSES = (500, 502, 503, 504)
MAX_PAGE_SIZE = 100

# Writes that a retry cannot apply twice: Mirakl refuses them once the order/shipment moved on
# (OR21/OR24/OR29/OR64/ST24) or they set a value rather than add one (OR23/ST23). Every other
# non-GET (refunds, cancellations, imports, messages, uploads) may only be re-sent when the
# request provably never reached Mirakl (connect failure, 429).
RETRY_SAFE_WRITES = frozenset({"OR21", "OR23", "OR24", "OR29", "OR64", "ST23", "ST24"})

# OR11 filters (all the spec's seller parameters) and how each is encoded in the query string.
OR11_FILTERS = {
    "order_ids": "comma",
    "order_references_for_customer": "comma",
    "order_references_for_seller": "comma",
    "order_state_codes": "comma",
    "channel_codes": "comma",
    "only_null_channel": "bool",
    "start_date": "date",
    "end_date": "date",
    "start_update_date": "date",
    "end_update_date": "date",
    "customer_debited": "bool",
    "payment_workflow": "str",
    "has_incident": "bool",
    "fulfillment_center_code": "repeat",
    "order_tax_mode": "str",
    "locale": "str",
}


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


def _format_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:  # naive datetimes are UTC throughout the connector
            value = value.replace(tzinfo=datetime.timezone.utc)
        return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def build_query(params, repeated=()):
    """Mirakl query encoding: drop None, booleans as true/false, dates as UTC ISO-8601, lists
    comma-joined except the parameters the spec types as arrays (sent repeated)."""
    query = {}
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple, set, frozenset)):
            values = [_format_value(item) for item in value]
            query[name] = values if name in repeated else ",".join(values)
        else:
            query[name] = _format_value(value)
    return query


class MiraklFile:
    """A binary answer (error reports, documents, invoices, CSV exports)."""

    def __init__(self, content, content_type, filename):
        self.content = content
        self.content_type = content_type
        self.filename = filename

    def __repr__(self):
        return "MiraklFile(filename=%r, content_type=%r, size=%d)" % (
            self.filename, self.content_type, len(self.content))


class MiraklClient:
    """Client of one Mirakl shop. See docs/architecture.md (contract 1)."""

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
        return "MiraklClient(base_url=%r, shop_id=%r)" % (self.base_url, self.shop_id)

    # ------------------------------------------------------------------ transport

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
        wait = self.governor.reserve(key)
        if wait and wait <= self.governor.max_wait:
            self.sleep(wait)
            wait = self.governor.reserve(key)
        if wait:
            raise errors.MiraklRateLimitError(
                "call held back by the client-side governor: Mirakl allows %s at most %s; "
                "retry in %.0f s" % (key, _describe_limit(self.governor.limits[key]), wait),
                operation=op, retry_after=wait)

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

    # ------------------------------------------------------------------ pagination

    def _iter_offset(self, op, path, collection, params, page_size=MAX_PAGE_SIZE,
                     dedupe_key=None, governor_key=None):
        """Yield every item of an offset-paginated listing (``max``/``offset``/``total_count``
        and the ``Link`` header). With ``dedupe_key`` an item seen on an earlier page (shifted
        by an insert during paging) is not yielded twice."""
        _check_page_size(page_size)
        seen = set()
        offset = 0
        first = True
        while True:
            page_params = dict(params, max=page_size, offset=offset)
            page, links = self._request_page(op, path, page_params, governed=first,
                                             governor_key=governor_key)
            first = False
            items = page.get(collection) or []
            for item in items:
                if dedupe_key is not None:
                    key = item.get(dedupe_key)
                    if key in seen:
                        continue
                    seen.add(key)
                yield item
            total = page.get("total_count")
            next_offset = _next_offset(links, offset + len(items))
            if not items or next_offset is None or (total is not None and next_offset >= total):
                return
            offset = next_offset

    def _request_page(self, op, path, params, governed, governor_key=None):
        """One offset page: (body, Link relations or None when the header is absent)."""
        body, headers = self._request(op, "GET", path, params=params, governed=governed,
                                      governor_key=governor_key, with_headers=True)
        return body or {}, _parse_link(headers.get("Link"))

    def _iter_seek(self, op, path, params, limit=MAX_PAGE_SIZE, dedupe_key="id"):
        """Yield every item of a seek-paginated listing (``limit``/``page_token``), each once
        even if a token re-reads an item that moved while we paged."""
        _check_page_size(limit)
        seen = set()
        page = self._request(op, "GET", path, params=dict(params, limit=limit)) or {}
        while True:
            for item in page.get("data") or []:
                key = item.get(dedupe_key)
                if key is not None:
                    if key in seen:
                        continue
                    seen.add(key)
                yield item
            token = page.get("next_page_token")
            if not token:
                return
            # Mirakl ignores every other parameter once a page_token is sent.
            page = self._request(op, "GET", path, params={"page_token": token},
                                 governed=False) or {}

    def _seek_page(self, op, path, params, limit, page_token):
        _check_page_size(limit)
        if page_token:
            return self._request(op, "GET", path, params={"page_token": page_token},
                                 governed=False)
        return self._request(op, "GET", path, params=dict(params, limit=limit))

    # ------------------------------------------------------------------ account, platform

    def get_account(self):
        """A01: the shop of this API key (shop_id, shop_name, currency_iso_code, shop_state…)."""
        return self._request("A01", "GET", "/api/account")

    def get_version(self):
        """V01: health check; the version as JSON ({"version": …}) or text, as served."""
        return self._request("V01", "GET", "/api/version", expect="auto")

    def list_channels(self, locale=None):
        """CH11: enabled sales channels."""
        return self._request("CH11", "GET", "/api/channels", params=build_query({"locale": locale}))

    def list_reasons(self, reason_type=None, locale=None):
        """RE01: reasons (refund, cancelation, incident, messaging…), optionally of one type."""
        body = self._request("RE01", "GET", "/api/reasons", params=build_query({"locale": locale}))
        if reason_type is not None:
            body = dict(body, reasons=[reason for reason in body.get("reasons", [])
                                       if reason.get("type") == reason_type])
            body["total_count"] = len(body["reasons"])
        return body

    def list_reasons_by_type(self, reason_type, locale=None):
        """RE02 (deprecated by Mirakl, kept for older platforms): reasons of one type."""
        return self._request("RE02", "GET", "/api/reasons/%s" % _segment(reason_type),
                             params=build_query({"locale": locale}))

    def list_shipping_zones(self, locale=None):
        """SH11: active shipping zones."""
        return self._request("SH11", "GET", "/api/shipping/zones",
                             params=build_query({"locale": locale}))

    def list_shipping_types(self, locale=None):
        """SH12: active shipping methods."""
        return self._request("SH12", "GET", "/api/shipping/types",
                             params=build_query({"locale": locale}))

    def list_carriers(self):
        """SH21: carriers (codes for OR23/ST23 and tracking URL templates)."""
        return self._request("SH21", "GET", "/api/shipping/carriers")

    def list_logistic_classes(self, locale=None):
        """SH31: logistic classes."""
        return self._request("SH31", "GET", "/api/shipping/logistic_classes",
                             params=build_query({"locale": locale}))

    def list_additional_fields(self, entities=None, locale=None):
        """AF01: custom fields (entities e.g. ["OFFER", "ORDER_LINE"])."""
        return self._request("AF01", "GET", "/api/additional_fields",
                             params=build_query({"entities": entities, "locale": locale}))

    def list_hierarchies(self, hierarchy=None, max_level=None, locale=None):
        """H11: catalogue categories below ``hierarchy`` (all when None)."""
        return self._request("H11", "GET", "/api/hierarchies", params=build_query(
            {"hierarchy": hierarchy, "max_level": max_level, "locale": locale}))

    def list_product_attributes(self, hierarchy=None, max_level=None,
                                all_operator_attributes=None, with_roles=None, locale=None):
        """PM11: product attribute configuration."""
        return self._request("PM11", "GET", "/api/products/attributes", params=build_query({
            "hierarchy": hierarchy, "max_level": max_level,
            "all_operator_attributes": all_operator_attributes, "with_roles": with_roles,
            "locale": locale}))

    def list_value_lists(self, code=None, locale=None):
        """VL11: operator value lists (attribute enumerations)."""
        return self._request("VL11", "GET", "/api/values_lists",
                             params=build_query({"code": code, "locale": locale}))

    # ------------------------------------------------------------------ orders

    def list_orders(self, offset=0, page_size=MAX_PAGE_SIZE, sort="dateCreated", order="asc",
                    **filters):
        """OR11: one page of orders -> {"orders": [...], "total_count": n}."""
        _check_page_size(page_size)
        params = dict(_or11_query(filters), max=page_size, offset=offset, sort=sort,
                      order=order)
        return self._request("OR11", "GET", "/api/orders", params=params,
                             governor_key=_or11_governor_key(filters))

    def iter_orders(self, page_size=MAX_PAGE_SIZE, **filters):
        """OR11: every matching order, oldest created first.

        Sorting by creation date ascending puts orders created while we page at the end, so
        they cannot push an unread order back past our offset; an order that still shows up
        twice (it moved into the filter window mid-listing) is yielded once. An order that
        leaves a state filter mid-listing can shift an unread one back onto a page already
        read; it was updated, so the next ``start_update_date`` poll returns it.
        """
        params = dict(_or11_query(filters), sort="dateCreated", order="asc")
        return self._iter_offset("OR11", "/api/orders", "orders", params, page_size,
                                 dedupe_key="order_id",
                                 governor_key=_or11_governor_key(filters))

    def accept_order_lines(self, order_id, lines):
        """OR21: accept or refuse every line of a WAITING_ACCEPTANCE order.

        ``lines``: [{"id": line_id, "accepted": bool}, ...], one entry per line of the order.
        """
        if not lines:
            raise ValueError("OR21 needs a decision for every order line; got none")
        order_lines = []
        for line in lines:
            if not line.get("id") or not isinstance(line.get("accepted"), bool):
                raise ValueError("OR21 line %r needs an 'id' and a boolean 'accepted'" % (line,))
            if any(known["id"] == str(line["id"]) for known in order_lines):
                raise ValueError("OR21 lists order line %s twice" % line["id"])
            order_lines.append({"id": str(line["id"]), "accepted": line["accepted"]})
        return self._request("OR21", "PUT", "/api/orders/%s/accept" % _segment(order_id),
                             json_body={"order_lines": order_lines})

    def update_tracking(self, order_id, carrier_code=None, carrier_name=None, carrier_url=None,
                        tracking_number=None, carrier_standard_code=None):
        """OR23: carrier and tracking number of an order (registered carrier: carrier_code;
        other carriers: carrier_name and optionally carrier_url)."""
        if not (carrier_code or carrier_name or carrier_standard_code):
            raise ValueError("OR23 needs carrier_code (registered carrier) or carrier_name")
        body = {key: value for key, value in {
            "carrier_code": carrier_code, "carrier_name": carrier_name,
            "carrier_standard_code": carrier_standard_code, "carrier_url": carrier_url,
            "tracking_number": tracking_number}.items() if value is not None}
        return self._request("OR23", "PUT", "/api/orders/%s/tracking" % _segment(order_id),
                             json_body=body)

    def mark_shipped(self, order_id):
        """OR24: confirm the shipment of a SHIPPING order (it becomes SHIPPED)."""
        return self._request("OR24", "PUT", "/api/orders/%s/ship" % _segment(order_id))

    def refund_order_lines(self, refunds, order_tax_mode=None):
        """OR28: refund order lines. Never retried blindly: each call creates new refunds.

        ``refunds``: [{order_line_id, amount, shipping_amount, reason_code, quantity?,
        currency_iso_code?, taxes?, shipping_taxes?, fees?}, ...]
        """
        _require_items("OR28", "refunds", refunds,
                       ("order_line_id", "amount", "shipping_amount", "reason_code"))
        body = {"refunds": list(refunds)}
        if order_tax_mode:
            body["order_tax_mode"] = order_tax_mode
        return self._request("OR28", "PUT", "/api/orders/refund", json_body=body)

    def cancel_order(self, order_id):
        """OR29: cancel a whole order (not yet debited)."""
        return self._request("OR29", "PUT", "/api/orders/%s/cancel" % _segment(order_id))

    def cancel_order_lines(self, cancelations, order_tax_mode=None):
        """OR30: cancel (part of) order lines. Never retried blindly: each call adds
        cancelations."""
        _require_items("OR30", "cancelations", cancelations,
                       ("order_line_id", "amount", "shipping_amount", "quantity",
                        "reason_code"))
        body = {"cancelations": list(cancelations)}
        if order_tax_mode:
            body["order_tax_mode"] = order_tax_mode
        return self._request("OR30", "PUT", "/api/orders/cancel", json_body=body)

    def resolve_incident(self, order_id, line_id, reason_code):
        """OR64: mark the incident open on an order line as resolved."""
        if not reason_code:
            raise ValueError("OR64 needs a reason_code")
        return self._request(
            "OR64", "PUT", "/api/orders/%s/lines/%s/resolve_incident"
            % (_segment(order_id), _segment(line_id)), json_body={"reason_code": reason_code})

    def list_order_documents(self, order_ids):
        """OR72: documents attached to orders -> {"order_documents": [...], "total_count"}."""
        if not order_ids:
            raise ValueError("OR72 needs at least one order id")
        return self._request("OR72", "GET", "/api/orders/documents",
                             params=build_query({"order_ids": _as_list(order_ids)}))

    def download_order_documents(self, order_ids=None, document_ids=None, document_codes=None):
        """OR73: one document (raw file) or several (a ZIP) -> MiraklFile."""
        if not (order_ids or document_ids):
            raise ValueError("OR73 needs order_ids or document_ids")
        return self._request("OR73", "GET", "/api/orders/documents/download",
                             params=build_query({
                                 "order_ids": _as_list(order_ids),
                                 "document_ids": _as_list(document_ids),
                                 "document_codes": _as_list(document_codes)}),
                             expect="file")

    def upload_order_documents(self, order_id, documents):
        """OR74: attach files to an order. ``documents``: [(file_name, bytes or file object,
        type_code), ...]. Mirakl answers 200 listing only the documents it rejected."""
        if not documents:
            raise ValueError("OR74 needs at least one document")
        names = [name for name, _content, _type in documents]
        if len(set(names)) != len(names):
            raise ValueError("OR74 document file names must be distinct, got %r" % names)
        files = [("files", (name, content, "application/octet-stream"))
                 for name, content, _type in documents]
        meta = {"order_documents": [{"file_name": name, "type_code": type_code}
                                    for name, _content, type_code in documents]}
        files.append(("order_documents", (None, json.dumps(meta), "application/json")))
        return self._request("OR74", "POST", "/api/orders/%s/documents" % _segment(order_id),
                             files=files)

    def list_order_taxes(self, locale=None):
        """OR75: order taxes of the platform."""
        return self._request("OR75", "GET", "/api/orders/taxes",
                             params=build_query({"locale": locale}))

    def create_order_thread(self, order_id, body, to, topic, files=None):
        """OR43: open a message thread on an order. ``to``: ["CUSTOMER", "OPERATOR"…];
        ``topic``: {"type": "FREE_TEXT"|"REASON_CODE", "value": …}. Not retried blindly."""
        thread = {"body": body, "to": list(to), "topic": topic}
        return self._request("OR43", "POST", "/api/orders/%s/threads" % _segment(order_id),
                             files=_json_part("thread_input", thread, files))

    # ------------------------------------------------------------------ shipments

    def create_shipments(self, shipments):
        """ST01: create shipments (multi-shipment platforms). Not retried blindly."""
        _require_items("ST01", "shipments", shipments, ("order_id",))
        return self._request("ST01", "POST", "/api/shipments",
                             json_body={"shipments": list(shipments)})

    def list_shipments(self, limit=MAX_PAGE_SIZE, page_token=None, **filters):
        """ST11: one page of shipments -> {"data", "next_page_token"?}."""
        return self._seek_page("ST11", "/api/shipments", _st11_query(filters), limit, page_token)

    def iter_shipments(self, limit=MAX_PAGE_SIZE, **filters):
        """ST11: every matching shipment."""
        return self._iter_seek("ST11", "/api/shipments", _st11_query(filters), limit)

    def update_shipment_tracking(self, shipments):
        """ST23: tracking of shipments: [{"id": shipment_id, "tracking": {...}}, ...]."""
        _require_items("ST23", "shipments", shipments, ("id", "tracking"))
        return self._request("ST23", "POST", "/api/shipments/tracking",
                             json_body={"shipments": list(shipments)})

    def mark_shipments_shipped(self, shipments):
        """ST24: validate shipments as shipped: [{"id": shipment_id}, ...]."""
        _require_items("ST24", "shipments", shipments, ("id",))
        return self._request("ST24", "PUT", "/api/shipments/ship",
                             json_body={"shipments": list(shipments)})

    # ------------------------------------------------------------------ offers

    def import_offers(self, file, import_mode="NORMAL", with_products=False,
                      operator_format=False, filename="offers.csv"):
        """OF01: upload an offer file (see csv_files.OfferCsvWriter) -> {"import_id"}.

        REPLACE deletes every offer of the shop that the file does not list. Not retried
        blindly (Mirakl de-duplicates identical imports, but not reliably enough to rely on).
        """
        if import_mode not in ("NORMAL", "REPLACE"):
            raise ValueError("OF01 import_mode must be NORMAL or REPLACE, got %r" % import_mode)
        data = {"import_mode": import_mode, "with_products": _format_value(with_products),
                "operator_format": _format_value(operator_format)}
        return self._request("OF01", "POST", "/api/offers/imports",
                             files=[("file", (filename, file, "text/csv"))], data=data,
                             governor_key="OF01:with_products" if with_products else "OF01")

    def get_offer_import(self, import_id):
        """OF02: status and counters of an offer import."""
        return self._request("OF02", "GET", "/api/offers/imports/%s" % _segment(import_id))

    def get_offer_import_error_report(self, import_id):
        """OF03: the error report (CSV) of an offer import -> MiraklFile."""
        return self._request("OF03", "GET", "/api/offers/imports/%s/error_report"
                             % _segment(import_id), expect="file")

    def list_offer_imports(self, limit=MAX_PAGE_SIZE, page_token=None, **filters):
        """OF04: one page of offer imports (start_date, end_date, status, mode, origins)."""
        return self._seek_page("OF04", "/api/offers/imports", _of04_query(filters), limit,
                               page_token)

    def iter_offer_imports(self, limit=MAX_PAGE_SIZE, **filters):
        """OF04: every matching offer import."""
        return self._iter_seek("OF04", "/api/offers/imports", _of04_query(filters), limit,
                               dedupe_key="import_id")

    def list_offers(self, offset=0, page_size=MAX_PAGE_SIZE, **filters):
        """OF21: one page of the shop's offers -> {"offers", "total_count"}."""
        _check_page_size(page_size)
        params = dict(_of21_query(filters), max=page_size, offset=offset)
        return self._request("OF21", "GET", "/api/offers", params=params)

    def iter_offers(self, page_size=MAX_PAGE_SIZE, **filters):
        """OF21: every offer of the shop."""
        return self._iter_offset("OF21", "/api/offers", "offers", _of21_query(filters),
                                 page_size, dedupe_key="offer_id")

    def get_offer(self, offer_id, pricing_channel_code=None,
                  pricing_customer_organization_id=None):
        """OF22: one offer by Mirakl offer id."""
        return self._request("OF22", "GET", "/api/offers/%s" % _segment(offer_id),
                             params=build_query({
                                 "pricing_channel_code": pricing_channel_code,
                                 "pricing_customer_organization_id":
                                     pricing_customer_organization_id}))

    def upsert_offers(self, offers):
        """OF24: create, update (full replace) or delete offers as JSON -> {"import_id"}."""
        _require_items("OF24", "offers", offers, ("shop_sku",))
        return self._request("OF24", "POST", "/api/offers", json_body={"offers": list(offers)})

    def export_offers_csv(self, last_request_date=None, channel_codes=None,
                          shipping_zones=None, include_inactive_offers=None,
                          include_fields=None):
        """OF51 (deprecated by Mirakl in favour of OF52): the shop's offers as CSV text."""
        return self._request("OF51", "GET", "/api/offers/export", params=build_query({
            "last_request_date": last_request_date, "channel_codes": channel_codes,
            "shipping_zones": shipping_zones, "include_inactive_offers": include_inactive_offers,
            "include_fields": include_fields}), expect="text")

    def request_offer_export(self, **options):
        """OF52: start an asynchronous offer export -> {"tracking_id"}. ``options`` are the
        spec's body fields (export_type, last_request_date, items_per_chunk…)."""
        return self._request("OF52", "POST", "/api/offers/export/async", json_body=options)

    def get_offer_export_status(self, tracking_id):
        """OF53: status of an OF52 export; COMPLETED carries the chunk ``urls``."""
        return self._request("OF53", "GET", "/api/offers/export/async/status/%s"
                             % _segment(tracking_id))

    def download_offer_export(self, url):
        """OF54: one chunk of a completed OF52 export (URL from OF53) -> MiraklFile.

        The key is only ever sent to the configured Mirakl host.
        """
        target = urlsplit(url)
        base = urlsplit(self.base_url)
        if (target.scheme, target.netloc) != (base.scheme, base.netloc):
            raise ValueError("OF54 URL %r is not on the Mirakl host %s; refusing to send the "
                             "API key there" % (url, base.netloc))
        return self._request("OF54", "GET", target.path, url=url.split("?")[0],
                             params={k: v for k, v in parse_qs(target.query).items()},
                             expect="file")

    def list_offer_states(self, active=None, locale=None):
        """OF61: offer conditions (state codes for the ``state`` CSV column)."""
        return self._request("OF61", "GET", "/api/offers/states",
                             params=build_query({"active": active, "locale": locale}))

    def import_stock(self, file, filename="stock.csv"):
        """STO01: upload a stock-only file (see csv_files.StockCsvWriter) -> {"import_id"}."""
        return self._request("STO01", "POST", "/api/offers/stock/imports",
                             files=[("file", (filename, file, "text/csv"))])

    def get_stock_import(self, import_id):
        """STO02: status of a stock import."""
        return self._request("STO02", "GET", "/api/offers/stock/imports/%s/status"
                             % _segment(import_id))

    def get_stock_import_error_report(self, import_id):
        """STO03: failed lines of a stock import (CSV) -> MiraklFile."""
        return self._request("STO03", "GET", "/api/offers/stock/imports/%s/error_report"
                             % _segment(import_id), expect="file")

    def import_prices(self, file, filename="prices.csv"):
        """PRI01: upload a price-only file (see csv_files.PriceCsvWriter) -> {"import_id"}."""
        return self._request("PRI01", "POST", "/api/offers/pricing/imports",
                             files=[("file", (filename, file, "text/csv"))])

    def list_price_imports(self, limit=MAX_PAGE_SIZE, page_token=None, **filters):
        """PRI02: one page of price imports (import_id, start_date, end_date, status, origins)."""
        return self._seek_page("PRI02", "/api/offers/pricing/imports", _pri02_query(filters),
                               limit, page_token)

    def iter_price_imports(self, limit=MAX_PAGE_SIZE, **filters):
        """PRI02: every matching price import."""
        return self._iter_seek("PRI02", "/api/offers/pricing/imports", _pri02_query(filters),
                               limit, dedupe_key="import_id")

    def get_price_import_error_report(self, import_id):
        """PRI03: failed lines of a price import (CSV) -> MiraklFile."""
        return self._request("PRI03", "GET", "/api/offers/pricing/imports/%s/error_report"
                             % _segment(import_id), expect="file")

    # ------------------------------------------------------------------ products

    def import_products(self, file, filename="products.csv", operator_format=None,
                        conversion_type=None, conversion_options=None):
        """P41: upload a product file to the operator's catalogue -> {"import_id"}."""
        data = build_query({"operator_format": operator_format,
                            "conversion_type": conversion_type,
                            "conversion_options": conversion_options})
        return self._request("P41", "POST", "/api/products/imports",
                             files=[("file", (filename, file, "text/csv"))], data=data)

    def get_product_import(self, import_id):
        """P42: status of a product import."""
        return self._request("P42", "GET", "/api/products/imports/%s" % _segment(import_id))

    def get_product_import_error_report(self, import_id):
        """P44: "non-integrated products" report -> MiraklFile."""
        return self._request("P44", "GET", "/api/products/imports/%s/error_report"
                             % _segment(import_id), expect="file")

    def get_product_import_transformation_error_report(self, import_id):
        """P47: "source file error report" of a product import -> MiraklFile."""
        return self._request("P47", "GET", "/api/products/imports/%s/transformation_error_report"
                             % _segment(import_id), expect="file")

    # ------------------------------------------------------------------ accounting

    def list_invoices(self, offset=0, page_size=MAX_PAGE_SIZE, **filters):
        """IV01: one page of accounting documents -> {"invoices", "total_count"}."""
        _check_page_size(page_size)
        return self._request("IV01", "GET", "/api/invoices",
                             params=dict(_iv01_query(filters), max=page_size, offset=offset))

    def iter_invoices(self, page_size=MAX_PAGE_SIZE, **filters):
        """IV01: every matching accounting document."""
        return self._iter_offset("IV01", "/api/invoices", "invoices", _iv01_query(filters),
                                 page_size, dedupe_key="invoice_id")

    def download_invoice(self, accounting_document_id):
        """IV02: the accounting document file (PDF…) -> MiraklFile."""
        return self._request("IV02", "GET", "/api/invoices/%s" % _segment(accounting_document_id),
                             expect="file")

    def list_transaction_logs(self, limit=MAX_PAGE_SIZE, page_token=None, **filters):
        """TL02: one page of transaction lines."""
        return self._seek_page("TL02", "/api/sellerpayment/transactions_logs",
                               _tl02_query(filters), limit, page_token)

    def iter_transaction_logs(self, limit=MAX_PAGE_SIZE, **filters):
        """TL02: every matching transaction line."""
        return self._iter_seek("TL02", "/api/sellerpayment/transactions_logs",
                               _tl02_query(filters), limit)

    # ------------------------------------------------------------------ messages, returns

    def get_thread(self, thread_id):
        """M10: one message thread with its messages."""
        return self._request("M10", "GET", "/api/inbox/threads/%s" % _segment(thread_id))

    def list_threads(self, limit=MAX_PAGE_SIZE, page_token=None, **filters):
        """M11: one page of threads (entity_type, entity_id, updated_since, with_messages,
        channel_codes)."""
        return self._seek_page("M11", "/api/inbox/threads", _m11_query(filters), limit,
                               page_token)

    def iter_threads(self, limit=MAX_PAGE_SIZE, **filters):
        """M11: every matching thread."""
        return self._iter_seek("M11", "/api/inbox/threads", _m11_query(filters), limit)

    def reply_to_thread(self, thread_id, body, to, topic=None, files=None):
        """M12: reply in a thread. ``to``: [{"type": "CUSTOMER"|"OPERATOR"|"SHOP", "id"?}].
        Not retried blindly (the message would be posted twice)."""
        message = {"body": body, "to": list(to)}
        if topic:
            message["topic"] = topic
        return self._request("M12", "POST", "/api/inbox/threads/%s/message"
                             % _segment(thread_id),
                             files=_json_part("message_input", message, files))

    def download_attachment(self, attachment_id):
        """M13: one message attachment -> MiraklFile."""
        return self._request("M13", "GET", "/api/inbox/threads/%s/download"
                             % _segment(attachment_id), expect="file")

    def create_operator_thread(self, body, entity, topic, files=None):
        """M14: open a thread with the operator. ``entity``: {"type": …}; not retried blindly."""
        thread = {"body": body, "entity": entity, "topic": topic}
        return self._request("M14", "POST", "/api/inbox/threads",
                             files=_json_part("thread_input", thread, files))

    def list_returns(self, limit=MAX_PAGE_SIZE, page_token=None, **filters):
        """RT11: one page of returns."""
        return self._seek_page("RT11", "/api/returns", _rt11_query(filters), limit, page_token)

    def iter_returns(self, limit=MAX_PAGE_SIZE, **filters):
        """RT11: every matching return."""
        return self._iter_seek("RT11", "/api/returns", _rt11_query(filters), limit)


# ---------------------------------------------------------------------- query builders


def _filter_query(op, filters, allowed, repeated=()):
    unknown = sorted(set(filters) - set(allowed))
    if unknown:
        raise ValueError("unknown %s filter(s) %s; expected some of %s"
                         % (op, ", ".join(unknown), ", ".join(sorted(allowed))))
    return build_query(filters, repeated=repeated)


def _or11_query(filters):
    for name, encoding in OR11_FILTERS.items():
        value = filters.get(name)
        if encoding == "bool" and value is not None and not isinstance(value, bool):
            raise ValueError("OR11 filter %s must be True or False, got %r" % (name, value))
    repeated = [name for name, encoding in OR11_FILTERS.items() if encoding == "repeat"]
    return _filter_query("OR11", filters, OR11_FILTERS, repeated)


def _or11_governor_key(filters):
    """Mirakl caps OR11 polling at once a minute but lets a lookup of given orders run "at each
    order page display", so a lookup by order_ids is governed apart (and, by default, freely)."""
    return "OR11:order_ids" if filters.get("order_ids") else "OR11"


def _st11_query(filters):
    array = ("order_id", "shipment_state_code", "shipment_customer_debit_state_code")
    return _filter_query("ST11", filters, array + ("last_updated_from", "last_updated_to",
                                                   "sort"), array)


def _of04_query(filters):
    return _filter_query("OF04", filters, ("start_date", "end_date", "status", "mode",
                                           "origins"), ("origins",))


def _of21_query(filters):
    return _filter_query("OF21", filters, (
        "offer_state_codes", "sku", "product_id", "favorite", "pricing_channel_code",
        "pricing_customer_organization_id", "sort", "order"))


def _pri02_query(filters):
    return _filter_query("PRI02", filters, ("import_id", "start_date", "end_date", "status",
                                            "origins"), ("import_id", "origins"))


def _iv01_query(filters):
    array = ("invoice_id", "issuing_user_types", "pay_out_psp_codes", "seller_billing_cycle_id")
    return _filter_query("IV01", filters, array + (
        "currency", "end_date", "payment_status", "start_date", "type", "sort", "order"), array)


def _tl02_query(filters):
    array = ("seller_billing_cycle_id", "payment_state", "transaction_type", "order_id",
             "order_line_id", "order_reference_for_customer", "order_reference_for_seller",
             "shop_model", "pay_out_psp_codes", "other_reference")
    return _filter_query("TL02", filters, array + (
        "date_created_from", "date_created_to", "transaction_date_from", "transaction_date_to",
        "last_updated_from", "accounting_document_number", "accounting_document_id", "sort"),
        array)


def _m11_query(filters):
    if filters.get("entity_id") and not filters.get("entity_type"):
        raise ValueError("M11 entity_id needs entity_type (e.g. MMP_ORDER)")
    array = ("entity_id", "channel_codes")
    return _filter_query("M11", filters, array + ("entity_type", "updated_since",
                                                  "with_messages", "sort"), array)


def _rt11_query(filters):
    array = ("return_id", "return_state", "order_commercial_id", "order_line_id", "return_rma",
             "customer_id")
    return _filter_query("RT11", filters, array + (
        "return_creation_date_from", "return_creation_date_to", "return_last_updated_from",
        "return_last_updated_to", "sort"), array)


# ---------------------------------------------------------------------- helpers


def _check_page_size(size):
    if not isinstance(size, int) or not 1 <= size <= MAX_PAGE_SIZE:
        raise ValueError("page size must be an integer from 1 to %d, got %r"
                         % (MAX_PAGE_SIZE, size))


def _segment(value):
    """A path parameter, percent-encoded so an id can never change the path."""
    if value in (None, ""):
        raise ValueError("a Mirakl id in the path is empty")
    return quote(str(value), safe="")


def _as_list(value):
    if value is None or isinstance(value, (list, tuple, set)):
        return value
    return [value]


def _require_items(op, name, items, required):
    if not items:
        raise ValueError("%s needs at least one item in %s" % (op, name))
    for index, item in enumerate(items):
        missing = [key for key in required if item.get(key) in (None, "")]
        if missing:
            raise ValueError("%s %s[%d] misses %s" % (op, name, index, ", ".join(missing)))


def _json_part(name, payload, files):
    parts = [(name, (None, json.dumps(payload), "application/json"))]
    for file_name, content in files or ():
        parts.append(("files", (file_name, content, "application/octet-stream")))
    return parts


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


def _parse_link(header):
    """{"next": url, ...} from a Link header, None when there is no header."""
    if not header:
        return None
    links = {}
    for match in re.finditer(r'<([^>]*)>\s*;\s*rel="?([^",;]+)"?', header):
        links[match.group(2).strip()] = match.group(1)
    return links


def _next_offset(links, fallback):
    if links is None:
        return fallback
    url = links.get("next")
    if url is None:
        return None
    offsets = parse_qs(urlsplit(url).query).get("offset")
    return int(offsets[0]) if offsets else fallback


def _filename(disposition):
    match = re.search(r"filename\*=(?:UTF-8'')?([^;]+)|filename=\"?([^\";]+)\"?", disposition or "")
    if not match:
        return None
    return unquote(match.group(1)) if match.group(1) else match.group(2)


def _describe_limit(windows):
    return " and ".join("%d call(s) per %d s" % (calls, seconds) for calls, seconds in windows)
