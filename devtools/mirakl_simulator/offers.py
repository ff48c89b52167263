"""Offers: the catalogue products they attach to, reads (OF21, OF22) and exports (OF51–OF54)."""

import csv
import io
import uuid
from datetime import timedelta

from .clock import format_datetime, parse_datetime
from .money import to_amount
from .paging import offset_page
from .web import ApiError, Response

OFFER_DEFAULTS = {
    "quantity": 0,
    "description": "",
    "internal_description": "",
    "leadtime_to_ship": 2,
    "logistic_class": "M",
    "min_quantity_alert": 0,
    "min_order_quantity": 1,
    "max_order_quantity": 100,
    "package_quantity": 1,
    "discount": None,
    "additional_fields": [],
}
# Every offer ships with the standard method to the shop's zone at these rates; OF21's
# total_price is the price plus that cheapest shipping.
MIN_SHIPPING_CENTS = 490
MIN_SHIPPING_ADDITIONAL_CENTS = 100


# ------------------------------------------------------------------
# THE OPERATOR CATALOGUE AND OFFERS
# ------------------------------------------------------------------


def find_product(sim, product_id, product_id_type):
    for product in sim.products.values():
        if product_id_type in ("SKU", "SHOP_SKU"):
            if product["product_sku"] == product_id:
                return product
        elif any(
            ref["reference_type"] == product_id_type and ref["reference"] == product_id
            for ref in product["references"]
        ):
            return product
    return None


def offer_api(sim, shop, offer):
    product = sim.products[offer["product_sku"]]
    price = offer["price_cents"]
    discount = offer["discount"]
    effective = discount["price_cents"] if discount else price
    pricing = {
        "price": to_amount(effective),
        "unit_origin_price": to_amount(price),
        "volume_prices": [],
    }
    if discount:
        pricing["unit_discount_price"] = to_amount(discount["price_cents"])
    payload = {
        "offer_id": offer["offer_id"],
        "shop_sku": offer["shop_sku"],
        "product_sku": offer["product_sku"],
        "product_title": product["title"],
        "product_brand": product.get("brand", ""),
        "product_references": [dict(ref) for ref in product["references"]],
        "category_code": product["category_code"],
        "category_label": product["category_label"],
        "state_code": offer["state_code"],
        "active": offer["quantity"] > 0,
        "price": to_amount(effective),
        "total_price": to_amount(effective + MIN_SHIPPING_CENTS),
        "all_prices": [dict(pricing)],
        "applicable_pricing": dict(pricing),
        "quantity": offer["quantity"],
        "currency_iso_code": shop.currency,
        "description": offer["description"],
        "internal_description": offer["internal_description"],
        "leadtime_to_ship": offer["leadtime_to_ship"],
        "logistic_class": {
            "code": offer["logistic_class"],
            "label": sim.logistic_class_label(offer["logistic_class"]),
        },
        "min_quantity_alert": offer["min_quantity_alert"],
        "min_order_quantity": offer["min_order_quantity"],
        "max_order_quantity": offer["max_order_quantity"],
        "package_quantity": offer["package_quantity"],
        "min_shipping_price": to_amount(MIN_SHIPPING_CENTS),
        "min_shipping_price_additional": to_amount(MIN_SHIPPING_ADDITIONAL_CENTS),
        "min_shipping_type": "STD",
        "min_shipping_zone": shop.zone,
        "shipping_deadline": format_datetime(sim.now() + timedelta(days=offer["leadtime_to_ship"])),
        "channels": [],
        "fulfillment": {"center": {"code": "DEFAULT"}},
        "offer_additional_fields": list(offer["additional_fields"]),
        "warehouses": [],
    }
    if not payload["active"]:
        payload["inactivity_reasons"] = ["ZERO_QUANTITY"]
    if discount:
        payload["discount"] = {
            "discount_price": to_amount(discount["price_cents"]),
            "origin_price": to_amount(price),
        }
        for key in ("start_date", "end_date"):
            if discount.get(key):
                payload["discount"][key] = discount[key]
    return payload


def live_offers(shop):
    return [offer for offer in shop.offers.values() if not offer["deleted"]]


def offer_by_sku(shop, sku):
    offer = shop.offers.get(sku)
    return offer if offer and not offer["deleted"] else None


def list_offers(sim, shop, request):
    """OF21 (offset pagination; sort totalPrice (default) | price | productTitle)."""
    states = set(request.args("offer_state_codes"))
    sku, product_id = request.arg("sku"), request.arg("product_id")
    offers = [
        offer
        for offer in live_offers(shop)
        if (not states or offer["state_code"] in states)
        and (not sku or offer["shop_sku"] == sku)
        and (not product_id or offer["product_sku"] == product_id)
    ]
    payloads = [offer_api(sim, shop, offer) for offer in offers]
    sort_key = {"price": "price", "productTitle": "product_title"}.get(
        request.arg("sort"), "total_price"
    )
    payloads.sort(
        key=lambda payload: (payload[sort_key], payload["offer_id"]),
        reverse=request.arg("order") == "desc",
    )
    return offset_page(request, payloads, "offers", sim.base_url)


def get_offer(sim, shop, request):
    """OF22: by numeric offer id."""
    wanted = request.path_params["offer"]
    for offer in live_offers(shop):
        if str(offer["offer_id"]) == wanted:
            return Response.json(offer_api(sim, shop, offer))
    raise ApiError(404, "Offer %s not found" % wanted)


