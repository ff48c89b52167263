"""What a forwarded webhook body says, read without trusting it (pure, no Odoo).

Two shapes are read:

* the flat event of relays such as Cognisance's: ``{"event_type": "ORDER_CREATED",
  "event_id": "...", "order_id": "...", "thread_id": "..."}`` (``type`` or ``event`` for the
  name, ``id`` for the event id, ids also under a ``data`` object);
* Mirakl MMP's HTTP webhook envelope: ``{"type"|"event_type": ..., "payload": [{...}]}``,
  one object per changed entity, each carrying the order (``order_id`` or ``id``) or thread.

The ids only say what to re-read: the processing job reads the order or thread from Mirakl's
API, so a forged body can at worst make us read our own data again.
"""

import hashlib

ORDER_EVENTS = frozenset({
    "ORDER_CREATED", "ORDER_STATE_CHANGED", "ORDER_REFUSED", "ORDER_UPDATED", "ORDER",
    "REFUND_CREATED",
})
MESSAGE_EVENTS = frozenset({"MESSAGE_RECEIVED", "THREAD_CREATED", "THREAD_UPDATED", "MESSAGE"})

# what a person can still read in the list of events; longer values are cut
MAX_ID_LENGTH = 100
MAX_IDS = 100


class WebhookPayloadError(ValueError):
    """The body is not a JSON object we can file; the message says why."""


def event_kind(event_type):
    """``order``, ``message`` or ``unknown`` for an event name (case-insensitive)."""
    name = (event_type or "").strip().upper()
    if name in ORDER_EVENTS:
        return "order"
    if name in MESSAGE_EVENTS:
        return "message"
    return "unknown"


def parse_event(data, raw_body):
    """Plain dict of a decoded JSON body: ``event_type``, ``event_id``, ``order_ids``,
    ``thread_ids``, ``kind`` and ``fingerprint`` (the sender's event id when it gives one,
    else the SHA-256 of the raw body, so a resend of the same event is recognised)."""
    if not isinstance(data, dict):
        raise WebhookPayloadError("the webhook body must be a JSON object, not %s"
                                  % type(data).__name__)
    event_type = _text(_first(data, "event_type", "type", "event")) or ""
    event_id = _text(_first(data, "event_id", "id"))
    sources = [data]
    if isinstance(data.get("data"), dict):
        sources.append(data["data"])
    items = data.get("payload")
    if isinstance(items, dict):
        items = [items]
    items = [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
    order_ids, thread_ids = [], []
    for source in sources:
        _collect(order_ids, source.get("order_id"), source.get("order_ids"))
        _collect(thread_ids, source.get("thread_id"), source.get("thread_ids"))
    for item in items:
        _collect(thread_ids, item.get("thread_id"))
        if item.get("thread_id") and not item.get("order_id"):
            continue
        # MMP's order payload names the order ``id``; ``order_id`` in the other shapes
        _collect(order_ids, item.get("order_id") or item.get("id"))
    if event_id:
        fingerprint = "id:%s" % event_id
    else:
        fingerprint = "sha256:%s" % hashlib.sha256(bytes(raw_body)).hexdigest()
    return {
        "event_type": event_type[:MAX_ID_LENGTH],
        "event_id": event_id,
        "order_ids": order_ids[:MAX_IDS],
        "thread_ids": thread_ids[:MAX_IDS],
        "kind": event_kind(event_type),
        "fingerprint": fingerprint,
    }


def _first(data, *keys):
    for key in keys:
        if data.get(key) not in (None, ""):
            return data[key]
    return None


def _text(value):
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value).strip()[:MAX_ID_LENGTH] or None


def _collect(into, *values):
    for value in values:
        for item in value if isinstance(value, list) else [value]:
            text = _text(item)
            if text and text not in into:
                into.append(text)
