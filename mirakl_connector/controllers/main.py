"""The webhook endpoint: verify, store, queue, answer. Nothing is processed here.

Every refusal is a 4xx naming the problem; the shop's data is touched only after the
signature proved the sender knows that shop's secret, and only that shop's.
"""

import json
import logging

from werkzeug.exceptions import RequestEntityTooLarge

from odoo import http
from odoo.http import request

from ..mirakl.webhook import WebhookSignatureError, verify_signature
from ..mirakl.webhook_events import WebhookPayloadError, parse_event

_logger = logging.getLogger(__name__)

# Mirakl's cloud event queues take messages up to 256 KB; nothing bigger is a real event
MAX_BODY_BYTES = 256 * 1024
SIGNATURE_HEADERS = ("X-Mirakl-Signature", "X-Hub-Signature-256")


class MiraklWebhookController(http.Controller):

    @http.route(
        "/mirakl/webhook/<int:instance_id>", type="http", auth="public", methods=["POST"],
        csrf=False, save_session=False,
    )
    def mirakl_webhook(self, instance_id, **_params):
        instance = request.env["mk.instance"].sudo().browse(instance_id).exists()
        if not instance or not instance.active:
            return _answer(404, error="unknown shop")
        if not instance.webhook_enabled or not instance.webhook_secret:
            return _answer(403, error="webhooks are turned off for this shop")
        body = _read_body()
        if body is None:
            return _answer(413, error="body over %s bytes" % MAX_BODY_BYTES)
        headers = request.httprequest.headers
        signature = next((headers[name] for name in SIGNATURE_HEADERS if headers.get(name)),
                         None)
        try:
            verify_signature(instance.webhook_secret, body, signature)
        except WebhookSignatureError as error:
            return _answer(401, error=str(error))
        try:
            parsed = parse_event(json.loads(body.decode("utf-8")), body)
        except (ValueError, RecursionError) as error:  # bad UTF-8 or JSON, not an object
            message = str(error) if isinstance(error, WebhookPayloadError) else "malformed JSON"
            return _answer(400, error=message)
        event, created = request.env["mk.webhook.event"].sudo()._store_event(
            instance, parsed, body.decode("utf-8"), headers,
        )
        return _answer(200, status="stored" if created else "duplicate", event=event.id)


def _read_body():
    """The raw body, or None when it is over the limit (read no further than that)."""
    httprequest = request.httprequest
    if httprequest.content_length and httprequest.content_length > MAX_BODY_BYTES:
        return None
    # also bounds a chunked body, which announces no length
    httprequest.max_content_length = MAX_BODY_BYTES
    try:
        return httprequest.get_data(cache=False)
    except RequestEntityTooLarge:
        return None


def _answer(http_status, **values):
    return request.make_json_response(values, status=http_status)
