"""Accounting (IV01, IV02, TL02) and returns (RT11) reads over real HTTP, against a seeded
simulator that checks traffic against Mirakl's spec."""

import pytest
from mirakl.client import MiraklClient
from mirakl.governor import CallGovernor
from mirakl_simulator.testing import running_simulator


@pytest.fixture(scope="module")
def sim(validate_traffic):
    with running_simulator(seed=True, rate_limits=False, validate=validate_traffic) as simulator:
        yield simulator
        assert simulator.violations() == []


@pytest.fixture
def client(sim):
    sim.clear_request_log()
    return MiraklClient(sim.base_url, sim.api_key, governor=CallGovernor.unlimited())


def test_invoices_page_by_offset_and_download(sim, client):
    first_page = client.list_invoices(page_size=2)
    every = list(client.iter_invoices(page_size=2))
    assert len(every) == first_page["total_count"] > 2
    assert len({invoice["invoice_id"] for invoice in every}) == len(every)
    document = client.download_invoice(every[0]["invoice_id"])
    assert document.content.startswith(b"%PDF") and document.filename.endswith(".pdf")
    assert sim.request_log("IV02")[0]["path"] == "/api/invoices/%s" % every[0]["invoice_id"]


def test_transaction_logs_page_by_token_with_filters(sim, client):
    every = list(client.iter_transaction_logs(limit=7))
    assert len(every) > 7 and len({line["id"] for line in every}) == len(every)
    wanted = every[0]["type"]
    filtered = list(client.iter_transaction_logs(transaction_type=[wanted]))
    assert filtered and {line["type"] for line in filtered} == {wanted}
    sent = [entry["query"] for entry in sim.request_log("TL02")
            if "page_token" not in entry["query"]]
    assert sent[-1]["transaction_type"] == wanted


def test_returns_listing(sim, client):
    returns = list(client.iter_returns())
    assert returns and all(item["order_id"] for item in returns)
    page = client.list_returns(return_state=[returns[0]["state"]], limit=1)
    assert page["data"][0]["state"] == returns[0]["state"]
