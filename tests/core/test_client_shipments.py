"""Multi-shipment operations (ST01, ST11, ST23, ST24) over real HTTP against the simulator."""

import pytest
from mirakl import errors


def shipping_order(sim):
    return sim.create_order(state="SHIPPING", lines=[
        {"offer_sku": "SKU-1", "quantity": 2, "price_unit": 10},
        {"offer_sku": "SKU-2", "quantity": 1, "price_unit": 5}])


def test_create_track_and_ship_two_parcels(sim, client):
    order = shipping_order(sim)
    first, second = [line["order_line_id"] for line in order["order_lines"]]
    created = client.create_shipments([
        {"order_id": order["order_id"],
         "shipment_lines": [{"order_line_id": first, "quantity": 2}]},
        {"order_id": order["order_id"],
         "shipment_lines": [{"order_line_id": second, "quantity": 1}]}])
    assert created["shipment_errors"] == []
    ids = [shipment["id"] for shipment in created["shipment_success"]]
    assert len(ids) == 2

    tracked = client.update_shipment_tracking([
        {"id": shipment_id, "tracking": {"carrier_code": "UPS", "tracking_number": "1Z%d" % n}}
        for n, shipment_id in enumerate(ids)])
    assert [item["id"] for item in tracked["shipment_success"]] == ids

    shipped = client.mark_shipments_shipped([{"id": ids[0]}])
    assert shipped["shipment_errors"] == []
    assert sim.get_order(order["order_id"])["order_state"] == "SHIPPING"  # one parcel left
    client.mark_shipments_shipped([{"id": ids[1]}])
    assert sim.get_order(order["order_id"])["order_state"] == "SHIPPED"

    listed = list(client.iter_shipments(order_id=[order["order_id"]], limit=1))
    assert [shipment["id"] for shipment in listed] == ids
    assert {shipment["tracking"]["tracking_number"] for shipment in listed} == {"1Z0", "1Z1"}
    assert len(sim.request_log("ST11")) == 2  # two pages of one, the second by page_token


def test_per_item_errors_come_back_in_a_successful_answer(sim, client):
    order = sim.create_order()  # still WAITING_ACCEPTANCE
    answer = client.create_shipments([{"order_id": order["order_id"], "shipment_lines": [
        {"order_line_id": order["order_lines"][0]["order_line_id"], "quantity": 1}]}])
    assert answer["shipment_success"] == []
    assert "must be 'SHIPPING'" in answer["shipment_errors"][0]["message"]
    answer = client.mark_shipments_shipped([{"id": "SHP-404"}])
    assert answer["shipment_errors"][0]["id"] == "SHP-404"


def test_shipment_list_filters_and_single_page(sim, client):
    order = shipping_order(sim)
    line = order["order_lines"][0]["order_line_id"]
    client.create_shipments([{"order_id": order["order_id"],
                              "shipment_lines": [{"order_line_id": line, "quantity": 1}]}])
    page = client.list_shipments(shipment_state_code=["SHIPPING"])
    assert len(page["data"]) == 1 and "next_page_token" not in page
    assert client.list_shipments(shipment_state_code=["SHIPPED"])["data"] == []


def test_platform_without_multi_shipment_refuses_st01(sim, client):
    order = shipping_order(sim)
    assert client.get_platform_configuration()["features"]["shipment"]["multi_shipment"] is True
    sim.configure_platform({"features": {"shipment": {"multi_shipment": False}}})
    assert client.get_platform_configuration()["features"]["shipment"]["multi_shipment"] is False
    with pytest.raises(errors.MiraklValidationError) as raised:
        client.create_shipments([{"order_id": order["order_id"], "shipment_lines": [
            {"order_line_id": order["order_lines"][0]["order_line_id"], "quantity": 1}]}])
    assert "multi-shipment" in raised.value.message
    assert sim.get_order(order["order_id"])["order_state"] == "SHIPPING"


def test_mandatory_tracking_blocks_shipping_without_a_number(sim, client):
    order = sim.create_order(state="SHIPPING", shipping_type={"code": "EXP", "label": "Express"},
                             lines=[{"offer_sku": "SKU-1", "quantity": 1, "price_unit": 10}])
    line_id = order["order_lines"][0]["order_line_id"]
    answer = client.create_shipments([{"order_id": order["order_id"], "shipped": True,
                                       "shipment_lines": [{"order_line_id": line_id,
                                                           "quantity": 1}]}])
    assert answer["shipment_success"] == []
    assert "mandatory" in answer["shipment_errors"][0]["message"]
    with pytest.raises(errors.MiraklValidationError):
        client.mark_shipped(order["order_id"])
    client.update_tracking(order["order_id"], carrier_code="UPS", tracking_number="1Z9")
    client.mark_shipped(order["order_id"])
    assert sim.get_order(order["order_id"])["order_state"] == "SHIPPED"
