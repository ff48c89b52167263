"""Order operations of the client, over real HTTP against the simulator, which checks every
request and answer against Mirakl's OpenAPI spec."""

import pytest
from mirakl import errors
from mirakl.client import MiraklClient
from mirakl.governor import CallGovernor


def two_line_order(sim, state="WAITING_ACCEPTANCE"):
    return sim.create_order(state=state, lines=[
        {"offer_sku": "SKU-1", "quantity": 2, "price_unit": 10, "shipping_price": 4},
        {"offer_sku": "SKU-2", "quantity": 1, "price_unit": 25}])


def line_ids(order):
    return [line["order_line_id"] for line in order["order_lines"]]


def test_list_orders_returns_a_page_and_total(sim, client):
    orders = [two_line_order(sim) for _ in range(3)]
    page = client.list_orders(page_size=2)
    assert page["total_count"] == 3
    assert [order["order_id"] for order in page["orders"]] == [o["order_id"] for o in orders[:2]]
    page = client.list_orders(offset=2, page_size=2)
    assert [order["order_id"] for order in page["orders"]] == [orders[2]["order_id"]]
    query = sim.request_log("OR11")[-1]["query"]
    assert (query["max"], query["offset"], query["sort"], query["order"]) == \
        ("2", "2", "dateCreated", "asc")


def test_or11_filters_reach_mirakl_encoded_as_the_spec_says(sim, client):
    waiting = two_line_order(sim)
    shipping = two_line_order(sim, state="SHIPPING")
    found = list(client.iter_orders(order_state_codes=["SHIPPING", "SHIPPED"],
                                    has_incident=False))
    assert [order["order_id"] for order in found] == [shipping["order_id"]]
    found = list(client.iter_orders(order_ids=[waiting["order_id"], shipping["order_id"]],
                                    start_update_date="2000-01-01T00:00:00Z",
                                    fulfillment_center_code=["FC-1", "FC-2"],
                                    customer_debited=False, only_null_channel=False,
                                    order_tax_mode="TAX_INCLUDED"))
    assert [order["order_id"] for order in found] == [waiting["order_id"]]
    query = sim.request_log("OR11")[-1]["query"]
    assert query["order_ids"] == "%s,%s" % (waiting["order_id"], shipping["order_id"])
    assert query["fulfillment_center_code"] == ["FC-1", "FC-2"]  # an array: repeated
    assert query["customer_debited"] == "false"
    assert query["start_update_date"] == "2000-01-01T00:00:00Z"
    assert "shop_id" not in query  # the default shop of the key


def test_shop_id_is_sent_on_every_call_when_configured(sim):
    usd = sim.shop("USD")
    client = MiraklClient(sim.base_url, sim.multi_shop_api_key, shop_id=usd["shop_id"],
                          governor=CallGovernor.unlimited())
    assert client.get_account()["currency_iso_code"] == "USD"
    client.list_orders()
    log = sim.request_log()
    assert [entry["operation"] for entry in log] == ["A01", "OR11"]
    assert all(entry["query"].get("shop_id") == str(usd["shop_id"]) for entry in log)


def test_accept_then_track_then_ship(sim, client):
    order = two_line_order(sim)
    first, second = line_ids(order)
    assert client.accept_order_lines(order["order_id"], [
        {"id": first, "accepted": True}, {"id": second, "accepted": True}]) is None
    assert sim.get_order(order["order_id"])["order_state"] == "WAITING_DEBIT_PAYMENT"
    sim.advance(order["order_id"], "debit")
    assert client.update_tracking(order["order_id"], carrier_code="UPS",
                                  tracking_number="1Z999") is None
    assert client.mark_shipped(order["order_id"]) is None
    shipped = sim.get_order(order["order_id"])
    assert shipped["order_state"] == "SHIPPED"
    assert shipped["shipping_carrier_code"] == "UPS"
    assert shipped["shipping_tracking"] == "1Z999"
    body = sim.request_log("OR21")[-1]
    assert body["method"] == "PUT" and body["path"].endswith("/accept")


