"""Injected faults, the request log and authentication, as a client sees them on the wire."""

import http.client

import pytest
import requests
from mirakl_simulator.testing import SimulatorError
from simulator_helpers import line


def test_429_carries_retry_after_then_the_call_succeeds(sim, api):
    sim.inject_fault("OR11", "429", retry_after=7)
    answer = api.get("/api/orders")
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "7"
    assert answer.json() == {"status": 429, "message": "Injected fault 429"}
    assert api.get("/api/orders").status_code == 200


@pytest.mark.parametrize("kind", ["500", "502", "503"])
def test_server_errors_for_count_calls_of_one_operation_only(sim, api, kind):
    sim.inject_fault("OR11", kind, count=2)
    assert api.get("/api/account").status_code == 200  # other operations are untouched
    assert [api.get("/api/orders").status_code for _ in range(3)] == [int(kind), int(kind), 200]


def test_wildcard_fault_hits_any_operation(sim, api):
    sim.inject_fault("*", "503")
    assert api.get("/api/account").status_code == 503
    assert api.get("/api/account").status_code == 200


def test_delay_outlasts_the_client_timeout(sim, api):
    sim.inject_fault("A01", "delay", seconds=1.0)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(
            sim.base_url + "/api/account", headers={"Authorization": sim.api_key}, timeout=0.2
        )


def test_connection_reset_gives_no_answer(sim, api):
    sim.inject_fault("A01", "reset")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(
            sim.base_url + "/api/account", headers={"Authorization": sim.api_key}, timeout=5
        )
    assert api.get("/api/account").status_code == 200


def test_truncated_body_is_shorter_than_its_content_length(sim):
    sim.create_order(lines=[line()])
    sim.inject_fault("OR11", "truncated")
    host, port = sim.base_url.split("//")[1].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    connection.request("GET", "/api/orders", headers={"Authorization": sim.api_key})
    answer = connection.getresponse()
    with pytest.raises(http.client.IncompleteRead):
        answer.read()
    connection.close()


def test_clear_faults(sim, api):
    sim.inject_fault("A01", "500", count=5)
    sim.clear_faults()
    assert api.get("/api/account").status_code == 200


def test_unknown_fault_kind_is_rejected(sim):
    with pytest.raises(SimulatorError) as raised:
        sim.inject_fault("A01", "teapot")
    assert raised.value.status == 400


def test_request_log_names_operations_and_redacts_the_key(sim, api):
    order = sim.create_order(lines=[line()])
    api.get("/api/orders", params={"order_state_codes": "WAITING_ACCEPTANCE", "max": 5})
    api.accept(order)
    log = sim.request_log()
    assert [(entry["operation"], entry["method"], entry["status"]) for entry in log] == [
        ("OR11", "GET", 200),
        ("OR21", "PUT", 204),
    ]
    assert log[0]["query"] == {"order_state_codes": "WAITING_ACCEPTANCE", "max": "5"}
    assert log[1]["path"] == "/api/orders/%s/accept" % order["order_id"]
    assert all(entry["headers"]["authorization"] == "***" for entry in log)
    assert sim.api_key not in str(log)
    assert sim.request_log("OR21")[0]["body"].startswith('{"order_lines"')
    sim.clear_request_log()
    assert sim.request_log() == []


def test_missing_or_unknown_key_is_401_with_a_json_body(sim, api):
    for key in ("", "not-a-key"):
        answer = api.get("/api/account", api_key=key)
        assert answer.status_code == 401
        assert answer.json()["status"] == 401
        assert answer.json()["message"]


def test_bearer_prefix_is_not_accepted(sim, api):
    assert api.get("/api/account", api_key="Bearer " + sim.api_key).status_code == 401


def test_shop_id_selects_among_the_shops_of_a_key(sim, api):
    multi = sim.multi_shop_api_key
    usd = sim.shop("USD")
    assert api.get("/api/account", api_key=multi).json()["shop_id"] == sim.shop_id
    account = api.get("/api/account", params={"shop_id": usd["shop_id"]}, api_key=multi).json()
    assert (account["shop_id"], account["currency_iso_code"]) == (usd["shop_id"], "USD")


def test_shop_id_of_another_shop_is_403(sim, api):
    answer = api.get("/api/account", params={"shop_id": sim.shop("USD")["shop_id"]})
    assert answer.status_code == 403


def test_unknown_path_is_404_and_wrong_method_405(sim, api):
    assert api.get("/api/nothing-here").status_code == 404
    assert api.call("DELETE", "/api/orders").status_code == 405


def test_server_errors_skip_the_call_but_a_reset_happens_after_it(sim, api):
    order = sim.create_order(state="SHIPPING", lines=[line()])
    sim.inject_fault("OR24", "503")
    assert api.put("/api/orders/%s/ship" % order["order_id"]).status_code == 503
    assert sim.get_order(order["order_id"])["order_state"] == "SHIPPING"

    sim.inject_fault("OR24", "reset")
    with pytest.raises(requests.exceptions.ConnectionError):
        api.put("/api/orders/%s/ship" % order["order_id"])
    # The write went through although the client never heard back.
    assert sim.get_order(order["order_id"])["order_state"] == "SHIPPED"
