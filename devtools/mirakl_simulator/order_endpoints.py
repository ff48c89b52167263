"""The order endpoints (OR11, OR21, OR23, OR24, OR28–OR30, OR64, OR75) over the order engine."""

from datetime import timedelta

from . import shipments
from .clock import parse_datetime
from .money import to_amount, to_cents
from .orders import (
    CANCELABLE_STATES,
    REFUNDABLE_LINE_STATES,
    Order,
    invalid_state,
    new_adjustment,
)
from .paging import offset_page
from .web import ApiError, Response


def list_orders(sim, shop, request):
    """OR11: offset-paginated, sorted by creation date then order, filters of reference §4.3."""
    orders = _filter_orders(sim, shop.orders.values(), request)
    orders.sort(
        key=lambda order: (order.created, order.sequence), reverse=request.arg("order") == "desc"
    )
    tax_mode = request.arg("order_tax_mode")
    return offset_page(
        request, orders, "orders", sim.base_url,
        serialize=lambda order: Order.to_api(order, tax_mode),
    )


def _filter_orders(sim, orders, request):
    ids = set(request.args("order_ids"))
    states = set(request.args("order_state_codes"))
    channels = set(request.args("channel_codes"))
    for_customer = set(request.args("order_references_for_customer"))
    for_seller = set(request.args("order_references_for_seller"))
    windows = []
    for field, start_name, end_name in (
        ("created", "start_date", "end_date"),
        ("updated", "start_update_date", "end_update_date"),
    ):
        start, end = _date_arg(request, start_name), _date_arg(request, end_name)
        if field == "updated" and start is not None:
            start -= timedelta(seconds=sim.update_date_overlap)
        windows.append((field, start, end))
    flags = {
        name: request.bool_arg(name)
        for name in ("only_null_channel", "customer_debited", "has_incident")
    }
    workflow = request.arg("payment_workflow")
    selected = []
    for order in orders:
        if ids and order.order_id not in ids:
            continue
        if states and order.state not in states:
            continue
        if flags["only_null_channel"]:
            if order.channel:
                continue
        elif channels and (not order.channel or order.channel["code"] not in channels):
            continue
        if (
            for_customer
            and order.references.get("order_reference_for_customer", order.commercial_id)
            not in for_customer
        ):
            continue
        if for_seller and order.references.get("order_reference_for_seller") not in for_seller:
            continue
        if any(
            (start and getattr(order, f) < start) or (end and getattr(order, f) > end)
            for f, start, end in windows
        ):
            continue
        if (
            flags["customer_debited"] is not None
            and (order.debited is not None) != flags["customer_debited"]
        ):
            continue
        if flags["has_incident"] is not None and order.has_incident != flags["has_incident"]:
            continue
        if workflow and order.payment_workflow != workflow:
            continue
        selected.append(order)
    return selected


def _date_arg(request, name):
    value = request.arg(name)
    if not value:
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        raise ApiError(400, "Parameter '%s' is not an ISO-8601 date-time: %s" % (name, value))


def accept_order(sim, shop, request):
    """OR21."""
    order = shop.order(request.path_params["order_id"])
    body = request.json()
    lines = body.get("order_lines")
    if not isinstance(lines, list) or not lines:
        raise ApiError(400, "VALIDATION_ERROR: order_lines is required", code="VALIDATION_ERROR")
    decisions = []
    for item in lines:
        if not isinstance(item, dict):
            raise ApiError(
                400, "ORDER_LINE_NULL_ELEMENT: null order line", code="ORDER_LINE_NULL_ELEMENT"
            )
        if not isinstance(item.get("accepted"), bool) or not item.get("id"):
            raise ApiError(
                400,
                "VALIDATION_ERROR: each order line needs id and accepted",
                code="VALIDATION_ERROR",
            )
        decisions.append((item["id"], item["accepted"]))
    order.decide(decisions, sim.now())
    return Response.empty()


