"""Multiple shipments per order (ST01, ST11, ST23, ST24)."""

from . import platform
from .clock import format_datetime, parse_datetime
from .paging import seek_page
from .web import ApiError, Response

MAX_SHIPMENTS_PER_CALL = 1000


def _shipment_api(shipment):
    payload = {
        "id": shipment["id"],
        "order_id": shipment["order_id"],
        "status": shipment["status"],
        "status_customer_debit": "DEBIT_OK",
        "created_date": format_datetime(shipment["created"]),
        "last_updated_date": format_datetime(shipment["updated"]),
        "shipment_lines": [dict(line) for line in shipment["lines"]],
    }
    if shipment["tracking"]:
        payload["tracking"] = dict(shipment["tracking"])
    if shipment.get("shipping_from"):
        payload["shipping_from"] = {
            key: dict(value) for key, value in shipment["shipping_from"].items()
        }
    if shipment["shipped"]:
        payload["shipped_date"] = format_datetime(shipment["shipped"])
    if shipment.get("invoice_reference"):
        payload["invoice_reference"] = shipment["invoice_reference"]
    return payload


def _shipped_quantity(shop, line_id):
    return sum(
        line["quantity"]
        for shipment in shop.shipments.values()
        for line in shipment["lines"]
        if line["order_line_id"] == line_id
    )


def _tracking(sim, tracking):
    """A known carrier_code fills the name and the URL template, as for OR23."""
    tracking = dict(tracking or {})
    carrier = (
        sim.reference.carrier(tracking.get("carrier_code"))
        if tracking.get("carrier_code")
        else None
    )
    if carrier:
        tracking.setdefault("carrier_name", carrier["label"])
        if carrier.get("tracking_url") and tracking.get("tracking_number"):
            tracking.setdefault(
                "tracking_url",
                carrier["tracking_url"].replace("{trackingId}", tracking["tracking_number"]),
            )
    return tracking


def _ship_if_complete(sim, shop, order):
    """The order becomes SHIPPED once every live line is fully in shipped shipments."""
    shipped = {}
    for shipment in shop.shipments.values():
        if shipment["order_id"] == order.order_id and shipment["status"] == "SHIPPED":
            for line in shipment["lines"]:
                shipped[line["order_line_id"]] = (
                    shipped.get(line["order_line_id"], 0) + line["quantity"]
                )
    live = [line for line in order.lines if line.state not in ("REFUSED", "CANCELED")]
    if order.state == "SHIPPING" and all(
        shipped.get(line.line_id, 0) >= line.quantity for line in live
    ):
        order.ship(sim.now())


def _new_shipment(sim, shop, item):
    order = shop.orders.get(item.get("order_id"))
    if order is None:
        raise ValueError("Order '%s' not found" % item.get("order_id"))
    if order.state != "SHIPPING":
        raise ValueError("The order status must be 'SHIPPING' but it is '%s'." % order.state)
    lines = []
    for requested in item.get("shipment_lines") or []:
        line_id = requested.get("order_line_id")
        if not line_id and requested.get("offer_sku"):
            line_id = next(
                (line.line_id for line in order.lines if line.offer_sku == requested["offer_sku"]),
                None,
            )
        line = next((line for line in order.lines if line.line_id == line_id), None)
        if line is None:
            raise ValueError("Order line '%s' not found on order %s" % (line_id, order.order_id))
        quantity = int(requested.get("quantity") or 0)
        if quantity < 1 or _shipped_quantity(shop, line.line_id) + quantity > line.quantity:
            raise ValueError(
                "Quantity %s exceeds what remains to ship on line %s" % (quantity, line.line_id)
            )
        shipped_line = {
            "order_line_id": line.line_id,
            "offer_sku": line.offer_sku,
            "quantity": quantity,
        }
        if requested.get("package_reference"):
            shipped_line["package_reference"] = requested["package_reference"]
        lines.append(shipped_line)
    if not lines:
        raise ValueError("shipment_lines is required")
    shipping_from = _shipping_from(shop, item.get("shipping_from"))
    now = sim.now()
    shipment = {
        "id": "SHP-%s" % shop.next_id("shipment"),
        "order_id": order.order_id,
        "lines": lines,
        "status": "SHIPPING",
        "tracking": _tracking(sim, item.get("tracking")),
        "created": now,
        "updated": now,
        "shipped": None,
        "invoice_reference": item.get("invoice_reference"),
        "shipping_from": shipping_from,
    }
    if item.get("shipped") and tracking_required(sim, order) and not shipment["tracking"].get(
        "tracking_number"
    ):
        raise ValueError(
            "A tracking number is mandatory for shipping type '%s'" % order.shipping_type["code"]
        )
    shop.shipments[shipment["id"]] = shipment
    if item.get("shipped"):
        _ship(sim, shop, shipment)
    return shipment


