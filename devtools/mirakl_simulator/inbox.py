"""Inbox threads with attachments (M10–M14) and threads opened on an order (OR43)."""

import json

from .clock import format_datetime, parse_datetime
from .multipart import form_fields
from .paging import seek_page
from .web import ApiError, Response


def _participant(shop, kind, customer=None):
    if kind == "SHOP":
        return {"type": "SHOP", "id": str(shop.shop_id), "display_name": shop.name}
    if kind == "CUSTOMER":
        customer = customer or {"customer_id": "CUSTOMER", "firstname": "Customer", "lastname": ""}
        name = ("%s %s" % (customer.get("firstname", ""), customer.get("lastname", ""))).strip()
        return {"type": "CUSTOMER", "id": customer["customer_id"], "display_name": name}
    return {"type": "OPERATOR", "display_name": "Marketplace operator"}


class Thread:
    def __init__(self, shop, thread_id, topic, entity, participants, now):
        self.shop = shop
        self.thread_id = thread_id
        self.topic = topic
        self.entity = entity  # {"type": "MMP_ORDER", "id": …, "label": …} or None
        self.participants = participants
        self.created = now
        self.updated = now
        self.messages = []

    def add_message(self, sim, sender, recipients, body, attachments):
        message_id = "MSG-%s" % self.shop.next_id("message")
        stored = []
        for part in attachments:
            attachment_id = "ATT-%s" % self.shop.next_id("attachment")
            sim.attachments[attachment_id] = (part.filename or "attachment", part.content)
            stored.append(
                {
                    "id": attachment_id,
                    "name": part.filename or "attachment",
                    "size": len(part.content),
                }
            )
        now = sim.now()
        self.messages.append(
            {
                "id": message_id,
                "from": sender,
                "to": recipients,
                "body": body,
                "date_created": format_datetime(now),
                "attachments": stored,
            }
        )
        self.updated = now
        return message_id

    def to_api(self, with_messages=True):
        last = self.messages[-1]
        waiting = [m for m in self.messages if m["from"]["type"] != "SHOP"]
        payload = {
            "id": self.thread_id,
            "topic": dict(self.topic),
            "date_created": format_datetime(self.created),
            "date_updated": format_datetime(self.updated),
            "authorized_participants": list(self.participants),
            "current_participants": list(self.participants),
            "entities": [dict(self.entity)] if self.entity else [],
            "metadata": {
                "last_message_date": last["date_created"],
                "last_sender": dict(last["from"]),
                "shop_reply_needed_since": (waiting[-1] if waiting else self.messages[0])[
                    "date_created"
                ],
                "total_count": len(self.messages),
            },
        }
        if with_messages:
            payload["messages"] = [dict(message) for message in self.messages]
        return payload


def _json_part(fields, name):
    if not fields.get(name):
        raise ApiError(400, "The multipart part '%s' is required" % name)
    try:
        value = json.loads(fields[name][0].content)
    except ValueError:
        raise ApiError(400, "The part '%s' must be JSON" % name)
    if not isinstance(value, dict) or not value.get("body"):
        raise ApiError(400, "%s.body is required" % name)
    return value


def _recipients(wanted, known):
    """The participants named by ``to`` [{type}], taken from ``known`` {type: participant}."""
    recipients = []
    for item in wanted or []:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind not in known:
            raise ApiError(400, "Cannot send a message to '%s' here" % kind)
        recipients.append(known[kind])
    if not recipients:
        raise ApiError(400, "At least one recipient is required")
    return recipients


def new_thread(sim, shop, topic, entity, participants):
    thread = Thread(shop, "THR-%s" % shop.next_id("thread"), topic, entity, participants, sim.now())
    shop.threads[thread.thread_id] = thread
    return thread


def _thread(shop, thread_id):
    thread = shop.threads.get(thread_id)
    if thread is None:
        raise ApiError(404, "Thread %s not found" % thread_id)
    return thread


def get_thread(sim, shop, request):
    """M10."""
    return Response.json(_thread(shop, request.path_params["thread_id"]).to_api())