def update_tracking(sim, shop, request):
    """OR23: a known carrier_code fills the name and builds the URL from the SH21 template."""
    order = shop.order(request.path_params["order_id"])
    order.require("SHIPPING", "TO_COLLECT", "SHIPPED")
    body = request.json()
    number = body.get("tracking_number")
    tracking = {}
    if body.get("carrier_code"):
        carrier = sim.reference.carrier(body["carrier_code"])
        if carrier is None:
            raise ApiError(400, "Unknown carrier code '%s'" % body["carrier_code"])
        tracking["shipping_carrier_code"] = carrier["code"]
        tracking["shipping_company"] = carrier["label"]
        if carrier.get("standard_code"):
            tracking["shipping_carrier_standard_code"] = carrier["standard_code"]
        template = carrier.get("tracking_url")
        if template and number:
            tracking["shipping_tracking_url"] = template.replace("{trackingId}", number)
    elif body.get("carrier_name"):
        tracking["shipping_company"] = body["carrier_name"]
    else:
        raise ApiError(400, "carrier_code or carrier_name is required")
    if body.get("carrier_url"):
        tracking["shipping_tracking_url"] = body["carrier_url"]
    if number:
        tracking["shipping_tracking"] = number
    order.tracking = tracking
    order.updated = sim.now()
    return Response.empty()


def ship_order(sim, shop, request):
    """OR24; a shipping type with mandatory tracking needs the number (OR23) first."""
    order = shop.order(request.path_params["order_id"])
    order.require("SHIPPING")
    if shipments.tracking_required(sim, order) and not order.tracking.get("shipping_tracking"):
        raise ApiError(
            400,
            "A tracking number is mandatory for shipping type '%s': set it with OR23 first"
            % order.shipping_type["code"],
        )
    order.ship(sim.now())
    return Response.empty()


def cancel_order(sim, shop, request):
    """OR29."""
    shop.order(request.path_params["order_id"]).cancel(sim.now())
    return Response.empty()


def _line_by_id(shop, line_id):
    for order in shop.orders.values():
        if line_id.startswith(order.order_id + "-"):
            return order, order.line(line_id)
    raise ApiError(
        404, "ORDER_LINE_NOT_FOUND: no order line %s" % line_id, code="ORDER_LINE_NOT_FOUND"
    )


def _amounts(item, names):
    try:
        return [to_cents(item[name]) for name in names]
    except (KeyError, TypeError, ValueError):
        raise ApiError(
            400,
            "VALIDATION_ERROR: %s are required numbers" % ", ".join(names),
            code="VALIDATION_ERROR",
        )


def refund_lines(sim, shop, request):
    """OR28: each refund starts WAITING_REFUND until the operator pays it (control: pay_refunds)."""
    body = request.json()
    now = sim.now()
    created = []
    for item in body.get("refunds") or []:
        order, line = _line_by_id(shop, item.get("order_line_id", ""))
        if line.state not in REFUNDABLE_LINE_STATES:
            raise ApiError(
                400,
                "ORDER_LINE_INVALID_STATE: line %s is %s and cannot be refunded"
                % (line.line_id, line.state),
                code="ORDER_LINE_INVALID_STATE",
            )
        sim.reference.require_reason(item.get("reason_code"), "REFUND")
        cents, shipping_cents = _amounts(item, ("amount", "shipping_amount"))
        if cents < 0 or shipping_cents < 0 or line.refunded_cents + cents > line.price_cents:
            raise ApiError(
                400, "Refund of %s exceeds what line %s can refund" % (item["amount"], line.line_id)
            )
        record = new_adjustment(
            "refund",
            order,
            line,
            now,
            cents,
            shipping_cents,
            int(item.get("quantity", 0)),
            item["reason_code"],
            item.get("taxes"),
            item.get("shipping_taxes"),
        )
        record["state"] = "WAITING_REFUND"  # until the operator pays it
        line.refunds.append(record)
        line.touch(now)
        created.append(
            dict(_adjustment_api(order, line, record), refund_id=record["id"],
                 order_refund_id=record["id"])
        )
    if not created:
        raise ApiError(400, "VALIDATION_ERROR: refunds is required", code="VALIDATION_ERROR")
    return Response.json(
        {"order_tax_mode": body.get("order_tax_mode", shop.tax_mode), "refunds": created}
    )


