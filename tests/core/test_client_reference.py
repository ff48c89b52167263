"""Account and platform-configuration reads, over real HTTP against the simulator, which
checks every request and answer against Mirakl's OpenAPI spec."""

import pytest


def test_get_account(sim, client):
    account = client.get_account()
    assert (account["shop_id"], account["currency_iso_code"]) == (sim.shop_id, "EUR")
    entry = sim.request_log("A01")[0]
    assert (entry["method"], entry["path"]) == ("GET", "/api/account")


def test_get_version(client):
    assert client.get_version()["version"]


def test_list_reasons_all_and_of_one_type(sim, client):
    reasons = client.list_reasons()["reasons"]
    assert {reason["type"] for reason in reasons} >= {"REFUND", "CANCELATION"}
    refunds = client.list_reasons(reason_type="REFUND")
    assert refunds["reasons"] and {r["type"] for r in refunds["reasons"]} == {"REFUND"}
    assert refunds["total_count"] == len(refunds["reasons"])
    by_type = client.list_reasons_by_type("REFUND")["reasons"]
    assert [r["code"] for r in by_type] == [r["code"] for r in refunds["reasons"]]
    assert sim.request_log("RE02")[0]["path"] == "/api/reasons/REFUND"


@pytest.mark.parametrize("method, op, key", [
    ("list_channels", "CH11", "channels"),
    ("list_shipping_zones", "SH11", "shipping_zones"),
    ("list_shipping_types", "SH12", "shipping_types"),
    ("list_carriers", "SH21", "carriers"),
    ("list_logistic_classes", "SH31", "logistic_classes"),
    ("list_offer_states", "OF61", "offer_states"),
    ("list_order_taxes", "OR75", "taxes"),
])
def test_configuration_lists(sim, client, method, op, key):
    items = getattr(client, method)()[key]
    assert items and all("code" in item for item in items)
    assert [entry["operation"] for entry in sim.request_log()] == [op]


def test_list_additional_fields_of_some_entities(sim, client):
    fields = client.list_additional_fields(entities=["OFFER", "ORDER_LINE"])
    entities = {field["entity"] for field in fields["additional_fields"]}
    assert entities <= {"OFFER", "ORDER_LINE"} and entities
    assert sim.request_log("AF01")[0]["query"]["entities"] == "OFFER,ORDER_LINE"


def test_catalogue_configuration(sim, client):
    hierarchies = client.list_hierarchies()["hierarchies"]
    assert hierarchies
    top = hierarchies[0]["code"]
    below = client.list_hierarchies(hierarchy=top, max_level=1)["hierarchies"]
    assert below
    assert sim.request_log("H11")[-1]["query"] == {"hierarchy": top, "max_level": "1"}
    assert "attributes" in client.list_product_attributes(hierarchy=top, with_roles=True)
    assert "values_lists" in client.list_value_lists()
