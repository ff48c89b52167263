"""The Odoo-free order logic: payload mapping, cent-exact arithmetic, acceptance rules."""

import copy
import random
from datetime import datetime
from decimal import Decimal as D

import pytest
from mirakl.orders import (
    ACCEPT,
    MANUAL,
    REFUSE,
    OrderDataError,
    address_fingerprint,
    allocate_stock,
    evaluate,
    fallback,
    line_terms,
    order_decision,
    parse_order,
    spread,
)
from mirakl.orders.amounts import line_total


def _line(index, sku, qty, unit, taxes=(), promos=(), ship=0, ship_taxes=()):
    deduced = sum(D(str(p)) for p in promos)
    return {
        "order_line_id": "O-1-A-%d" % index, "order_line_index": index,
        "order_line_state": "WAITING_ACCEPTANCE", "offer_sku": sku, "product_sku": "MKP-" + sku,
        "product_title": sku, "quantity": qty, "price_unit": unit,
        "price": float(D(str(unit)) * qty - deduced), "shipping_price": ship,
        "taxes": [{"code": c, "rate": r, "amount": a} for c, r, a in taxes],
        "shipping_taxes": [{"code": c, "rate": r, "amount": a} for c, r, a in ship_taxes],
        "promotions": [
            {"id": "P%d" % i, "deduced_amount": p,
             "configuration": {"type": "AMOUNT_OFF", "internal_description": "promo"}}
            for i, p in enumerate(promos)
        ],
        "cancelations": [], "refunds": [], "total_commission": 1.5,
    }


def _order(lines, tax_mode="TAX_EXCLUDED", **extra):
    price = sum(D(str(line["price"])) for line in lines)
    ship = sum(D(str(line["shipping_price"])) for line in lines)
    order = {
        "order_id": "O-1-A", "commercial_id": "O-1", "order_state": "WAITING_ACCEPTANCE",
        "currency_iso_code": "EUR", "order_tax_mode": tax_mode, "payment_type": "card",
        "price": float(price), "shipping_price": float(ship), "total_price": float(price + ship),
        "shipping_type_code": "STD", "shipping_zone_code": "FR",
        "customer": {
            "customer_id": "C-1", "firstname": "Ada", "lastname": "Lovelace",
            "billing_address": None, "shipping_address": None,
        },
        "order_lines": lines,
    }
    order.update(extra)
    return order


def test_parse_multi_tax_promoted_order_tax_excluded():
    lines = [
        _line(1, "A", 3, 19.99, taxes=[("TVA", 20, 10.99)], promos=[5.0], ship=4.9,
              ship_taxes=[("TVA", 20, 0.98)]),
        _line(2, "B", 2, 7.5, taxes=[("TVA", 5.5, 0.83), ("ECO", 1, 0.15)]),
    ]
    data = parse_order(_order(lines))
    first, second = data["lines"]
    assert first["price"] == D("54.97") and first["gross"] == D("59.97")
    assert first["discount_amount"] == D("5.00")
    assert first["promotions"][0]["type"] == "AMOUNT_OFF"
    assert [t["code"] for t in second["taxes"]] == ["TVA", "ECO"]
    assert data["shipping"]["price"] == D("4.90")
    assert data["shipping"]["taxes"] == [{"code": "TVA", "rate": D(20), "amount": D("0.98")}]
    # excluded mode: the customer pays the prices plus every tax
    assert data["mirakl_total"] == D("54.97") + D("15.00") + D("4.90") + D("12.95")
    assert first["skus"] == ["A", "MKP-A"]


def test_tax_included_total_is_total_price():
    data = parse_order(_order([_line(1, "A", 1, 12.0, taxes=[("TVA", 20, 2.0)])], "TAX_INCLUDED"))
    assert data["mirakl_total"] == D("12.00")


