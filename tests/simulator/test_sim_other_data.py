"""Shipments, documents, inbox threads, money, returns, seek paging, seed and clock."""

import io
import json
import zipfile

import pytest
from mirakl_simulator.testing import SimulatorError, running_simulator
from simulator_helpers import SellerApi, line


def test_partial_shipments_ship_the_order_when_every_unit_is_shipped(sim, api):
    order = sim.create_order(state="SHIPPING", lines=[line("A", quantity=3)])
    line_id = order["order_lines"][0]["order_line_id"]

    def ship(quantity):
        created = api.post(
            "/api/shipments",
            json={
                "shipments": [
                    {
                        "order_id": order["order_id"],
                        "shipment_lines": [{"order_line_id": line_id, "quantity": quantity}],
                        "tracking": {"carrier_code": "DHL", "tracking_number": "JD%d" % quantity},
                        "shipped": True,
                    }
                ]
            },
        )
        assert created.status_code == 201
        return created.json()

    first = ship(2)["shipment_success"][0]
    assert first["tracking"]["tracking_url"] == "https://www.dhl.com/track?tracking-id=JD2"
    assert sim.get_order(order["order_id"])["order_state"] == "SHIPPING"
    assert "exceeds" in ship(2)["shipment_errors"][0]["message"]
    ship(1)
    assert sim.get_order(order["order_id"])["order_state"] == "SHIPPED"


def test_shipment_tracking_then_ship_and_errors_per_item(sim, api):
    order = sim.create_order(state="SHIPPING", lines=[line()])
    refused = sim.create_order(state="SHIPPED", lines=[line()])
    created = api.post(
        "/api/shipments",
        json={
            "shipments": [
                {
                    "order_id": order["order_id"],
                    "shipment_lines": [
                        {"order_line_id": order["order_lines"][0]["order_line_id"], "quantity": 1}
                    ],
                },
                {
                    "order_id": refused["order_id"],
                    "shipment_lines": [
                        {"order_line_id": refused["order_lines"][0]["order_line_id"], "quantity": 1}
                    ],
                },
            ]
        },
    ).json()
    assert created["shipment_errors"] == [
        {
            "order_id": refused["order_id"],
            "message": "The order status must be 'SHIPPING' but it is 'SHIPPED'.",
        }
    ]
    shipment_id = created["shipment_success"][0]["id"]
    tracked = api.post(
        "/api/shipments/tracking",
        json={
            "shipments": [
                {
                    "id": shipment_id,
                    "tracking": {"carrier_name": "Courier", "tracking_number": "42"},
                }
            ]
        },
    )
    assert tracked.json() == {"shipment_success": [{"id": shipment_id}], "shipment_errors": []}
    shipped = api.put(
        "/api/shipments/ship", json={"shipments": [{"id": shipment_id}, {"id": "nope"}]}
    ).json()
    assert shipped["shipment_success"] == [{"id": shipment_id}]
    assert shipped["shipment_errors"][0]["id"] == "nope"
    listed = api.get("/api/shipments", params={"order_id": order["order_id"]}).json()["data"]
    assert [(s["id"], s["status"], s["tracking"]["tracking_number"]) for s in listed] == [
        (shipment_id, "SHIPPED", "42")
    ]
    assert sim.get_order(order["order_id"])["order_state"] == "SHIPPED"


def _upload_documents(api, order_id, entries, files):
    parts = [("files", (name, content, "application/octet-stream")) for name, content in files]
    parts.append(
        ("order_documents", (None, json.dumps({"order_documents": entries}), "application/json"))
    )
    return api.post("/api/orders/%s/documents" % order_id, files=parts)


