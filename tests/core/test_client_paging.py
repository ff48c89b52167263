"""Offset pagination (OR11) over real HTTP: every item once, even while orders change."""

import pytest
from mirakl.client import MiraklClient
from mirakl.governor import CallGovernor
from mirakl_simulator.testing import running_simulator


@pytest.fixture(scope="module")
def simulator():
    with running_simulator(seed=False, rate_limits=False) as sim:
        yield sim


@pytest.fixture
def sim(simulator):
    simulator.reset()
    simulator.clear_faults()
    return simulator


@pytest.fixture
def client(sim):
    return MiraklClient(sim.base_url, sim.api_key, governor=CallGovernor.unlimited())


def test_iterates_every_order_across_pages_in_creation_order(sim, client):
    created = [sim.create_order()["order_id"] for _ in range(23)]
    assert [order["order_id"] for order in client.iter_orders(page_size=10)] == created
    offsets = [entry["query"]["offset"] for entry in sim.request_log("OR11")]
    assert offsets == ["0", "10", "20"]


def test_an_empty_listing_makes_one_call(sim, client):
    assert list(client.iter_orders()) == []
    assert len(sim.request_log("OR11")) == 1


def test_orders_created_while_paging_are_neither_skipped_nor_repeated(sim, client):
    created = [sim.create_order()["order_id"] for _ in range(12)]
    seen = []
    for order in client.iter_orders(page_size=5):
        seen.append(order["order_id"])
        if len(seen) in (3, 7):  # the marketplace keeps selling while we read
            created += [sim.create_order()["order_id"] for _ in range(2)]
    assert seen == created
    assert len(created) == 16


def test_an_earlier_order_entering_the_filter_mid_listing_is_not_yielded_twice(sim, client):
    """Filtering on state, an older order that reaches SHIPPING during the listing shifts the
    later pages by one: the last order of the page already read comes back, once only."""
    waiting = sim.create_order()["order_id"]
    shipping = [sim.create_order(state="SHIPPING")["order_id"] for _ in range(8)]
    seen = []
    for order in client.iter_orders(page_size=4, order_state_codes=["SHIPPING"]):
        seen.append(order["order_id"])
        if len(seen) == 4:
            sim.advance(waiting, "accept")
            sim.advance(waiting, "debit")
    assert seen[:4] == shipping[:4]
    assert len(seen) == len(set(seen))
    assert set(shipping) <= set(seen)


def test_follows_the_link_header_of_mirakl(sim, client):
    for _ in range(5):
        sim.create_order()
    assert len(list(client.iter_orders(page_size=2))) == 5
    # The last page carries a Link with only rel="previous": the iterator stops there.
    assert len(sim.request_log("OR11")) == 3


def test_list_orders_single_page_honours_offset_and_page_size(sim, client):
    created = [sim.create_order()["order_id"] for _ in range(7)]
    page = client.list_orders(offset=3, page_size=3)
    assert [order["order_id"] for order in page["orders"]] == created[3:6]
    assert page["total_count"] == 7