def _basket_order():
    """A 136 EUR basket with a 10 EUR basket promotion that Mirakl apportioned into the line
    prices (spec: line ``price`` is what the line costs; ``applied_promotions[].apportioned``)
    and lists at order level only."""
    lines = [_line(1, "A", 2, 40.0), _line(2, "B", 1, 56.0)]
    lines[0]["price"], lines[1]["price"] = 74.12, 51.88
    return _order(lines, promotions={
        "applied_promotions": [{"id": "BASKET-10", "apportioned": True, "deduced_amount": 10.0,
                                "configuration": {"type": "AMOUNT_OFF", "amount_off": 10.0}}],
        "total_deduced_amount": 10.0,
    })


def test_basket_promotion_already_in_line_prices_is_not_deducted_again():
    data = parse_order(_basket_order())
    assert data["mirakl_total"] == D("126.00")
    first, second = data["lines"]
    assert [first["net"], second["net"]] == [D("74.12"), D("51.88")]
    assert first["gross"] == D("80.00") and first["order_discount_share"] == 0


def test_total_price_below_the_line_prices_is_spread_to_the_cent():
    lines = [_line(1, "A", 1, 10.0), _line(2, "B", 1, 10.0), _line(3, "C", 1, 10.0)]
    order = _order(lines, promotions={"applied_promotions": [], "total_deduced_amount": 1.0})
    order["total_price"] = 29.0  # a deduction Mirakl did not put into the line prices
    data = parse_order(order)
    shares = [line["order_discount_share"] for line in data["lines"]]
    assert sum(shares) == D("1.00") and sorted(shares) == [D("0.33"), D("0.33"), D("0.34")]
    assert data["mirakl_total"] == D("29.00")


def test_cancelled_line_with_quantity_zero_imports_and_owes_nothing():
    lines = [_line(1, "A", 2, 10.0, taxes=[("TVA", 20, 4.0)]), _line(2, "B", 1, 5.0)]
    lines[1].update(order_line_state="CANCELED", quantity=0, price=0, cancelations=[
        {"id": "C1", "amount": 5.0, "shipping_amount": 0, "quantity": 1, "taxes": []}])
    order = _order(lines)
    data = parse_order(order)
    cancelled = data["lines"][1]
    assert cancelled["effective_qty"] == 0 and cancelled["dropped"]
    assert data["mirakl_total"] == D("24.00")


def test_refused_line_is_not_expected_whether_total_price_counts_it_or_not():
    lines = [_line(1, "A", 1, 10.0, taxes=[("TVA", 20, 2.0)]),
             _line(2, "B", 1, 5.0, taxes=[("TVA", 20, 1.0)])]
    lines[1]["order_line_state"] = "REFUSED"
    order = _order(lines)  # total_price 15: the spec's sum of every line price
    assert parse_order(order)["mirakl_total"] == D("12.00")
    order["total_price"], order["price"] = 10.0, 10.0  # or without the refused line
    assert parse_order(order)["mirakl_total"] == D("12.00")


def test_fees_count_in_the_total_and_cancellations_take_them_back():
    lines = [_line(1, "A", 1, 10.0), _line(2, "B", 1, 5.0)]
    lines[0]["fees"] = [{"code": "PKG", "amount": 0.5}]
    lines[1]["fees"] = [{"code": "PKG", "amount": 0.25}, {"code": "ECO", "amount": 0.1}]
    lines[1]["cancelations"] = [{"id": "C1", "amount": 0, "quantity": 0,
                                 "fees": [{"code": "ECO", "amount": 0.1}]}]
    order = _order(lines)
    order["total_price"] = 15.85
    data = parse_order(order)
    assert data["fees"] == {"PKG": D("0.75")}
    assert data["mirakl_total"] == D("15.75")


def test_order_taxes_are_the_truth_per_code():
    # 3 x 0.333... rounded per line is 0.99 in all; Mirakl's order level calculation says 1.00
    lines = [_line(i, sku, 1, 1.67, taxes=[("TVA", 20, 0.33)]) for i, sku in
             ((1, "A"), (2, "B"), (3, "C"))]
    order = _order(lines, order_taxes=[{"code": "TVA", "rate": 20, "total_amount": 1.0},
                                       {"code": "ECO", "rate": None, "total_amount": 0.3}])
    data = parse_order(order)
    assert sum(line["tax_amount"] for line in data["lines"]) == D("1.30")
    assert data["tax_amount"] == D("1.30")
    assert data["mirakl_total"] == D("5.01") + D("1.30")