EXPORT_COLUMNS = (
    "offer-id",
    "shop-sku",
    "product-sku",
    "price",
    "origin-price",
    "discount-price",
    "quantity",
    "state-code",
    "active",
    "deleted",
    "currency-iso-code",
    "date-created",
    "last-updated",
    "leadtime-to-ship",
    "shop-id",
    "shop-name",
)


def _export_rows(sim, shop, since=None, include_inactive=False):
    rows = []
    for offer in sorted(shop.offers.values(), key=lambda offer: offer["offer_id"]):
        if since is not None and offer["updated"] < since:
            continue
        if offer["deleted"] and since is None:
            continue
        active = offer["quantity"] > 0 and not offer["deleted"]
        if not active and not include_inactive and since is None:
            continue
        rows.append((offer, active))
    return rows


def export_offers_csv(sim, shop, request):
    """OF51 (deprecated): active offers, or every change (deletions too) since last_request_date."""
    since = request.arg("last_request_date")
    since = parse_datetime(since) if since else None
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for offer, active in _export_rows(
        sim, shop, since, bool(request.bool_arg("include_inactive_offers"))
    ):
        discount = offer["discount"]
        writer.writerow(
            [
                offer["offer_id"],
                offer["shop_sku"],
                offer["product_sku"],
                "%.2f" % to_amount(discount["price_cents"] if discount else offer["price_cents"]),
                "%.2f" % to_amount(offer["price_cents"]),
                "%.2f" % to_amount(discount["price_cents"]) if discount else "",
                offer["quantity"],
                offer["state_code"],
                str(active).lower(),
                str(offer["deleted"]).lower(),
                shop.currency,
                format_datetime(offer["created"]),
                format_datetime(offer["updated"]),
                offer["leadtime_to_ship"],
                shop.shop_id,
                shop.name,
            ]
        )
    return Response(200, out.getvalue().encode("utf-8"), "text/csv")


def request_offer_export(sim, shop, request):
    """OF52: the export is ready at the first OF53 poll."""
    body = request.json() if request.body else {}
    since = body.get("last_request_date")
    tracking_id = str(uuid.UUID(int=sim.next_import_number()))
    shop.exports[tracking_id] = {
        "status": "PENDING",
        "created": sim.now(),
        "since": parse_datetime(since) if since else None,
        "include_inactive": bool(body.get("include_inactive_offers")),
        "export_type": body.get("export_type", "text/csv"),
    }
    return Response.json({"tracking_id": tracking_id})


def offer_export_status(sim, shop, request):
    """OF53."""
    tracking_id = request.path_params["tracking_id"]
    export = shop.exports.get(tracking_id)
    if export is None:
        raise ApiError(404, "Export %s not found" % tracking_id)
    export["status"] = "COMPLETED"
    return Response.json(
        {
            "status": "COMPLETED",
            "last_updated": format_datetime(sim.now()),
            "urls": ["%s/api/offers/export/async/files/%s/chunk-1" % (sim.base_url, tracking_id)],
        }
    )


def download_offer_export(sim, shop, request):
    """OF54: one chunk (this simulator makes one) as a JSON array of offers or as CSV."""
    export = shop.exports.get(request.path_params["tracking_id"])
    if (
        export is None
        or export["status"] != "COMPLETED"
        or request.path_params["chunk"] != "chunk-1"
    ):
        raise ApiError(404, "No such export file")
    rows = _export_rows(sim, shop, export["since"], export["include_inactive"])
    if export["export_type"] == "application/json":
        return Response.json(
            [_export_offer_json(sim, shop, offer, active) for offer, active in rows]
        )
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(
        ("offer-id", "shop-sku", "product-sku", "price", "quantity", "active", "deleted")
    )
    for offer, active in rows:
        writer.writerow(
            (
                offer["offer_id"],
                offer["shop_sku"],
                offer["product_sku"],
                "%.2f" % to_amount(offer["price_cents"]),
                offer["quantity"],
                str(active).lower(),
                str(offer["deleted"]).lower(),
            )
        )
    return Response(200, out.getvalue().encode("utf-8"), "text/csv")


def _export_offer_json(sim, shop, offer, active):
    payload = {
        "offer_id": offer["offer_id"],
        "shop_sku": offer["shop_sku"],
        "product_sku": offer["product_sku"],
        "active": active,
        "deleted": offer["deleted"],
        "shop_id": shop.shop_id,
        "last_updated": format_datetime(offer["updated"]),
    }
    if not offer["deleted"]:
        price = {"origin_price": to_amount(offer["price_cents"])}
        if offer["discount"]:
            price["discount_price"] = to_amount(offer["discount"]["price_cents"])
        payload.update(
            quantity=offer["quantity"],
            state_code=offer["state_code"],
            prices=[price],
            currency_iso_code=shop.currency,
            date_created=format_datetime(offer["created"]),
            channels=[],
            warehouses=[],
        )
    return payload


def register(router):
    router.add("GET", "/api/offers", "OF21", list_offers)
    router.add("GET", "/api/offers/{offer}", "OF22", get_offer)
    router.add("GET", "/api/offers/export", "OF51", export_offers_csv)
    router.add("POST", "/api/offers/export/async", "OF52", request_offer_export)
    router.add("GET", "/api/offers/export/async/status/{tracking_id}", "OF53", offer_export_status)
    router.add(
        "GET", "/api/offers/export/async/files/{tracking_id}/{chunk}", "OF54", download_offer_export
    )