def _shipping_from(shop, requested):
    """ST01 ``shipping_from`` is a warehouse code, only where PC01 lets sellers edit the
    shipping origin; otherwise that shipment goes to shipment_errors."""
    if not requested:
        return None
    if not shop.platform["features"]["order_workflows"]["sellers_edit_shipping_origin"]:
        raise ValueError("Shop is not allowed to edit the shipping origin")
    code = ((requested.get("warehouse") or {}).get("code") or "").strip()
    if not code:
        raise ValueError("shipping_from.warehouse.code is required")
    return {"warehouse": {"code": code}}


def tracking_required(sim, order):
    """Shipping types with mandatory_tracking (SH12) cannot ship without a tracking number."""
    code = order.shipping_type["code"]
    kind = next((item for item in sim.reference.shipping_types if item["code"] == code), None)
    return bool(kind and kind["mandatory_tracking"])


def _ship(sim, shop, shipment):
    if shipment["status"] != "SHIPPING":
        raise ValueError("Shipment '%s' is %s, not SHIPPING" % (shipment["id"], shipment["status"]))
    order = shop.orders[shipment["order_id"]]
    if tracking_required(sim, order) and not (shipment["tracking"] or {}).get("tracking_number"):
        raise ValueError(
            "A tracking number is mandatory for shipping type '%s'" % order.shipping_type["code"]
        )
    shipment.update(status="SHIPPED", shipped=sim.now(), updated=sim.now())
    _ship_if_complete(sim, shop, shop.orders[shipment["order_id"]])


def _batch(request):
    shipments = request.json().get("shipments")
    if not isinstance(shipments, list) or not shipments:
        raise ApiError(400, "shipments is required")
    if len(shipments) > MAX_SHIPMENTS_PER_CALL:
        raise ApiError(400, "At most %d shipments per call" % MAX_SHIPMENTS_PER_CALL)
    return shipments


def create_shipments(sim, shop, request):
    """ST01: per-item success or error, never a failed call for one bad shipment. Platforms
    without the multi-shipment feature (PC01) refuse the call as a whole."""
    if not platform.multi_shipment(shop):
        raise ApiError(400, "The multi-shipment feature is not enabled on this platform")
    success, errors = [], []
    for item in _batch(request):
        try:
            success.append(_shipment_api(_new_shipment(sim, shop, item)))
        except ValueError as error:
            errors.append({"order_id": str(item.get("order_id", "")), "message": str(error)})
    return Response.json({"shipment_success": success, "shipment_errors": errors}, status=201)


def _each_shipment(sim, shop, request, action):
    success, errors = [], []
    for item in _batch(request):
        shipment = shop.shipments.get(item.get("id"))
        try:
            if shipment is None:
                raise ValueError("Shipment '%s' not found" % item.get("id"))
            action(shipment, item)
            success.append({"id": shipment["id"]})
        except ValueError as error:
            errors.append({"id": str(item.get("id", "")), "message": str(error)})
    return Response.json({"shipment_success": success, "shipment_errors": errors})


def update_shipment_tracking(sim, shop, request):
    """ST23."""

    def set_tracking(shipment, item):
        shipment.update(tracking=_tracking(sim, item.get("tracking")), updated=sim.now())

    return _each_shipment(sim, shop, request, set_tracking)


def ship_shipments(sim, shop, request):
    """ST24."""
    return _each_shipment(sim, shop, request, lambda shipment, _item: _ship(sim, shop, shipment))


def list_shipments(sim, shop, request):
    """ST11 (seek pagination)."""

    def rows(query):
        orders = {value for raw in query.get("order_id", []) for value in raw.split(",") if value}
        states = {
            value
            for raw in query.get("shipment_state_code", [])
            for value in raw.split(",")
            if value
        }
        since = query.get("last_updated_from", [None])[-1]
        until = query.get("last_updated_to", [None])[-1]
        selected = [
            shipment
            for shipment in shop.shipments.values()
            if (not orders or shipment["order_id"] in orders)
            and (not states or shipment["status"] in states)
            and (not since or shipment["updated"] >= parse_datetime(since))
            and (not until or shipment["updated"] <= parse_datetime(until))
        ]
        return [
            _shipment_api(shipment)
            for shipment in sorted(selected, key=lambda s: (s["created"], s["id"]))
        ]

    return seek_page(request, rows)


def register(router):
    router.add("POST", "/api/shipments", "ST01", create_shipments)
    router.add("GET", "/api/shipments", "ST11", list_shipments)
    router.add("POST", "/api/shipments/tracking", "ST23", update_shipment_tracking)
    router.add("PUT", "/api/shipments/ship", "ST24", ship_shipments)