def list_threads(sim, shop, request):
    """M11 (seek pagination, default page 50, most recently updated first)."""
    with_messages = request.bool_arg("with_messages")

    def rows(query):
        entity_type = (query.get("entity_type") or [None])[-1]
        entity_ids = {
            value for raw in query.get("entity_id", []) for value in raw.split(",") if value
        }
        since = (query.get("updated_since") or [None])[-1]
        selected = [
            thread
            for thread in shop.threads.values()
            if (not entity_type or (thread.entity and thread.entity["type"] == entity_type))
            and (not entity_ids or (thread.entity and thread.entity["id"] in entity_ids))
            and (not since or thread.updated >= parse_datetime(since))
        ]
        selected.sort(key=lambda thread: (thread.updated, thread.thread_id))
        return [thread.to_api(with_messages=bool(with_messages)) for thread in selected]

    return seek_page(request, rows, default_limit=50, descending=True)


def reply(sim, shop, request):
    """M12: multipart message_input (JSON) + files."""
    thread = _thread(shop, request.path_params["thread_id"])
    fields = form_fields(request)
    message = _json_part(fields, "message_input")
    known = {"OPERATOR": _participant(shop, "OPERATOR")}
    known.update((p["type"], p) for p in thread.participants if p["type"] != "SHOP")
    recipients = _recipients(message.get("to"), known)
    message_id = thread.add_message(
        sim, _participant(shop, "SHOP"), recipients, message["body"], fields.get("files", [])
    )
    return Response.json({"thread_id": thread.thread_id, "message_id": message_id}, status=201)


def download_attachment(sim, shop, request):
    """M13."""
    found = sim.attachments.get(request.path_params["attachment_id"])
    if found is None:
        raise ApiError(404, "Attachment not found")
    return Response.file(found[1], found[0])


def open_operator_thread(sim, shop, request):
    """M14: a thread between the shop and the operator."""
    fields = form_fields(request)
    thread_input = _json_part(fields, "thread_input")
    entity = thread_input.get("entity") or {}
    if not entity.get("type"):
        raise ApiError(400, "thread_input.entity.type is required")
    topic = thread_input.get("topic") or {"type": "FREE_TEXT", "value": "Question"}
    participants = [_participant(shop, "SHOP"), _participant(shop, "OPERATOR")]
    label = entity.get("id") or entity["type"]
    thread = new_thread(
        sim,
        shop,
        topic,
        {"type": entity["type"], "id": entity.get("id", ""), "label": label},
        participants,
    )
    message_id = thread.add_message(
        sim, participants[0], [participants[1]], thread_input["body"], fields.get("files", [])
    )
    return Response.json({"thread_id": thread.thread_id, "message_id": message_id}, status=201)


def open_order_thread(sim, shop, request):
    """OR43: a thread on an order, to the customer and/or the operator."""
    order = shop.order(request.path_params["order_id"])
    fields = form_fields(request)
    thread_input = _json_part(fields, "thread_input")
    topic = thread_input.get("topic")
    if not isinstance(topic, dict) or not topic.get("type") or not topic.get("value"):
        raise ApiError(400, "thread_input.topic {type, value} is required")
    known = {kind: _participant(shop, kind, order.customer) for kind in ("CUSTOMER", "OPERATOR")}
    # OR43 names recipients as plain strings ("CUSTOMER"), unlike M12's {"type": …} objects.
    wanted = [
        {"type": kind} if isinstance(kind, str) else kind for kind in thread_input.get("to") or []
    ]
    recipients = _recipients(wanted, known)
    participants = [_participant(shop, "SHOP")] + recipients
    entity = {"type": "MMP_ORDER", "id": order.order_id, "label": order.order_id}
    thread = new_thread(sim, shop, topic, entity, participants)
    message_id = thread.add_message(
        sim, participants[0], recipients, thread_input["body"], fields.get("files", [])
    )
    return Response.json({"thread_id": thread.thread_id, "message_id": message_id}, status=201)


def register(router):
    router.add("GET", "/api/inbox/threads", "M11", list_threads)
    router.add("GET", "/api/inbox/threads/{thread_id}", "M10", get_thread)
    router.add("POST", "/api/inbox/threads/{thread_id}/message", "M12", reply)
    router.add("GET", "/api/inbox/threads/{attachment_id}/download", "M13", download_attachment)
    router.add("POST", "/api/inbox/threads", "M14", open_operator_thread)
    router.add("POST", "/api/orders/{order_id}/threads", "OR43", open_order_thread)
