"""The order engine seen through the seller API: states, addresses, decisions, shipping."""

from decimal import Decimal

import pytest
from simulator_helpers import line


def test_accepting_every_line_moves_order_to_debit_and_reveals_addresses(sim, api):
    order = sim.create_order(lines=[line("A"), line("B")])
    assert order["customer"]["shipping_address"] is None
    assert order["customer"]["billing_address"] is None

    assert api.accept(order).status_code == 204

    seen = api.orders(order_ids=order["order_id"])["orders"][0]
    assert seen["order_state"] == "WAITING_DEBIT_PAYMENT"
    assert {item["order_line_state"] for item in seen["order_lines"]} == {"WAITING_DEBIT_PAYMENT"}
    assert seen["customer"]["shipping_address"]["country_iso_code"] == "FRA"
    assert seen["customer"]["billing_address"]["street_1"]


def test_partial_acceptance_refuses_the_other_lines(sim, api):
    order = sim.create_order(lines=[line("A", price_unit=10), line("B", price_unit=30)])
    decisions = [
        {"id": order["order_lines"][0]["order_line_id"], "accepted": True},
        {"id": order["order_lines"][1]["order_line_id"], "accepted": False},
    ]
    assert (
        api.put(
            "/api/orders/%s/accept" % order["order_id"], json={"order_lines": decisions}
        ).status_code
        == 204
    )

    seen = api.orders(order_ids=order["order_id"])["orders"][0]
    assert [item["order_line_state"] for item in seen["order_lines"]] == [
        "WAITING_DEBIT_PAYMENT",
        "REFUSED",
    ]
    assert seen["total_price"] == 10.0  # refused lines no longer count


def test_refusing_every_line_refuses_the_order_and_keeps_addresses_hidden(sim, api):
    order = sim.create_order(lines=[line("A")])
    assert api.accept(order, accepted=False).status_code == 204
    seen = api.orders(order_ids=order["order_id"])["orders"][0]
    assert seen["order_state"] == "REFUSED"
    assert seen["customer"]["shipping_address"] is None


@pytest.mark.parametrize("state", ["SHIPPING", "REFUSED", "STAGING"])
def test_accept_outside_waiting_acceptance_is_an_invalid_state(sim, api, state):
    order = sim.create_order(state=state, lines=[line()])
    answer = api.accept(order)
    assert answer.status_code == 400
    assert answer.json()["status"] == 400
    assert "ORDER_INVALID_STATE" in answer.json()["message"]


def test_accept_must_decide_every_line(sim, api):
    order = sim.create_order(lines=[line("A"), line("B")])
    decisions = [{"id": order["order_lines"][0]["order_line_id"], "accepted": True}]
    answer = api.put("/api/orders/%s/accept" % order["order_id"], json={"order_lines": decisions})
    assert answer.status_code == 400
    assert "ORDER_LINE_ACCEPTANCE_DECISION_MISSING" in answer.json()["message"]
    assert sim.get_order(order["order_id"])["order_state"] == "WAITING_ACCEPTANCE"


def test_unknown_order_is_404(api):
    answer = api.accept({"order_id": "NOPE-A", "order_lines": [{"order_line_id": "NOPE-A-1"}]})
    assert answer.status_code == 404


def test_debit_then_tracking_then_ship(sim, api):
    order = sim.create_order(state="WAITING_ACCEPTANCE", lines=[line()])
    api.accept(order)
    assert sim.advance(order["order_id"], "debit")["order_state"] == "SHIPPING"

    answer = api.put(
        "/api/orders/%s/tracking" % order["order_id"],
        json={"carrier_code": "UPS", "tracking_number": "1Z999"},
    )
    assert answer.status_code == 204
    assert api.put("/api/orders/%s/ship" % order["order_id"]).status_code == 204

    seen = api.orders(order_ids=order["order_id"])["orders"][0]
    assert seen["order_state"] == "SHIPPED"
    assert seen["shipping_tracking"] == "1Z999"
    assert seen["shipping_company"] == "UPS"
    assert seen["shipping_tracking_url"] == "https://www.ups.com/track?tracknum=1Z999"
    assert seen["order_lines"][0]["shipped_date"]


def test_tracking_with_free_carrier_name_and_url(sim, api):
    order = sim.create_order(state="SHIPPING", lines=[line()])
    api.put(
        "/api/orders/%s/tracking" % order["order_id"],
        json={
            "carrier_name": "Bike courier",
            "carrier_url": "https://bike.example/42",
            "tracking_number": "42",
        },
    )
    seen = api.orders(order_ids=order["order_id"])["orders"][0]
    assert (seen["shipping_company"], seen["shipping_tracking_url"]) == (
        "Bike courier",
        "https://bike.example/42",
    )


def test_ship_outside_shipping_is_400_and_changes_nothing(sim, api):
    order = sim.create_order(state="WAITING_DEBIT_PAYMENT", lines=[line()])
    answer = api.put("/api/orders/%s/ship" % order["order_id"])
    assert answer.status_code == 400
    assert sim.get_order(order["order_id"])["order_state"] == "WAITING_DEBIT_PAYMENT"


def test_totals_add_up_to_the_cent_with_promotions_taxes_and_shipping(sim):
    order = sim.create_order(
        lines=[
            line(
                "A",
                quantity=3,
                price_unit=19.99,
                shipping_price=4.99,
                taxes=[{"code": "VAT_FR_20", "rate": 20}, {"code": "ECO_TAX", "amount": 0.3}],
                promotions=[
                    {"deduced_amount": 5.0},
                    {"deduced_amount": 1.01, "type": "PERCENTAGE_OFF"},
                ],
            ),
            line("B", quantity=1, price_unit=7.5, shipping_price=0),
        ]
    )
    cents = lambda value: Decimal(str(value))  # noqa: E731 - a local shorthand
    for item in order["order_lines"]:
        deduced = sum(cents(promo["deduced_amount"]) for promo in item["promotions"])
        assert cents(item["price"]) == cents(item["price_unit"]) * item["quantity"] - deduced
        assert cents(item["total_price"]) == cents(item["price"]) + cents(item["shipping_price"])
    assert cents(order["price"]) == sum(cents(item["price"]) for item in order["order_lines"])
    assert cents(order["total_price"]) == cents(order["price"]) + cents(order["shipping_price"])
    assert cents(order["promotions"]["total_deduced_amount"]) == Decimal("6.01")
    assert order["order_lines"][0]["taxes"][0] == {
        "code": "VAT_FR_20",
        "amount": 8.99,
        "rate": 20,
        "tax_calculation_rule": "PROPORTIONAL_TO_AMOUNT",
    }


def test_usd_orders_come_from_the_usd_shop(sim, api):
    order = sim.create_order(
        currency="USD", lines=[line(taxes=[{"code": "US_STATE", "rate": 6.25}])]
    )
    usd = sim.shop("USD")
    assert order["currency_iso_code"] == "USD"
    assert order["order_tax_mode"] == "TAX_EXCLUDED"
    assert order["order_lines"][0]["taxes"][0]["amount"] == 0.63
    assert api.orders()["total_count"] == 0  # not visible from the EUR shop
    seen = api.get("/api/orders", params={"shop_id": usd["shop_id"]}, api_key=usd["api_key"]).json()
    assert [item["order_id"] for item in seen["orders"]] == [order["order_id"]]
