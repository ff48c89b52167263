"""Order calls: listing, acceptance, tracking, shipping, refunds, cancellations, incidents,
documents, taxes and order threads."""

import json

from ..paging import MAX_PAGE_SIZE, check_page_size
from .params import as_list, build_query, filter_query, json_part, require_items, segment

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


class OrdersApi:
    """Order calls (OR11-OR75)."""

    def list_orders(self, offset=0, page_size=MAX_PAGE_SIZE, sort="dateCreated", order="asc",
                    **filters):
        """OR11: one page of orders -> {"orders": [...], "total_count": n}."""
        check_page_size(page_size)
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
        return self._request("OR21", "PUT", "/api/orders/%s/accept" % segment(order_id),
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
        return self._request("OR23", "PUT", "/api/orders/%s/tracking" % segment(order_id),
                             json_body=body)

    def mark_shipped(self, order_id):
        """OR24: confirm the shipment of a SHIPPING order (it becomes SHIPPED)."""
        return self._request("OR24", "PUT", "/api/orders/%s/ship" % segment(order_id))

    def refund_order_lines(self, refunds, order_tax_mode=None):
        """OR28: refund order lines. Never retried blindly: each call creates new refunds.

        ``refunds``: [{order_line_id, amount, shipping_amount, reason_code, quantity?,
        currency_iso_code?, taxes?, shipping_taxes?, fees?}, ...]
        """
        require_items("OR28", "refunds", refunds,
                       ("order_line_id", "amount", "shipping_amount", "reason_code"))
        body = {"refunds": list(refunds)}
        if order_tax_mode:
            body["order_tax_mode"] = order_tax_mode
        return self._request("OR28", "PUT", "/api/orders/refund", json_body=body)

    def cancel_order(self, order_id):
        """OR29: cancel a whole order (not yet debited)."""
        return self._request("OR29", "PUT", "/api/orders/%s/cancel" % segment(order_id))

    def cancel_order_lines(self, cancelations, order_tax_mode=None):
        """OR30: cancel (part of) order lines. Never retried blindly: each call adds
        cancelations."""
        require_items("OR30", "cancelations", cancelations,
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
            % (segment(order_id), segment(line_id)), json_body={"reason_code": reason_code})

    def list_order_documents(self, order_ids):
        """OR72: documents attached to orders -> {"order_documents": [...], "total_count"}."""
        if not order_ids:
            raise ValueError("OR72 needs at least one order id")
        return self._request("OR72", "GET", "/api/orders/documents",
                             params=build_query({"order_ids": as_list(order_ids)}))

    def download_order_documents(self, order_ids=None, document_ids=None, document_codes=None):
        """OR73: one document (raw file) or several (a ZIP) -> MiraklFile."""
        if not (order_ids or document_ids):
            raise ValueError("OR73 needs order_ids or document_ids")
        return self._request("OR73", "GET", "/api/orders/documents/download",
                             params=build_query({
                                 "order_ids": as_list(order_ids),
                                 "document_ids": as_list(document_ids),
                                 "document_codes": as_list(document_codes)}),
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
        return self._request("OR74", "POST", "/api/orders/%s/documents" % segment(order_id),
                             files=files)

    def list_order_taxes(self, locale=None):
        """OR75: order taxes of the platform."""
        return self._request("OR75", "GET", "/api/orders/taxes",
                             params=build_query({"locale": locale}))

    def create_order_thread(self, order_id, body, to, topic, files=None):
        """OR43: open a message thread on an order. ``to``: ["CUSTOMER", "OPERATOR"…];
        ``topic``: {"type": "FREE_TEXT"|"REASON_CODE", "value": …}. Not retried blindly."""
        thread = {"body": body, "to": list(to), "topic": topic}
        return self._request("OR43", "POST", "/api/orders/%s/threads" % segment(order_id),
                             files=json_part("thread_input", thread, files))


def _or11_query(filters):
    for name, encoding in OR11_FILTERS.items():
        value = filters.get(name)
        if encoding == "bool" and value is not None and not isinstance(value, bool):
            raise ValueError("OR11 filter %s must be True or False, got %r" % (name, value))
    repeated = [name for name, encoding in OR11_FILTERS.items() if encoding == "repeat"]
    return filter_query("OR11", filters, OR11_FILTERS, repeated)


def _or11_governor_key(filters):
    """Mirakl caps OR11 polling at once a minute but lets a lookup of given orders run "at each
    order page display", so a lookup by order_ids is governed apart (and, by default, freely)."""
    return "OR11:order_ids" if filters.get("order_ids") else "OR11"
