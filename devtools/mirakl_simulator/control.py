"""The /_sim control API: what the operator, the customer and the tests do to the simulator."""

import base64
import json

from . import documents, platform, seed, webhooks
from .clock import format_datetime
from .offers import OFFER_DEFAULTS, offer_api
from .web import ApiError, Response

# advance(order, action): operator and customer moves a seller cannot make through the API.
ACTIONS = (
    "validate",
    "accept",
    "accept_pending_debit",
    "refuse",
    "debit",
    "ship",
    "ready_for_collection",
    "receive",
    "close",
    "auto_refuse",
    "cancel",
    "open_incident",
    "pay_refunds",
)


def apply_step(order, action, now, line_id=None):
    if action == "accept":
        order.decide([(line.line_id, True) for line in order.lines], now)
    elif action == "refuse":
        order.decide([(line.line_id, False) for line in order.lines], now)
    elif action == "open_incident":
        order.open_incident(line_id or order.lines[0].line_id, now)
    elif action in ACTIONS:
        getattr(order, action)(now)
    else:
        raise ApiError(400, "Unknown action '%s' (one of %s)" % (action, ", ".join(ACTIONS)))


def _body(request):
    if not request.body:
        return {}
    try:
        return json.loads(request.body)
    except ValueError as error:
        raise ApiError(400, "Malformed JSON: %s" % error)


def _find_order(sim, order_id):
    for shop in sim.shops.values():
        if order_id in shop.orders:
            return shop.orders[order_id]
    raise ApiError(404, "No order %s" % order_id)


def reset(sim, request):
    sim.reset(seed=bool(_body(request).get("seed")))
    webhooks.sender(sim).configure(None, None, False)  # a test's forwarding ends with it
    return Response.empty()


def list_shops(sim, request):
    return Response.json(
        {
            "shops": [shop.describe() for shop in sim.shops.values()],
            "multi_shop_api_key": next(k for k, ids in sim.keys.items() if len(ids) > 1),
        }
    )


def add_document(sim, request):
    """The operator attaches a file to an order: {type_code, file_name, content_base64}."""
    body = _body(request)
    order = _find_order(sim, request.path_params["order_id"])
    with sim.lock:
        document = documents.add_operator_document(
            sim,
            order,
            body.get("type_code", "SYSTEM_DELIVERY_BILL"),
            body.get("file_name") or "label.pdf",
            base64.b64decode(body.get("content_base64") or ""),
        )
    return Response.json({"id": document["id"]}, status=201)


def configure_platform(sim, request):
    """Deep-merge the body into the shop's PC01 answer (e.g. features.shipment.multi_shipment)."""
    shop = sim.shop_for(request.path_params["shop_id"])
    with sim.lock:
        platform.merge(shop.platform, _body(request))
    return Response.json(shop.platform)


def create_order(sim, request):
    spec = _body(request)
    order = sim.create_order(sim.shop_for(spec.get("shop_id")), spec)
    webhooks.sender(sim).on_change(sim.now(), "ORDER_CREATED", order_id=order.order_id)
    return Response.json(order.to_api(), status=201)


def get_order(sim, request):
    return Response.json(_find_order(sim, request.path_params["order_id"]).to_api())


def advance_order(sim, request):
    body = _body(request)
    order = _find_order(sim, request.path_params["order_id"])
    before = order.state
    apply_step(order, body.get("action"), sim.now(), body.get("line_id"))
    if order.state != before:
        event = "ORDER_REFUSED" if order.state == "REFUSED" else "ORDER_STATE_CHANGED"
        webhooks.sender(sim).on_change(sim.now(), event, order_id=order.order_id)
    return Response.json(order.to_api())


def clock(sim, request):
    if request.method == "POST":
        sim.move_clock(float(_body(request).get("seconds", 0)))
    return Response.json({"now": format_datetime(sim.now())})


def add_fault(sim, request):
    body = _body(request)
    if not body.get("operation") or not body.get("kind"):
        raise ApiError(400, "operation and kind are required")
    sim.add_fault(
        body["operation"],
        str(body["kind"]),
        body.get("count", 1),
        body.get("retry_after", 1),
        body.get("seconds", 5.0),
    )
    return Response.empty()


def clear_faults(sim, request):
    sim.faults.clear()
    return Response.empty()


def request_log(sim, request):
    return Response.json({"requests": list(sim.log)})


def clear_request_log(sim, request):
    sim.log.clear()
    return Response.empty()


def violations(sim, request):
    return Response.json({"validating": sim.validator is not None, "violations": sim.violations})


def rate_limits(sim, request):
    sim.rate_limiter.enabled = bool(_body(request).get("enabled"))
    sim.rate_limiter.reset()
    return Response.json({"enabled": sim.rate_limiter.enabled})


def add_product(sim, request):
    body = _body(request)
    product = sim.add_product(
        body["product_sku"],
        body.get("title", body["product_sku"]),
        body.get("category_code", "electronics"),
        body.get("ean"),
        body.get("brand", ""),
    )
    return Response.json(product, status=201)