@pytest.mark.parametrize("mutate, message", [
    (lambda o: o.pop("order_lines"), "has no order_lines"),
    (lambda o: o["order_lines"][0].update(price=None), "price is missing"),
    (lambda o: o["order_lines"][0].update(quantity=0), "not a positive integer"),
    (lambda o: o["order_lines"][0].update(quantity=-1, order_line_state="CANCELED"),
     "not a positive integer"),
    (lambda o: o["order_lines"][0].update(offer_sku=None, product_sku=None), "no offer_sku"),
    (lambda o: o.update(total_price="abc"), "total_price is not a number"),
    (lambda o: o.update(customer={}), "customer.customer_id is missing"),
])
def test_malformed_orders_name_the_problem(mutate, message):
    order = _order([_line(1, "A", 1, 10.0)])
    mutate(order)
    with pytest.raises(OrderDataError) as info:
        parse_order(order)
    assert message in str(info.value) and "O-1-A" in str(info.value)


def test_dates_come_back_as_naive_utc_datetimes():
    order = _order([_line(1, "A", 1, 10.0)], created_date="2024-03-31T01:30:00.250+02:00",
                   last_updated_date="2024-03-31T00:00:05Z", shipping_deadline=None)
    data = parse_order(order)
    assert data["created_date"] == datetime(2024, 3, 30, 23, 30, 0)
    assert data["last_updated_date"] == datetime(2024, 3, 31, 0, 0, 5)
    assert data["created_date"].tzinfo is None
    assert data["shipping_deadline"] is None and data["acceptance_decision_date"] is None


def test_an_unreadable_date_names_the_field():
    order = _order([_line(1, "A", 1, 10.0)], shipping_deadline="next tuesday")
    with pytest.raises(OrderDataError) as info:
        parse_order(order)
    assert "shipping_deadline" in str(info.value) and "next tuesday" in str(info.value)


def test_hidden_addresses_and_fingerprint():
    order = _order([_line(1, "A", 1, 10.0)])
    assert parse_order(order)["customer"]["shipping"] is None
    address = {"firstname": "Ada", "lastname": "Lovelace", "street_1": "1 Main St",
               "zip_code": "75001", "city": "Paris", "country_iso_code": "FRA"}
    order["customer"]["shipping_address"] = address
    customer = parse_order(order)["customer"]
    assert customer["shipping"]["country_code"] == "FR"
    same = dict(address, street_1="1  MAIN st")
    moved = dict(address, street_1="2 Main St")
    from mirakl.orders.mapping import address_values
    assert address_fingerprint(address_values(same)) == customer["shipping_fingerprint"]
    assert address_fingerprint(address_values(moved)) != customer["shipping_fingerprint"]


@pytest.mark.parametrize("gross, net, qty", [
    ("59.97", "54.97", 3), ("100.00", "87.65", 1), ("29.97", "26.97", 3), ("10.00", "10.00", 4),
    ("33.32", "30.00", 7), ("0.03", "0.01", 3), ("999.99", "1.23", 1), ("19.99", "0.00", 1),
])
def test_line_terms_reproduce_the_net_amount(gross, net, qty):
    price_unit, discount, exact = line_terms(D(gross), D(net), qty)
    assert exact
    assert line_total(price_unit, qty, discount) == D(net)


def test_spread_keeps_every_cent():
    parts = spread(D("10.00"), [D("1"), D("1"), D("1")])
    assert sum(parts) == D("10.00") and max(parts) - min(parts) == D("0.01")
    with pytest.raises(ValueError):
        spread(D("1"), [D(0)])


RULES = [
    {"id": 1, "name": "Blocked", "type": "blocked_sku", "skus": "BAD, WORSE", "on_fail": "refuse"},
    {"id": 2, "name": "Max qty", "type": "max_quantity", "max_quantity": 5, "on_fail": "manual"},
    {"id": 3, "name": "Drift", "type": "price_drift", "max_drift": 10, "on_fail": "manual"},
    {"id": 4, "name": "Stock", "type": "stock", "on_fail": "refuse"},
]


