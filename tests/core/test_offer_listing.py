"""OF21 offers as the values the listing import keeps."""

from decimal import Decimal

import pytest
from mirakl.offers.listing import parse_offer

OFFER = {
    "offer_id": 2001, "shop_sku": " SKU-1 ", "product_sku": "P-1", "state_code": "11",
    "price": 8.0, "quantity": 4, "active": True, "product_title": "Kettle",
    "discount": {"discount_price": 8.0, "origin_price": 10.0},
    "logistic_class": {"code": "M", "label": "Medium"}, "channels": ["WEB"],
    "product_references": [{"reference_type": "EAN", "reference": "3700000000017"},
                           {"reference_type": "MPN", "reference": "K-1"}],
}


def test_an_offer_keeps_its_own_price_under_a_discount():
    parsed = parse_offer(OFFER)
    assert parsed["offer_sku"] == "SKU-1"
    assert parsed["price"] == Decimal("10.0")
    assert parsed["discount_price"] == Decimal("8.0")
    assert parsed["barcodes"] == ["3700000000017"]
    assert (parsed["logistic_class"], parsed["channels"], parsed["offer_id"]) == ("M", ["WEB"],
                                                                                  "2001")


def test_without_discount_the_price_is_the_price():
    parsed = parse_offer(dict(OFFER, discount=None, price=12.5))
    assert parsed["price"] == Decimal("12.5")
    assert parsed["discount_price"] is None


def test_an_offer_without_sku_is_named():
    with pytest.raises(ValueError, match="2001"):
        parse_offer(dict(OFFER, shop_sku=""))
