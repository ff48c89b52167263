import json

import pytest
from mirakl.webhook_events import WebhookPayloadError, event_kind, parse_event


def parse(data):
    return parse_event(data, json.dumps(data).encode())


def test_flat_event_of_a_relay():
    event = parse({"event_type": "ORDER_CREATED", "event_id": "e-1", "order_id": "O-1"})
    assert event == {
        "event_type": "ORDER_CREATED", "event_id": "e-1", "order_ids": ["O-1"],
        "thread_ids": [], "kind": "order", "fingerprint": "id:e-1",
    }


def test_ids_under_data_and_lists():
    event = parse({"type": "MESSAGE_RECEIVED",
                   "data": {"thread_id": "T-1", "order_ids": ["O-1", "O-2", "O-1"]}})
    assert (event["kind"], event["thread_ids"], event["order_ids"]) == (
        "message", ["T-1"], ["O-1", "O-2"])


def test_mmp_envelope_lists_its_entities():
    event = parse({"type": "ORDER", "payload": [{"id": "O-1"}, {"order_id": "O-2"},
                                                {"thread_id": "T-9"}, "junk"]})
    assert event["order_ids"] == ["O-1", "O-2"]
    assert event["thread_ids"] == ["T-9"]


def test_without_event_id_the_body_hash_is_the_fingerprint():
    first = parse_event({"event_type": "X"}, b'{"event_type": "X"}')
    again = parse_event({"event_type": "X"}, b'{"event_type": "X"}')
    other = parse_event({"event_type": "X"}, b'{"event_type":"X"}')
    assert first["fingerprint"] == again["fingerprint"] != other["fingerprint"]
    assert first["fingerprint"].startswith("sha256:")


def test_unknown_and_odd_values_are_cut_not_trusted():
    event = parse({"event_type": "X" * 500, "order_id": {"nested": 1}, "event_id": True})
    assert event["kind"] == "unknown"
    assert len(event["event_type"]) == 100
    assert event["order_ids"] == []
    assert event["fingerprint"].startswith("sha256:")
    assert len(parse({"order_ids": [str(i) for i in range(500)]})["order_ids"]) == 100


@pytest.mark.parametrize("data", [[], "text", 3, None])
def test_only_objects_are_events(data):
    with pytest.raises(WebhookPayloadError):
        parse(data)


def test_event_kinds():
    assert event_kind("order_state_changed") == "order"
    assert event_kind("REFUND_CREATED") == "order"
    assert event_kind("MESSAGE_RECEIVED") == "message"
    assert event_kind(None) == "unknown"