def test_refusing_lines(sim, client):
    order = two_line_order(sim)
    client.accept_order_lines(order["order_id"], [{"id": line_id, "accepted": False}
                                                  for line_id in line_ids(order)])
    assert sim.get_order(order["order_id"])["order_state"] == "REFUSED"


def test_tracking_with_an_unregistered_carrier(sim, client):
    order = two_line_order(sim, state="SHIPPING")
    client.update_tracking(order["order_id"], carrier_name="Bike courier",
                           carrier_url="https://bike.example/track/42", tracking_number="42")
    tracked = sim.get_order(order["order_id"])
    assert tracked["shipping_company"] == "Bike courier"
    assert tracked["shipping_tracking_url"] == "https://bike.example/track/42"


def test_refund_order_lines(sim, client):
    order = two_line_order(sim, state="SHIPPED")
    first = line_ids(order)[0]
    answer = client.refund_order_lines([{"order_line_id": first, "amount": 10,
                                         "shipping_amount": 2, "quantity": 1,
                                         "reason_code": "REF_DAMAGED"}])
    assert [(r["order_line_id"], r["amount"], r["shipping_amount"]) for r in answer["refunds"]] \
        == [(first, 10, 2)]
    refunds = sim.get_order(order["order_id"])["order_lines"][0]["refunds"]
    assert len(refunds) == 1


def test_cancel_whole_order_and_order_lines(sim, client):
    order = two_line_order(sim)
    assert client.cancel_order(order["order_id"]) is None
    assert sim.get_order(order["order_id"])["order_state"] == "CANCELED"

    order = two_line_order(sim)
    second = line_ids(order)[1]
    answer = client.cancel_order_lines([{"order_line_id": second, "amount": 25,
                                         "shipping_amount": 0, "quantity": 1,
                                         "reason_code": "CAN_OUT_OF_STOCK"}])
    assert answer["cancelations"][0]["order_line_id"] == second
    lines = sim.get_order(order["order_id"])["order_lines"]
    assert lines[1]["order_line_state"] == "CANCELED"


def test_resolve_incident(sim, client):
    order = two_line_order(sim, state="SHIPPED")
    first = line_ids(order)[0]
    sim.advance(order["order_id"], "open_incident", line_id=first)
    assert sim.get_order(order["order_id"])["has_incident"] is True
    reason = client.list_reasons(reason_type="INCIDENT_CLOSE")["reasons"][0]["code"]
    assert client.resolve_incident(order["order_id"], first, reason) is None
    assert sim.get_order(order["order_id"])["order_lines"][0]["order_line_state"] != \
        "INCIDENT_OPEN"


def test_order_taxes(client):
    taxes = client.list_order_taxes()["taxes"]
    assert {"code", "label"} <= set(taxes[0])


def test_wrong_state_is_a_validation_error_with_mirakl_message_and_code(sim, client):
    order = two_line_order(sim)
    with pytest.raises(errors.MiraklValidationError) as caught:
        client.mark_shipped(order["order_id"])
    error = caught.value
    assert (error.operation, error.status, error.retryable) == ("OR24", 400, False)
    assert error.code == "ORDER_INVALID_STATE"
    assert "WAITING_ACCEPTANCE" in error.message
    assert len(sim.request_log("OR24")) == 1  # a 400 is never retried


def test_unknown_order_is_not_found(client):
    with pytest.raises(errors.MiraklNotFoundError) as caught:
        client.accept_order_lines("NO-SUCH-ORDER", [{"id": "NO-SUCH-ORDER-1", "accepted": True}])
    assert (caught.value.operation, caught.value.status) == ("OR21", 404)


def test_wrong_key_is_an_auth_error(sim):
    client = MiraklClient(sim.base_url, "not-a-key", governor=CallGovernor.unlimited())
    with pytest.raises(errors.MiraklAuthError) as caught:
        client.get_account()
    assert (caught.value.operation, caught.value.status, caught.value.retryable) == \
        ("A01", 401, False)
