"""Order documents (OR72-OR74) and message threads (OR43, M10-M14): the multipart uploads,
over real HTTP against the simulator, which checks each part against Mirakl's spec."""

import io
import zipfile

import pytest
from mirakl import errors


def test_upload_list_and_download_order_documents(sim, client):
    order = sim.create_order(state="SHIPPED")
    answer = client.upload_order_documents(order["order_id"], [
        ("invoice-1.pdf", b"%PDF-1.4 invoice", "CUSTOMER_INVOICE"),
        ("note.pdf", io.BytesIO(b"%PDF-1.4 credit"), "CUSTOMER_CREDIT_NOTE"),
        ("label.exe", b"MZ", "CUSTOMER_INVOICE")])
    assert answer["errors_count"] == 1
    assert answer["order_documents"][0]["input"]["file_name"] == "label.exe"
    listed = client.list_order_documents([order["order_id"]])["order_documents"]
    assert sorted(doc["file_name"] for doc in listed) == ["invoice-1.pdf", "note.pdf"]
    invoice = next(doc for doc in listed if doc["file_name"] == "invoice-1.pdf")
    single = client.download_order_documents(document_ids=[invoice["id"]])
    assert single.content == b"%PDF-1.4 invoice" and single.filename == "invoice-1.pdf"
    bundle = client.download_order_documents(order_ids=[order["order_id"]])
    names = zipfile.ZipFile(io.BytesIO(bundle.content)).namelist()
    assert sorted(names) == ["%s/invoice-1.pdf" % order["order_id"],
                             "%s/note.pdf" % order["order_id"]]


def test_duplicate_document_names_are_refused_before_sending(client):
    with pytest.raises(ValueError, match="distinct"):
        client.upload_order_documents("A-1", [("a.pdf", b"1", "CUSTOMER_INVOICE"),
                                              ("a.pdf", b"2", "CUSTOMER_INVOICE")])


def test_order_thread_reply_and_attachment(sim, client):
    order = sim.create_order(state="SHIPPING")
    opened = client.create_order_thread(
        order["order_id"], "Your parcel leaves today.", to=["CUSTOMER"],
        topic={"type": "FREE_TEXT", "value": "Shipping"},
        files=[("photo.png", b"\x89PNG parcel")])
    thread = client.get_thread(opened["thread_id"])
    assert thread["entities"][0]["id"] == order["order_id"]
    attachment = thread["messages"][0]["attachments"][0]
    assert client.download_attachment(attachment["id"]).content == b"\x89PNG parcel"

    reply = client.reply_to_thread(opened["thread_id"], "Tracking number is 1Z999.",
                                   to=[{"type": "CUSTOMER"}])
    assert reply["thread_id"] == opened["thread_id"]
    assert len(client.get_thread(opened["thread_id"])["messages"]) == 2

    found = list(client.iter_threads(entity_type="MMP_ORDER", entity_id=[order["order_id"]],
                                     with_messages=False))
    assert [item["id"] for item in found] == [opened["thread_id"]]


def test_operator_thread_and_thread_listing_pages(sim, client):
    ids = [client.create_operator_thread("Question number %d" % n, entity={"type": "SELLER"},
                                         topic={"type": "FREE_TEXT", "value": "Help"})
           ["thread_id"] for n in range(3)]
    page = client.list_threads(limit=2)
    assert len(page["data"]) == 2 and page["next_page_token"]
    assert sorted(item["id"] for item in client.iter_threads(limit=2)) == sorted(ids)


def test_m11_entity_id_needs_entity_type(client):
    with pytest.raises(ValueError, match="entity_id needs entity_type"):
        client.list_threads(entity_id=["A-1"])


def test_message_is_not_resent_after_a_server_error(sim, client):
    order = sim.create_order(state="SHIPPING")
    opened = client.create_order_thread(order["order_id"], "First message", to=["CUSTOMER"],
                                        topic={"type": "FREE_TEXT", "value": "Hello"})
    sim.inject_fault("M12", "503")
    with pytest.raises(errors.MiraklServerError) as caught:
        client.reply_to_thread(opened["thread_id"], "Second message", to=[{"type": "CUSTOMER"}])
    assert caught.value.retryable is False
    assert len(sim.request_log("M12")) == 1


def test_a_thread_updated_while_paging_does_not_repeat_another(sim, client):
    """M11 lists the most recently updated first: a reply while we page moves a thread to the
    top and shifts the rest by one, so the next page would repeat a thread already yielded.
    (The moved thread itself is now behind the cursor; the next updated_since poll has it.)"""
    ids = [client.create_operator_thread("Question number %d" % n, entity={"type": "SELLER"},
                                         topic={"type": "FREE_TEXT", "value": "Help"})
           ["thread_id"] for n in range(4)]
    seen = []
    for thread in client.iter_threads(limit=2):
        seen.append(thread["id"])
        if len(seen) == 2:
            sim.move_clock(seconds=5)
            client.reply_to_thread(ids[0], "A later follow-up", to=[{"type": "OPERATOR"}])
    assert len(seen) == len(set(seen))
    assert set(ids[1:]) <= set(seen)
