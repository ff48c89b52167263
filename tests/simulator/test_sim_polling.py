"""OR11 as a change feed: update-date windows, creation windows, paging while orders arrive."""

from urllib.parse import parse_qs, urlsplit

from simulator_helpers import line


def test_update_date_polling_sees_every_change_once_with_the_high_water_mark(sim, api):
    first = sim.create_order(lines=[line()])
    second = sim.create_order(lines=[line()])
    sim.move_clock(minutes=5)
    mark = sim.now()

    assert api.orders(start_update_date=mark)["total_count"] == 0  # nothing changed since

    sim.move_clock(minutes=1)
    api.accept(api.orders(order_ids=first["order_id"])["orders"][0])
    changed = api.orders(start_update_date=mark)["orders"]
    assert [order["order_id"] for order in changed] == [first["order_id"]]
    assert changed[0]["last_updated_date"] > mark

    mark = changed[0]["last_updated_date"]
    sim.move_clock(minutes=1)
    sim.advance(second["order_id"], "auto_refuse")
    sim.advance(first["order_id"], "debit")
    changed = api.orders(start_update_date=mark)["orders"]
    # Inclusive lower bound: the order seen at ``mark`` comes again (with its new change).
    assert sorted(order["order_id"] for order in changed) == sorted(
        [first["order_id"], second["order_id"]]
    )
    assert {order["order_id"]: order["order_state"] for order in changed} == {
        first["order_id"]: "SHIPPING",
        second["order_id"]: "REFUSED",
    }


def test_update_window_end_and_creation_window(sim, api):
    early = sim.create_order(lines=[line()])
    sim.move_clock(hours=1)
    middle = sim.now()
    late = sim.create_order(lines=[line()])

    assert [o["order_id"] for o in api.orders(start_date=middle)["orders"]] == [late["order_id"]]
    assert [o["order_id"] for o in api.orders(end_date=early["created_date"])["orders"]] == [
        early["order_id"]
    ]
    assert [o["order_id"] for o in api.orders(end_update_date=early["created_date"])["orders"]] == [
        early["order_id"]
    ]


def test_server_side_overlap_on_start_update_date(sim, api):
    sim.simulator.update_date_overlap = 60
    order = sim.create_order(lines=[line()])
    sim.move_clock(seconds=30)
    assert [o["order_id"] for o in api.orders(start_update_date=sim.now())["orders"]] == [
        order["order_id"]
    ]


def test_state_and_id_filters_take_comma_lists(sim, api):
    waiting = sim.create_order(lines=[line()])
    shipping = sim.create_order(state="SHIPPING", lines=[line()])
    shipped = sim.create_order(state="SHIPPED", lines=[line()])
    found = api.orders(order_state_codes="SHIPPING,SHIPPED")["orders"]
    assert [o["order_id"] for o in found] == [shipping["order_id"], shipped["order_id"]]
    found = api.orders(order_ids="%s,%s" % (waiting["order_id"], shipped["order_id"]))["orders"]
    assert [o["order_id"] for o in found] == [waiting["order_id"], shipped["order_id"]]
    assert api.orders(customer_debited="false")["total_count"] == 1


def test_offset_pages_carry_total_count_and_link_headers(sim, api):
    ids = [sim.create_order(lines=[line()])["order_id"] for _ in range(25)]
    answer = api.get("/api/orders", params={"max": 10, "offset": 10})
    assert [o["order_id"] for o in answer.json()["orders"]] == ids[10:20]
    assert answer.json()["total_count"] == 25
    links = {rel: url for url, rel in _links(answer.headers["Link"])}
    assert parse_qs(urlsplit(links["next"]).query)["offset"] == ["20"]
    assert parse_qs(urlsplit(links["previous"]).query)["offset"] == ["0"]

    last = api.get("/api/orders", params={"max": 10, "offset": 20})
    assert len(last.json()["orders"]) == 5
    assert [rel for _url, rel in _links(last.headers["Link"])] == ["previous"]
    assert len(api.orders()["orders"]) == 10  # default page size
    assert api.get("/api/orders", params={"max": 101}).status_code == 400


def test_paging_by_creation_date_is_stable_while_new_orders_arrive(sim, api):
    before = [sim.create_order(lines=[line()])["order_id"] for _ in range(15)]
    seen = [o["order_id"] for o in api.orders(max=10)["orders"]]
    sim.move_clock(seconds=5)
    arrived = [sim.create_order(lines=[line()])["order_id"] for _ in range(3)]
    seen += [o["order_id"] for o in api.orders(max=10, offset=10)["orders"]]
    seen += [o["order_id"] for o in api.orders(max=10, offset=20)["orders"]]
    # Oldest first: new orders land after what was already paged, none is skipped or repeated.
    assert seen == before + arrived


def test_descending_order(sim, api):
    ids = [sim.create_order(lines=[line()])["order_id"] for _ in range(3)]
    assert [o["order_id"] for o in api.orders(order="desc")["orders"]] == ids[::-1]


def _links(header):
    for item in header.split(","):
        url, rel = item.split(";")
        yield url.strip()[1:-1], rel.split("=")[1].strip('"')