def add_offer(sim, request):
    body = _body(request)
    shop = sim.shop_for(body.pop("shop_id", None))
    title = body.pop("product_title", None)
    if body.get("product_sku") not in sim.products:
        sim.add_product(body["product_sku"], title or body["product_sku"])
    required = [body.pop(key) for key in ("shop_sku", "product_sku", "price")]
    quantity = body.pop("quantity", 0)
    unknown = sorted(set(body) - set(OFFER_DEFAULTS) - {"state_code"})
    if unknown:
        raise ApiError(400, "Unknown offer field(s): %s" % ", ".join(unknown))
    offer = seed.add_offer(sim, shop, *required, quantity, **body)
    return Response.json(offer_api(sim, shop, offer), status=201)


def add_thread(sim, request):
    """A customer (order_id given) or the operator writes to the shop; attachments are base64."""
    body = _body(request)
    shop = sim.shop_for(body.get("shop_id"))
    order = shop.order(body["order_id"]) if body.get("order_id") else None
    attachments = [
        (item["name"], base64.b64decode(item["content_base64"]))
        for item in body.get("attachments", [])
    ]
    thread = seed.add_customer_thread(
        sim, shop, body.get("body", "Hello"), order, body.get("topic", "Question"), attachments
    )
    webhooks.sender(sim).on_change(
        sim.now(), "MESSAGE_RECEIVED", order_id=order.order_id if order else None,
        thread_id=thread.thread_id,
    )
    return Response.json(thread.to_api(), status=201)


def configure_webhooks(sim, request):
    body = _body(request)
    sender = webhooks.sender(sim)
    if request.method == "POST":
        sender.configure(body.get("url"), body.get("secret"), body.get("enabled", True))
    return Response.json(sender.describe())


def send_webhook(sim, request):
    """A test's own event: any type, ``forged`` (wrong key) or ``resend`` (index in sent)."""
    body = _body(request)
    try:
        status = webhooks.sender(sim).send(
            sim.now(), body.get("event_type", "ORDER_STATE_CHANGED"),
            order_id=body.get("order_id"), thread_id=body.get("thread_id"),
            forged=bool(body.get("forged")), resend=body.get("resend"),
        )
    except (ValueError, IndexError, TypeError) as error:
        raise ApiError(400, str(error))
    return Response.json({"status": status})


def add_invoice(sim, request):
    body = _body(request)
    shop = sim.shop_for(body.pop("shop_id", None))
    invoice = seed.add_invoice(
        sim, shop, body.pop("amount_excl_taxes"), body.pop("taxes", 0), **body
    )
    return Response.json({"invoice_id": invoice["invoice_id"]}, status=201)


def add_transaction(sim, request):
    body = _body(request)
    shop = sim.shop_for(body.pop("shop_id", None))
    entry = seed.add_transaction(sim, shop, body.pop("type"), body.pop("amount"), **body)
    return Response.json({"id": entry["id"]}, status=201)


def add_return(sim, request):
    body = _body(request)
    order = _find_order(sim, body["order_id"])
    item = seed.add_return(
        sim,
        order.shop,
        order,
        body.get("reason_code", "RET_DAMAGED"),
        body.get("state", "WAITING_ACCEPTANCE"),
    )
    return Response.json({"id": item["id"]}, status=201)


def register(router):
    router.add("POST", "/_sim/reset", "reset", reset)
    router.add("GET", "/_sim/shops", "shops", list_shops)
    router.add("POST", "/_sim/shops/{shop_id}/platform", "configure_platform", configure_platform)
    router.add("POST", "/_sim/orders", "create_order", create_order)
    router.add("GET", "/_sim/orders/{order_id}", "get_order", get_order)
    router.add("POST", "/_sim/orders/{order_id}/advance", "advance", advance_order)
    router.add("POST", "/_sim/orders/{order_id}/documents", "add_document", add_document)
    router.add("GET", "/_sim/clock", "clock", clock)
    router.add("POST", "/_sim/clock", "move_clock", clock)
    router.add("POST", "/_sim/faults", "inject_fault", add_fault)
    router.add("DELETE", "/_sim/faults", "clear_faults", clear_faults)
    router.add("GET", "/_sim/requests", "request_log", request_log)
    router.add("DELETE", "/_sim/requests", "clear_request_log", clear_request_log)
    router.add("GET", "/_sim/violations", "violations", violations)
    router.add("POST", "/_sim/rate_limits", "rate_limits", rate_limits)
    router.add("POST", "/_sim/products", "add_product", add_product)
    router.add("POST", "/_sim/offers", "add_offer", add_offer)
    router.add("POST", "/_sim/threads", "add_thread", add_thread)
    router.add("GET", "/_sim/webhooks", "webhooks", configure_webhooks)
    router.add("POST", "/_sim/webhooks", "configure_webhooks", configure_webhooks)
    router.add("POST", "/_sim/webhooks/send", "send_webhook", send_webhook)
    router.add("POST", "/_sim/invoices", "add_invoice", add_invoice)
    router.add("POST", "/_sim/transactions", "add_transaction", add_transaction)
    router.add("POST", "/_sim/returns", "add_return", add_return)
