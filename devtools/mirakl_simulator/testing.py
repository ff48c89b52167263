"""Drive a simulator from tests, the demo or benchmarks, in this process or another one.

with running_simulator(seed=False, rate_limits=False) as sim:
    order = sim.create_order("WAITING_DEBIT_PAYMENT", [{"offer_sku": "SKU-1", "price_unit": 10}])
    sim.advance(order["order_id"], "debit")  # the operator confirms payment: SHIPPING
"""

import base64
import contextlib
import json
import urllib.error
import urllib.request

from .app import Simulator
from .server import SimulatorServer


class SimulatorError(Exception):
    def __init__(self, status, payload):
        super().__init__("simulator control call failed (%s): %s" % (status, payload))
        self.status = status
        self.payload = payload


class SimulatorClient:
    """The control surface of contract 2, spoken over HTTP to /_sim/…"""

    def __init__(self, base_url, timeout=30):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._shops = None

    def _call(self, method, path, payload=None):
        data = json.dumps(payload).encode("utf-8") if payload is not None else None
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                body = answer.read()
        except urllib.error.HTTPError as error:
            raise SimulatorError(error.code, error.read().decode("utf-8", "replace"))
        return json.loads(body) if body else None

    # ------------------------------------------------------------------
    # SHOPS
    # ------------------------------------------------------------------

    @property
    def shops(self):
        if self._shops is None:
            self._shops = self._call("GET", "/_sim/shops")["shops"]
        return self._shops

    @property
    def api_key(self):
        return self.shops[0]["api_key"]

    @property
    def shop_id(self):
        return self.shops[0]["shop_id"]

    def shop(self, currency):
        return next(shop for shop in self.shops if shop["currency_iso_code"] == currency)

    @property
    def multi_shop_api_key(self):
        return self._call("GET", "/_sim/shops")["multi_shop_api_key"]

    def configure_platform(self, changes, shop_id=None):
        """Deep-merge ``changes`` into the shop's PC01 answer, e.g.
        ``{"features": {"shipment": {"multi_shipment": False}}}`` (ST01 is then refused)."""
        return self._call(
            "POST", "/_sim/shops/%s/platform" % (shop_id or self.shop_id), changes
        )

    # ------------------------------------------------------------------
    # ORDERS
    # ------------------------------------------------------------------

    def create_order(
        self, state="WAITING_ACCEPTANCE", lines=None, currency=None, shop_id=None, **fields
    ):
        """Create an order in ``state``; ``lines`` items take offer_sku, quantity, price_unit,
        shipping_price, taxes [{code, rate} | {code, amount}], shipping_taxes, promotions
        [{deduced_amount, type?, id?}], product_sku, product_title. Returns the OR11 order object
        (addresses revealed or hidden as the seller would see them)."""
        payload = dict(
            fields,
            state=state,
            lines=lines or [{"offer_sku": "SKU-1", "quantity": 1, "price_unit": 10}],
        )
        if currency:
            payload["currency"] = currency
            if shop_id is None:
                shop_id = self.shop(currency)["shop_id"]
        if shop_id is not None:
            payload["shop_id"] = shop_id
        return self._call("POST", "/_sim/orders", payload)

    def get_order(self, order_id):
        return self._call("GET", "/_sim/orders/%s" % order_id)

    def advance(self, order_id, action, line_id=None):
        """Operator/customer moves: validate, accept, refuse, debit, ship, ready_for_collection,
        receive, close, auto_refuse, cancel, open_incident (line_id), pay_refunds."""
        return self._call(
            "POST", "/_sim/orders/%s/advance" % order_id, {"action": action, "line_id": line_id}
        )

    def add_order_document(self, order_id, file_name, content, type_code="SYSTEM_DELIVERY_BILL"):
        """The operator attaches a document (a shipping label…) to an order; OR72/OR73 serve it."""
        return self._call(
            "POST",
            "/_sim/orders/%s/documents" % order_id,
            {
                "type_code": type_code,
                "file_name": file_name,
                "content_base64": base64.b64encode(content).decode("ascii"),
            },
        )

    # ------------------------------------------------------------------
    # OTHER DATA
    # ------------------------------------------------------------------

    def add_product(self, product_sku, title=None, category_code="electronics", ean=None, brand=""):
        """A product of the operator catalogue (offers attach to it by SKU, or EAN)."""
        return self._call(
            "POST",
            "/_sim/products",
            {
                "product_sku": product_sku,
                "title": title or product_sku,
                "category_code": category_code,
                "ean": ean,
                "brand": brand,
            },
        )

    def add_offer(self, shop_sku, product_sku, price, quantity=0, shop_id=None, **fields):
        """An offer as if imported earlier (unknown products are created); OF21 shape."""
        payload = dict(
            fields, shop_sku=shop_sku, product_sku=product_sku, price=price, quantity=quantity
        )
        if shop_id is not None:
            payload["shop_id"] = shop_id
        return self._call("POST", "/_sim/offers", payload)

    def add_thread(self, body, order_id=None, topic="Question", attachments=(), shop_id=None):
        """The customer (given ``order_id``) or the operator writes; attachments [(name, bytes)]."""
        payload = {
            "body": body,
            "order_id": order_id,
            "topic": topic,
            "shop_id": shop_id,
            "attachments": [
                {"name": name, "content_base64": base64.b64encode(content).decode("ascii")}
                for name, content in attachments
            ],
        }
        return self._call("POST", "/_sim/threads", payload)

    def configure_webhooks(self, url, secret, enabled=True):
        """Post signed events to ``url`` when orders and threads change (control API)."""
        return self._call("POST", "/_sim/webhooks", {"url": url, "secret": secret,
                                                    "enabled": enabled})

    def send_webhook(self, event_type="ORDER_STATE_CHANGED", order_id=None, thread_id=None,
                     forged=False, resend=None):
        """Post one event now; ``resend``: index in webhook_log() to send byte for byte again.
        Returns the receiver's HTTP status."""
        return self._call("POST", "/_sim/webhooks/send", {
            "event_type": event_type, "order_id": order_id, "thread_id": thread_id,
            "forged": forged, "resend": resend})["status"]

    def webhook_log(self):
        return self._call("GET", "/_sim/webhooks")["sent"]

    def add_invoice(self, amount_excl_taxes, taxes=0, shop_id=None, **fields):
        """fields: kind (AUTO_INVOICE, MANUAL_INVOICE, MANUAL_CREDIT), payment_state, days_ago."""
        payload = dict(fields, amount_excl_taxes=amount_excl_taxes, taxes=taxes, shop_id=shop_id)
        return self._call("POST", "/_sim/invoices", payload)

    def add_transaction(self, type, amount, shop_id=None, **fields):  # noqa: A002 - Mirakl's name
        """fields: order_id, order_line_id, payment_state, invoice_id, days_ago."""
        return self._call(
            "POST", "/_sim/transactions", dict(fields, type=type, amount=amount, shop_id=shop_id)
        )

    def add_return(self, order_id, reason_code="RET_DAMAGED", state="WAITING_ACCEPTANCE"):
        return self._call(
            "POST",
            "/_sim/returns",
            {"order_id": order_id, "reason_code": reason_code, "state": state},
        )

    # ------------------------------------------------------------------
    # TIME, FAULTS, LOG
    # ------------------------------------------------------------------

    def now(self):
        return self._call("GET", "/_sim/clock")["now"]

    def move_clock(self, seconds=0, minutes=0, hours=0, days=0):
        total = seconds + 60 * minutes + 3600 * hours + 86400 * days
        return self._call("POST", "/_sim/clock", {"seconds": total})["now"]

    def inject_fault(self, operation, kind, count=1, retry_after=1, seconds=5.0):
        """kind: "429" (with Retry-After), "500", "502", "503", "delay" (``seconds`` before
        answering), "reset" (TCP reset, no answer) or "truncated" (half a body). ``operation``
        is a Mirakl code such as "OR11", or "*" for any operation. 429/5xx skip the call;
        delay, reset and truncated process it, then misbehave."""
        self._call(
            "POST",
            "/_sim/faults",
            {
                "operation": operation,
                "kind": str(kind),
                "count": count,
                "retry_after": retry_after,
                "seconds": seconds,
            },
        )

    def clear_faults(self):
        self._call("DELETE", "/_sim/faults")

    def request_log(self, operation=None):
        entries = self._call("GET", "/_sim/requests")["requests"]
        return [entry for entry in entries if operation is None or entry["operation"] == operation]

    def clear_request_log(self):
        self._call("DELETE", "/_sim/requests")

    def violations(self):
        return self._call("GET", "/_sim/violations")["violations"]

    def set_rate_limits(self, enabled):
        self._call("POST", "/_sim/rate_limits", {"enabled": enabled})

    def reset(self, seed=False):
        self._call("POST", "/_sim/reset", {"seed": seed})
        self._shops = None


@contextlib.contextmanager
def running_simulator(seed=False, rate_limits=True, validate=False, **options):
    """Serve a fresh simulator on 127.0.0.1:<free port> in a daemon thread for the block."""
    simulator = Simulator(seed=seed, rate_limits=rate_limits, validate=validate, **options)
    server = SimulatorServer(simulator).start_background()
    try:
        client = SimulatorClient(simulator.base_url)
        client.simulator = simulator  # in-process access for tests that need it
        yield client
    finally:
        server.stop()
