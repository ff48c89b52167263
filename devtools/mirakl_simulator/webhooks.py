"""Signed events the simulator posts to a configured URL, as an operator's forwarding would.

Mirakl has no seller webhooks: this plays the operator (or relay) that forwards events. When
turned on (control API ``POST /_sim/webhooks``), orders created or moved through the control
API and customer threads post a flat event (``event_type``, ``event_id``, ``order_id``,
``thread_id``) signed with HMAC-SHA256 in ``X-Mirakl-Signature: sha256=<hex>``. Tests can also
send any event, resend an earlier one byte for byte, or forge its signature.
"""

import hashlib
import hmac
import json
import secrets
import threading
import urllib.error
import urllib.request

from .clock import format_datetime


class WebhookSender:
    def __init__(self):
        self.url = None
        self.secret = None
        self.enabled = False
        self.sent = []  # [{event_type, event_id, body, signature, status}]
        self._lock = threading.Lock()

    def configure(self, url=None, secret=None, enabled=True):
        self.url, self.secret, self.enabled = url, secret, bool(enabled and url and secret)
        return self.describe()

    def describe(self):
        return {"url": self.url, "enabled": self.enabled, "sent": [
            {k: v for k, v in item.items() if k != "body"} for item in self.sent]}

    def on_change(self, now, event_type, order_id=None, thread_id=None):
        """Called where the simulator changes an order or a thread."""
        if self.enabled:
            self.send(now, event_type, order_id=order_id, thread_id=thread_id)

    def send(self, now, event_type, order_id=None, thread_id=None, forged=False, resend=None):
        """Post one event (or, with ``resend`` = an index in ``sent``, the same bytes again).
        Returns the HTTP status the receiver answered (None when unreachable)."""
        if not self.url:
            raise ValueError("configure the webhook URL first")
        if resend is not None:
            earlier = self.sent[resend]
            body, signature, event_id = earlier["body"], earlier["signature"], earlier["event_id"]
            event_type = earlier["event_type"]
        else:
            event_id = "EVT-%s" % secrets.token_hex(8)
            payload = {"event_type": event_type, "event_id": event_id,
                       "date_created": format_datetime(now)}
            if order_id:
                payload["order_id"] = order_id
            if thread_id:
                payload["thread_id"] = thread_id
            body = json.dumps(payload, sort_keys=True).encode("utf-8")
            key = secrets.token_bytes(16) if forged else self.secret.encode("utf-8")
            signature = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
        status = self._post(body, signature)
        with self._lock:
            self.sent.append({"event_type": event_type, "event_id": event_id, "body": body,
                              "signature": signature, "status": status, "forged": forged,
                              "resend": resend is not None})
        return status

    def _post(self, body, signature):
        request = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/json", "X-Mirakl-Signature": signature,
            "User-Agent": "mirakl-simulator"})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return None


def sender(sim):
    """The simulator's sender, created on first use; a reset turns it off."""
    if not hasattr(sim, "webhooks"):
        sim.webhooks = WebhookSender()
    return sim.webhooks
