"""The simulator forwards signed events to a configured URL, resends and forges them."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

SECRET = "sim-secret"


@pytest.fixture
def receiver():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((body, self.headers["X-Mirakl-Signature"]))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield "http://127.0.0.1:%s/hook" % server.server_address[1], received
    server.shutdown()


def signed(body, signature):
    return signature == "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def test_state_changes_post_signed_events(sim, receiver):
    url, received = receiver
    sim.configure_webhooks(url, SECRET)
    order = sim.create_order(state="WAITING_ACCEPTANCE")
    sim.advance(order["order_id"], "refuse")
    sim.add_thread("Hello?", order_id=order["order_id"])
    events = [json.loads(body) for body, _sig in received]
    assert [e["event_type"] for e in events] == [
        "ORDER_CREATED", "ORDER_REFUSED", "MESSAGE_RECEIVED"]
    assert all(e["order_id"] == order["order_id"] for e in events)
    assert events[2]["thread_id"].startswith("THR-")
    assert all(signed(body, sig) for body, sig in received)
    assert len({e["event_id"] for e in events}) == 3
    assert [item["status"] for item in sim.webhook_log()] == [200, 200, 200]


def test_resends_are_the_same_bytes_and_forgeries_are_not_signed(sim, receiver):
    url, received = receiver
    sim.configure_webhooks(url, SECRET)
    assert sim.send_webhook("ORDER_STATE_CHANGED", order_id="X-1") == 200
    sim.send_webhook(resend=0)
    sim.send_webhook(order_id="X-2", forged=True)
    assert received[0] == received[1]
    assert signed(*received[0])
    assert not signed(*received[2])


def test_off_by_default_and_after_a_reset(sim, receiver):
    url, received = receiver
    sim.create_order()
    sim.configure_webhooks(url, SECRET)
    sim.reset()
    sim.create_order()
    assert received == []