def _adjustment_api(order, line, record):
    """What OR28 and OR30 answer for each refund or cancelation they created."""
    return {
        "order_line_id": line.line_id,
        "amount": to_amount(record["cents"]),
        "shipping_amount": to_amount(record["shipping_cents"]),
        "quantity": record["quantity"],
        "reason_code": record["reason_code"],
        "currency_iso_code": order.currency,
        "taxes": record["taxes"],
        "shipping_taxes": record["shipping_taxes"],
    }


def cancel_lines(sim, shop, request):
    """OR30: a line canceled in full becomes CANCELED; every line gone → order CANCELED."""
    body = request.json()
    now = sim.now()
    created = []
    for item in body.get("cancelations") or []:
        order, line = _line_by_id(shop, item.get("order_line_id", ""))
        if not order.can_cancel or line.state in ("REFUSED", "CANCELED"):
            raise invalid_state(order, list(CANCELABLE_STATES))
        sim.reference.require_reason(item.get("reason_code"), "CANCELATION")
        cents, shipping_cents = _amounts(item, ("amount", "shipping_amount"))
        quantity = int(item.get("quantity") or 0)
        if quantity < 1 or line.canceled_quantity + quantity > line.quantity:
            raise ApiError(400, "Cannot cancel %s of line %s" % (quantity, line.line_id))
        record = new_adjustment(
            "cancelation",
            order,
            line,
            now,
            cents,
            shipping_cents,
            quantity,
            item["reason_code"],
            item.get("taxes"),
            item.get("shipping_taxes"),
        )
        line.cancelations.append(record)
        if line.canceled_quantity == line.quantity:
            line.state = "CANCELED"
        line.touch(now)
        if all(other.state in ("REFUSED", "CANCELED") for other in order.lines):
            order.state = "CANCELED"
        created.append(dict(_adjustment_api(order, line, record), cancelation_id=record["id"]))
    if not created:
        raise ApiError(400, "VALIDATION_ERROR: cancelations is required", code="VALIDATION_ERROR")
    return Response.json(
        {"order_tax_mode": body.get("order_tax_mode", shop.tax_mode), "cancelations": created}
    )


def resolve_incident(sim, shop, request):
    """OR64."""
    order = shop.order(request.path_params["order_id"])
    sim.reference.require_reason(request.json().get("reason_code"), "INCIDENT_CLOSE")
    order.resolve_incident(request.path_params["line"], sim.now())
    return Response.empty()


def list_taxes(sim, shop, request):
    """OR75."""
    return Response.json({"taxes": sim.reference.taxes})


def register(router):
    router.add("GET", "/api/orders", "OR11", list_orders)
    router.add("PUT", "/api/orders/{order_id}/accept", "OR21", accept_order)
    router.add("PUT", "/api/orders/{order_id}/tracking", "OR23", update_tracking)
    router.add("PUT", "/api/orders/{order_id}/ship", "OR24", ship_order)
    router.add("PUT", "/api/orders/refund", "OR28", refund_lines)
    router.add("PUT", "/api/orders/{order_id}/cancel", "OR29", cancel_order)
    router.add("PUT", "/api/orders/cancel", "OR30", cancel_lines)
    router.add(
        "PUT", "/api/orders/{order_id}/lines/{line}/resolve_incident", "OR64", resolve_incident
    )
    router.add("GET", "/api/orders/taxes", "OR75", list_taxes)
