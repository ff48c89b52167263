"""The order engine seen through the seller API: states, addresses, decisions, shipping."""

from decimal import Decimal

import pytest
from mirakl_simulator.testing import SimulatorError, running_simulator
from simulator_helpers import SellerApi, line


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
    # spec: price is the sum of the line prices; the refused line keeps its amounts
    assert seen["total_price"] == 40.0


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
    assert order["order_lines"][0]["taxes"][1] == {
        "code": "ECO_TAX",
        "amount": 0.3,
        "tax_calculation_rule": "NONE",
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


def test_operator_refuses_orders_not_accepted_before_the_deadline(sim, api):
    order = sim.create_order(lines=[line()])
    deadline = order["acceptance_decision_date"]
    sim.move_clock(hours=71)
    assert sim.get_order(order["order_id"])["order_state"] == "WAITING_ACCEPTANCE"
    sim.move_clock(hours=1)
    seen = api.orders(order_ids=order["order_id"])["orders"][0]
    assert seen["order_state"] == "REFUSED"
    assert seen["order_state_reason_code"] == "AUTO_REFUSED"
    assert "acceptance_decision_date" not in seen  # null when refused automatically
    assert seen["last_updated_date"] == deadline


def test_auto_refuse_on_demand(sim):
    order = sim.create_order(lines=[line()])
    assert sim.advance(order["order_id"], "auto_refuse")["order_state"] == "REFUSED"


def test_customer_receipt_then_closing(sim):
    order = sim.create_order(state="SHIPPED", lines=[line()])
    received = sim.advance(order["order_id"], "receive")
    assert received["order_state"] == "RECEIVED"
    assert received["order_lines"][0]["received_date"]
    assert sim.advance(order["order_id"], "close")["order_state"] == "CLOSED"


def test_advance_rejects_a_move_the_state_does_not_allow(sim):
    order = sim.create_order(state="SHIPPING", lines=[line()])
    with pytest.raises(SimulatorError) as raised:
        sim.advance(order["order_id"], "receive")
    assert raised.value.status == 400


def test_shipping_deadline_follows_the_debit(sim):
    order = sim.create_order(state="WAITING_DEBIT_PAYMENT", lines=[line()], leadtime_to_ship=3)
    assert "shipping_deadline" not in order
    sim.move_clock(hours=5)
    debited = sim.advance(order["order_id"], "debit")
    assert debited["customer_debited_date"] == sim.now()
    assert debited["shipping_deadline"] > debited["customer_debited_date"]


def test_whole_order_cancellation_before_debit(sim, api):
    order = sim.create_order(state="WAITING_DEBIT_PAYMENT", lines=[line(quantity=2)])
    assert api.put("/api/orders/%s/cancel" % order["order_id"]).status_code == 204
    seen = api.orders(order_ids=order["order_id"])["orders"][0]
    assert seen["order_state"] == "CANCELED"
    assert seen["order_lines"][0]["cancelations"][0]["quantity"] == 2
    assert seen["can_cancel"] is False


def test_cancel_after_debit_is_refused(sim, api):
    order = sim.create_order(state="SHIPPING", lines=[line()])
    assert api.put("/api/orders/%s/cancel" % order["order_id"]).status_code == 400


def test_line_cancellations_cancel_the_order_once_every_line_is_gone(sim, api):
    order = sim.create_order(
        state="WAITING_DEBIT_PAYMENT", lines=[line("A", quantity=2), line("B")]
    )
    first, second = (item["order_line_id"] for item in order["order_lines"])

    def cancel(line_id, quantity, amount):
        return api.put(
            "/api/orders/cancel",
            json={
                "cancelations": [
                    {
                        "order_line_id": line_id,
                        "quantity": quantity,
                        "amount": amount,
                        "shipping_amount": 0,
                        "reason_code": "CAN_OUT_OF_STOCK",
                    }
                ]
            },
        )

    answer = cancel(first, 1, 10)
    assert answer.status_code == 200
    assert answer.json()["cancelations"][0]["order_line_id"] == first
    assert (
        api.orders(order_ids=order["order_id"])["orders"][0]["order_state"]
        == "WAITING_DEBIT_PAYMENT"
    )
    assert cancel(first, 2, 10).status_code == 400  # only one unit left on that line
    cancel(first, 1, 10)
    cancel(second, 1, 10)
    seen = api.orders(order_ids=order["order_id"])["orders"][0]
    assert seen["order_state"] == "CANCELED"
    assert [item["order_line_state"] for item in seen["order_lines"]] == ["CANCELED", "CANCELED"]


def test_cancellation_needs_a_cancelation_reason(sim, api):
    order = sim.create_order(state="WAITING_DEBIT_PAYMENT", lines=[line()])
    answer = api.put(
        "/api/orders/cancel",
        json={
            "cancelations": [
                {
                    "order_line_id": order["order_lines"][0]["order_line_id"],
                    "quantity": 1,
                    "amount": 10,
                    "shipping_amount": 0,
                    "reason_code": "REF_DAMAGED",
                }
            ]
        },
    )
    assert answer.status_code == 400


def test_refunds_wait_for_the_operator_then_mark_the_line_refunded(sim, api):
    order = sim.create_order(state="SHIPPED", lines=[line(price_unit=25)])
    line_id = order["order_lines"][0]["order_line_id"]
    answer = api.put(
        "/api/orders/refund",
        json={
            "refunds": [
                {
                    "order_line_id": line_id,
                    "amount": 25,
                    "shipping_amount": 0,
                    "reason_code": "REF_DAMAGED",
                    "quantity": 1,
                }
            ]
        },
    )
    assert answer.status_code == 200
    refund = answer.json()["refunds"][0]
    assert refund["amount"] == 25.0 and refund["refund_id"]

    seen = api.orders(order_ids=order["order_id"])["orders"][0]["order_lines"][0]
    assert seen["refunds"][0]["refund_state"] == "WAITING_REFUND"
    sim.advance(order["order_id"], "pay_refunds")
    seen = api.orders(order_ids=order["order_id"])["orders"][0]
    assert seen["order_lines"][0]["order_line_state"] == "REFUNDED"
    assert seen["order_lines"][0]["refunds"][0]["refund_state"] == "REFUNDED"
    assert seen["fully_refunded"] is True


def test_refund_beyond_the_line_price_or_before_shipping_is_refused(sim, api):
    shipped = sim.create_order(state="SHIPPED", lines=[line(price_unit=25)])
    shipping = sim.create_order(state="SHIPPING", lines=[line(price_unit=25)])
    for order, amount in ((shipped, 30), (shipping, 5)):
        answer = api.put(
            "/api/orders/refund",
            json={
                "refunds": [
                    {
                        "order_line_id": order["order_lines"][0]["order_line_id"],
                        "amount": amount,
                        "shipping_amount": 0,
                        "reason_code": "REF_DAMAGED",
                    }
                ]
            },
        )
        assert answer.status_code == 400


def test_incident_opened_by_the_customer_and_resolved_by_the_shop(sim, api):
    order = sim.create_order(state="SHIPPED", lines=[line()])
    line_id = order["order_lines"][0]["order_line_id"]
    sim.advance(order["order_id"], "open_incident", line_id=line_id)
    assert api.orders(has_incident="true")["total_count"] == 1
    path = "/api/orders/%s/lines/%s/resolve_incident" % (order["order_id"], line_id)
    assert api.put(path, json={"reason_code": "INC_RESOLVED"}).status_code == 204
    seen = api.orders(order_ids=order["order_id"])["orders"][0]
    assert seen["has_incident"] is False
    assert seen["order_lines"][0]["order_line_state"] == "SHIPPED"
    assert api.put(path, json={"reason_code": "INC_RESOLVED"}).status_code == 400


def test_a_line_on_an_existing_offer_takes_its_id_price_and_product(sim):
    offer = sim.add_offer("SKU-PHONE", "P-PHONE", 249.9, 5, product_title="Phone X")
    order = sim.create_order(lines=[{"offer_sku": "SKU-PHONE", "quantity": 2}])
    placed = order["order_lines"][0]
    assert (placed["offer_id"], placed["price_unit"], placed["price"]) == (
        offer["offer_id"],
        249.9,
        499.8,
    )
    assert (placed["product_sku"], placed["product_title"]) == ("P-PHONE", "Phone X")


def test_platforms_may_reveal_addresses_only_once_the_order_can_ship():
    with running_simulator(rate_limits=False, addresses_from="shipping") as sim:
        api = SellerApi(sim)
        order = sim.create_order(lines=[line()])
        api.accept(order)
        accepted = api.orders(order_ids=order["order_id"])["orders"][0]
        assert accepted["order_state"] == "WAITING_DEBIT_PAYMENT"
        assert accepted["customer"]["shipping_address"] is None
        assert (
            sim.advance(order["order_id"], "debit")["customer"]["shipping_address"]["city"]
            == "Paris"
        )


@pytest.mark.parametrize(
    ("state", "addresses_shown", "debited"),
    [
        ("STAGING", False, False),
        ("WAITING_ACCEPTANCE", False, False),
        ("REFUSED", False, False),
        ("WAITING_DEBIT", True, False),
        ("WAITING_DEBIT_PAYMENT", True, False),
        ("SHIPPING", True, True),
        ("SHIPPED", True, True),
        ("TO_COLLECT", True, True),
        ("RECEIVED", True, True),
        ("CLOSED", True, True),
        ("CANCELED", True, False),
    ],
)
def test_orders_created_in_any_state_are_consistent(sim, api, state, addresses_shown, debited):
    order = sim.create_order(state=state, lines=[line("A"), line("B")])
    seen = api.orders(order_ids=order["order_id"])["orders"][0]
    assert seen["order_state"] == state
    assert {item["order_line_state"] for item in seen["order_lines"]} == {state}
    assert (seen["customer"]["shipping_address"] is not None) == addresses_shown
    assert ("customer_debited_date" in seen) == debited
    assert seen["can_shop_ship"] == (state == "SHIPPING")
    assert seen["last_updated_date"] >= seen["created_date"]