def test_order_documents_upload_list_download(sim, api):
    order = sim.create_order(state="SHIPPED", lines=[line()])
    answer = _upload_documents(
        api,
        order["order_id"],
        [
            {"file_name": "invoice.pdf", "type_code": "CUSTOMER_INVOICE"},
            {"file_name": "note.pdf", "type_code": "CUSTOMER_CREDIT_NOTE"},
            {"file_name": "bill.pdf", "type_code": "SYSTEM_DELIVERY_BILL"},
            {"file_name": "virus.exe", "type_code": "CUSTOMER_INVOICE"},
        ],
        [
            ("invoice.pdf", b"%PDF invoice"),
            ("note.pdf", b"%PDF note"),
            ("bill.pdf", b"x"),
            ("virus.exe", b"MZ"),
        ],
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["errors_count"] == 2  # only failures are listed
    assert [item["input"]["file_name"] for item in body["order_documents"]] == [
        "bill.pdf",
        "virus.exe",
    ]

    documents = api.get("/api/orders/documents", params={"order_ids": order["order_id"]}).json()
    assert [(d["file_name"], d["type"], d["file_size"]) for d in documents["order_documents"]] == [
        ("invoice.pdf", "CUSTOMER_INVOICE", 12),
        ("note.pdf", "CUSTOMER_CREDIT_NOTE", 9),
    ]
    one = api.get(
        "/api/orders/documents/download",
        params={"document_ids": documents["order_documents"][0]["id"]},
    )
    assert one.content == b"%PDF invoice"
    assert 'filename="invoice.pdf"' in one.headers["Content-Disposition"]
    bundle = api.get("/api/orders/documents/download", params={"order_ids": order["order_id"]})
    names = zipfile.ZipFile(io.BytesIO(bundle.content)).namelist()
    assert sorted(names) == [
        "%s/invoice.pdf" % order["order_id"],
        "%s/note.pdf" % order["order_id"],
    ]


def test_threads_reply_with_attachments_and_download(sim, api):
    order = sim.create_order(state="SHIPPED", lines=[line()])
    thread = sim.add_thread(
        "Where is my parcel?",
        order_id=order["order_id"],
        attachments=[("photo.png", b"\x89PNG\r\n")],
    )
    assert api.orders(order_ids=order["order_id"])["orders"][0]["has_customer_message"] is True
    attachment = thread["messages"][0]["attachments"][0]
    assert api.get("/api/inbox/threads/%s/download" % attachment["id"]).content == b"\x89PNG\r\n"

    answer = api.post(
        "/api/inbox/threads/%s/message" % thread["id"],
        files=[
            (
                "message_input",
                (
                    None,
                    json.dumps({"body": "Tomorrow", "to": [{"type": "CUSTOMER"}]}),
                    "application/json",
                ),
            ),
            ("files", ("eta.txt", b"tomorrow", "text/plain")),
        ],
    )
    assert answer.status_code == 201
    full = api.get("/api/inbox/threads/%s" % thread["id"]).json()
    assert [(m["from"]["type"], m["body"]) for m in full["messages"]] == [
        ("CUSTOMER", "Where is my parcel?"),
        ("SHOP", "Tomorrow"),
    ]
    assert full["messages"][1]["to"][0]["type"] == "CUSTOMER"
    assert full["messages"][1]["attachments"][0]["name"] == "eta.txt"
    listed = api.get(
        "/api/inbox/threads", params={"entity_type": "MMP_ORDER", "entity_id": order["order_id"]}
    )
    assert [item["id"] for item in listed.json()["data"]] == [thread["id"]]


def test_new_order_thread_and_operator_thread(sim, api):
    order = sim.create_order(state="SHIPPING", lines=[line()])
    created = api.post(
        "/api/orders/%s/threads" % order["order_id"],
        files=[
            (
                "thread_input",
                (
                    None,
                    json.dumps(
                        {
                            "body": "Shipped today",
                            "to": ["CUSTOMER"],
                            "topic": {"type": "FREE_TEXT", "value": "Delivery"},
                        }
                    ),
                    "application/json",
                ),
            )
        ],
    )
    assert created.status_code == 201
    operator = api.post(
        "/api/inbox/threads",
        files=[
            (
                "thread_input",
                (
                    None,
                    json.dumps(
                        {
                            "body": "A question",
                            "entity": {"type": "SHOP"},
                            "topic": {"type": "FREE_TEXT", "value": "Fees"},
                        }
                    ),
                    "application/json",
                ),
            )
        ],
    )
    assert operator.status_code == 201
    threads = api.get("/api/inbox/threads").json()["data"]
    assert {thread["id"] for thread in threads} == {
        created.json()["thread_id"],
        operator.json()["thread_id"],
    }


def test_seek_paging_tokens(sim, api):
    for number in range(5):
        sim.add_transaction("ORDER_AMOUNT", 10 + number)
    path = "/api/sellerpayment/transactions_logs"
    first = api.get(path, params={"limit": 2}).json()
    assert "previous_page_token" not in first
    second = api.get(path, params={"page_token": first["next_page_token"], "limit": 50}).json()
    third = api.get(path, params={"page_token": second["next_page_token"]}).json()
    assert [len(page["data"]) for page in (first, second, third)] == [
        2,
        2,
        1,
    ]  # the token keeps limit=2
    assert "next_page_token" not in third and third["previous_page_token"]
    amounts = [entry["amount"] for page in (first, second, third) for entry in page["data"]]
    assert amounts == [14.0, 13.0, 12.0, 11.0, 10.0]  # TL02 serves the newest first by default
    back = api.get(path, params={"page_token": third["previous_page_token"]}).json()
    assert [entry["amount"] for entry in back["data"]] == [12.0, 11.0]
    assert api.get(path, params={"page_token": "garbage"}).status_code == 400


def test_seek_sort_direction_is_honoured_on_every_page(sim, api):
    for number in range(3):
        sim.add_transaction("ORDER_AMOUNT", 10 + number)
    path = "/api/sellerpayment/transactions_logs"
    first = api.get(path, params={"limit": 2, "sort": "dateCreated,ASC"}).json()
    second = api.get(path, params={"page_token": first["next_page_token"]}).json()
    assert [entry["amount"] for entry in first["data"] + second["data"]] == [10.0, 11.0, 12.0]


def test_invoices_page_and_download(sim, api):
    for days_ago in range(3):
        sim.add_invoice(100 + days_ago, 20, days_ago=days_ago)
    page = api.get("/api/invoices", params={"max": 2})
    assert page.json()["total_count"] == 3 and len(page.json()["invoices"]) == 2
    invoice = page.json()["invoices"][0]
    assert invoice["total_amount_incl_taxes"] == 120.0
    document = api.get("/api/invoices/%s" % invoice["invoice_id"])
    assert document.content.startswith(b"%PDF-1.4")
    assert api.get("/api/invoices/999").status_code == 404


def test_returns_filtered_by_state(sim, api):
    order = sim.create_order(state="RECEIVED", lines=[line(quantity=2)])
    sim.add_return(order["order_id"])
    found = api.get("/api/returns", params={"return_state": "WAITING_ACCEPTANCE"}).json()["data"]
    assert [(r["order_id"], r["return_lines"][0]["quantity"]) for r in found] == [
        (order["order_id"], 2)
    ]
    assert api.get("/api/returns", params={"return_state": "CLOSED"}).json()["data"] == []


def test_seed_is_the_same_on_every_start():
    snapshots = []
    for _ in range(2):
        with running_simulator(seed=True, rate_limits=False) as sim:
            api = SellerApi(sim)
            orders = api.get("/api/orders", params={"paginate": "false"}).json()["orders"]
            offers = api.get("/api/offers", params={"max": 100}).json()
            snapshots.append(
                (
                    [(o["order_id"], o["order_state"], o["total_price"]) for o in orders],
                    [(o["shop_sku"], o["price"], o["quantity"]) for o in offers["offers"]],
                    offers["total_count"],
                )
            )
    assert snapshots[0] == snapshots[1]
    orders, _offers, offer_count = snapshots[0]
    assert len(orders) == 26 and offer_count == 240


def test_the_clock_only_moves_forward(sim):
    before = sim.now()
    assert sim.move_clock(minutes=5) > before
    with pytest.raises(SimulatorError):
        sim.move_clock(seconds=-1)


def test_reset_forgets_orders_and_faults(sim, api):
    sim.create_order(lines=[line()])
    sim.inject_fault("OR11", "500")
    sim.reset()
    assert api.orders()["total_count"] == 0
