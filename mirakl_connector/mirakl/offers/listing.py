"""An OF21 offer as the plain values Odoo keeps of it (no Odoo here)."""

from decimal import Decimal


def parse_offer(offer):
    """{offer_sku, product_sku, offer_id, state_code, price, discount_price, quantity,
    logistic_class, channels, active, title, barcodes}; amounts as Decimal.

    ``price`` is the offer's own price (the origin price while a discount runs), not the
    price the buyer pays, so it compares with what Odoo exports."""
    discount = offer.get("discount") or {}
    origin = discount.get("origin_price")
    pricing = offer.get("applicable_pricing") or {}
    if origin is None:
        origin = pricing.get("unit_origin_price", offer.get("price"))
    logistic = offer.get("logistic_class") or {}
    sku = (offer.get("shop_sku") or "").strip()
    if not sku:
        raise ValueError("offer %s has no shop_sku" % offer.get("offer_id"))
    return {
        "offer_sku": sku,
        "product_sku": offer.get("product_sku") or "",
        "offer_id": str(offer["offer_id"]) if offer.get("offer_id") is not None else "",
        "state_code": offer.get("state_code") or "",
        "price": _amount(origin),
        "discount_price": _amount(discount.get("discount_price")),
        "quantity": int(offer.get("quantity") or 0),
        "logistic_class": logistic.get("code") or "",
        "channels": list(offer.get("channels") or ()),
        "active": bool(offer.get("active")),
        "title": offer.get("product_title") or sku,
        "barcodes": [ref.get("reference") for ref in offer.get("product_references") or ()
                     if ref.get("reference_type") in ("EAN", "UPC", "GTIN", "ISBN")
                     and ref.get("reference")],
    }


def _amount(value):
    return None if value is None else Decimal(str(value))