def _facts(line_id, sku="A", qty=1, unit=10, odoo=10, available=5, country="FR"):
    return {"line_id": line_id, "skus": [sku], "quantity": qty, "unit_price": unit,
            "odoo_price": odoo, "available": available, "country": country}


def test_rules_explain_every_decision():
    results = evaluate(RULES, [
        _facts("ok"), _facts("blocked", sku="bad"), _facts("big", qty=6, available=10),
        _facts("cheap", unit=8), _facts("short", qty=3, available=2),
    ])
    by_id = {r["line_id"]: r for r in results}
    assert by_id["ok"]["decision"] == ACCEPT and "Stock" in by_id["ok"]["reason"]
    assert (by_id["blocked"]["decision"], by_id["blocked"]["rule_id"]) == (REFUSE, 1)
    assert (by_id["big"]["decision"], by_id["big"]["rule"]) == (MANUAL, "Max qty")
    assert "drift 20" in by_id["cheap"]["reason"] and by_id["cheap"]["decision"] == MANUAL
    assert by_id["short"]["reason"] == "only 2 available for 3 ordered"
    assert order_decision(results) is None
    decided = [r for r in results if r["decision"] != MANUAL]
    assert order_decision(decided) == [
        {"id": "ok", "accepted": True}, {"id": "blocked", "accepted": False},
        {"id": "short", "accepted": False},
    ]


def test_country_rule_waits_while_address_hidden():
    rule = [{"id": 9, "name": "EU", "type": "country", "countries": "FR,DE", "on_fail": "refuse"}]
    results = evaluate(rule, [_facts("a", country=""), _facts("b", country="US"), _facts("c")])
    assert [r["decision"] for r in results] == [MANUAL, REFUSE, ACCEPT]
    assert evaluate([], [_facts("a")])[0]["decision"] == MANUAL


def test_fallback_and_stock_allocation():
    available = allocate_stock([(1, 3), (1, 3), (2, 1)], {1: 5, 2: 0})
    assert available == [D(5), D(2), D(0)]
    facts = [_facts("x", qty=3, available=a) for a in available]
    assert [r["decision"] for r in fallback(facts)] == [ACCEPT, REFUSE, REFUSE]


def test_parse_does_not_modify_payload():
    order = _order([_line(1, "A", 2, 10.0, promos=[1.0])])
    before = copy.deepcopy(order)
    parse_order(order)
    assert order == before


def test_line_terms_say_when_no_exact_terms_exist():
    # 10.00 over 3 units has no 2-digit unit price, but a discount reaches it
    price_unit, discount, exact = line_terms(D("10.00"), D("10.00"), 3)
    assert exact and discount > 0 and line_total(price_unit, 3, discount) == D("10.00")
    # nothing to discount from and no unit price gives 0.01 for 3: it must be reported
    assert line_terms(D("0"), D("0.01"), 3)[2] is False


def test_line_terms_are_exact_on_many_promoted_lines():
    rng = random.Random(7)
    for _case in range(3000):
        quantity = rng.randint(1, 12)
        unit = D(rng.randint(100, 25000)) / 100
        gross = unit * quantity
        net = gross - D(rng.randint(1, int(gross * 100) - 1)) / 100
        price_unit, discount, exact = line_terms(gross, net, quantity)
        assert exact, (gross, net, quantity)
        assert line_total(price_unit, quantity, discount) == net
        assert 0 <= discount < 100


def test_an_amount_no_unit_price_reaches_is_met_with_a_discount():
    # 359.90 excluding tax for 4: 89.97 or 89.98 a piece never makes it
    price_unit, discount, exact = line_terms(D("359.90"), D("359.90"), 4)
    assert exact and line_total(price_unit, 4, discount) == D("359.90")
    assert line_terms(D("30.00"), D("30.00"), 3) == (D("10.00"), D(0), True)
