"""The simulator: state, dispatch of one request, faults, rate limits, request log, validation."""

import collections
import logging
import threading
from datetime import timedelta

from . import (
    accounting,
    control,
    documents,
    imports,
    inbox,
    offers,
    order_endpoints,
    orders,
    platform,
    reference,
    returns,
    shipments,
    shops,
)
from .clock import SimClock, format_datetime
from .ratelimit import BUILTIN_FREQUENCIES, RateLimiter, frequencies_from_spec
from .reference import ReferenceData
from .spec import load_spec
from .web import ApiError, Router

_logger = logging.getLogger(__name__)

FAULT_KINDS = ("429", "500", "502", "503", "delay", "reset", "truncated")
# A long-running demo simulator keeps the latest calls only.
REQUEST_LOG_LIMIT = 20000
DEFAULT_ACCEPTANCE_DELAY = 3 * 86400  # operators auto-refuse after a few days (3 at Jinius)


class Simulator:
    """All state lives here, guarded by one lock: requests are short and tests want determinism."""

    def __init__(
        self,
        seed=False,
        rate_limits=True,
        validate=False,
        spec_path=None,
        start_time=None,
        realtime=False,
        acceptance_delay=DEFAULT_ACCEPTANCE_DELAY,
        update_date_overlap=0,
        addresses_from="acceptance",
    ):
        self.lock = threading.RLock()
        self.base_url = ""
        self.acceptance_delay = acceptance_delay
        if addresses_from not in ("acceptance", "shipping"):
            raise ValueError("addresses_from must be 'acceptance' or 'shipping'")
        self.addresses_from = addresses_from
        # Seconds Mirakl subtracts from start_update_date so that no change is missed.
        self.update_date_overlap = update_date_overlap
        self.spec = load_spec(spec_path)
        self.validator = None
        if validate:
            from .spec import SpecValidator  # jsonschema is needed only here

            if self.spec is None:
                raise RuntimeError(
                    "validate=True needs the Mirakl OpenAPI spec (set MIRAKL_OPENAPI_SPEC)"
                )
            self.validator = SpecValidator(self.spec)
        frequencies = frequencies_from_spec(self.spec) if self.spec else BUILTIN_FREQUENCIES
        self.rate_limiter = RateLimiter(frequencies, enabled=rate_limits)
        self.api = Router()
        for module in (
            shops,
            platform,
            order_endpoints,
            documents,
            shipments,
            reference,
            offers,
            imports,
            inbox,
            accounting,
            returns,
        ):
            module.register(self.api)
        self.control = Router()
        control.register(self.control)
        self._start_time, self._realtime = start_time, realtime
        self.reset(seed=seed)

    # ------------------------------------------------------------------
    # STATE
    # ------------------------------------------------------------------

    def reset(self, seed=False):
        with self.lock:
            self.clock = SimClock(self._start_time, realtime=self._realtime)
            now = self.clock.now()
            self.shops = {
                config["shop_id"]: shops.Shop(config, now - timedelta(days=400))
                for config in shops.DEFAULT_SHOPS
            }
            self.keys = {shop.api_key: [shop.shop_id] for shop in self.shops.values()}
            self.keys[shops.MULTI_SHOP_KEY] = sorted(self.shops)
            self.reference = ReferenceData()
            self.order_sequence = 0
            self.products = {}
            self.attachments = {}
            self._numbers = {"import": 0, "offer": 0}
            self.faults = {}
            self.log = collections.deque(maxlen=REQUEST_LOG_LIMIT)
            self.violations = []
            self.rate_limiter.reset()
            if seed:
                from .seed import seed_shops

                seed_shops(self)

    def now(self):
        return self.clock.now()

    def move_clock(self, seconds):
        with self.lock:
            self.clock.advance(seconds)
            self.run_timers()
            return self.now()

    def run_timers(self):
        """What the operator's platform does on its own as time passes."""
        now = self.now()
        for shop in self.shops.values():
            for order in shop.orders.values():
                if order.state == "WAITING_ACCEPTANCE" and now >= order.acceptance_deadline:
                    order.auto_refuse(order.acceptance_deadline)
            imports.progress_imports(self, shop, now)

    def next_import_number(self):
        self._numbers["import"] += 1
        return 1000 + self._numbers["import"]

    def next_offer_id(self):
        self._numbers["offer"] += 1
        return 500000 + self._numbers["offer"]

    def logistic_class_label(self, code):
        known = {item["code"]: item["label"] for item in self.reference.logistic_classes}
        return known.get(code, code)

    def add_product(self, product_sku, title, category_code="electronics", ean=None, brand=""):
        """A product of the operator's catalogue that offers can attach to."""
        labels = {code: label for code, label, _level, _parent in self.reference.hierarchies}
        if category_code not in labels:
            raise ApiError(400, "Unknown category '%s'" % category_code)
        self.products[product_sku] = {
            "product_sku": product_sku,
            "title": title,
            "brand": brand,
            "category_code": category_code,
            "category_label": labels[category_code],
            "references": [{"reference_type": "EAN", "reference": ean}] if ean else [],
        }
        return self.products[product_sku]

    def create_order(self, shop, spec):
        target = spec.get("state", "WAITING_ACCEPTANCE")
        if target not in orders.STATE_PATH:
            raise ApiError(400, "Unknown order state '%s'" % target)
        with self.lock:
            self.order_sequence += 1
            spec = dict(
                spec,
                lines=[self._with_offer_details(shop, line) for line in spec.get("lines") or []],
            )
            order = orders.Order(
                shop,
                self.order_sequence,
                spec,
                self.now(),
                self.acceptance_delay,
                self.addresses_from,
            )
            if order.order_id in shop.orders:
                raise ApiError(409, "Order %s already exists" % order.order_id)
            shop.orders[order.order_id] = order
            for step in orders.STATE_PATH[target]:
                control.apply_step(order, step, order.updated)
            return order

    def _with_offer_details(self, shop, line):
        """A line naming an existing offer of the shop takes its id, price and product."""
        offer = shop.offers.get(line.get("offer_sku"))
        if offer is None or offer["deleted"]:
            return line
        product = self.products.get(offer["product_sku"], {})
        details = {
            "offer_id": offer["offer_id"],
            "price_unit": offer["price_cents"] / 100,
            "product_sku": offer["product_sku"],
            "product_title": product.get("title"),
            "category_code": product.get("category_code"),
            "category_label": product.get("category_label"),
        }
        return dict({key: value for key, value in details.items() if value is not None}, **line)

    def add_fault(self, operation, kind, count=1, retry_after=1, seconds=5.0):
        if kind not in FAULT_KINDS:
            raise ApiError(
                400, "Unknown fault kind '%s' (one of %s)" % (kind, ", ".join(FAULT_KINDS))
            )
        with self.lock:
            self.faults.setdefault(operation, []).append(
                {
                    "kind": kind,
                    "remaining": int(count),
                    "retry_after": retry_after,
                    "seconds": float(seconds),
                }
            )

    def _take_fault(self, operation):
        for key in (operation, "*"):
            queue = self.faults.get(key) or []
            if queue:
                fault = queue[0]
                fault["remaining"] -= 1
                if fault["remaining"] <= 0:
                    queue.pop(0)
                return fault
        return None

    # ------------------------------------------------------------------
    # DISPATCH
    # ------------------------------------------------------------------

    def handle(self, request):
        """Answer one request. ``response.fault`` tells the transport to misbehave on purpose."""
        if request.path.startswith("/_sim/"):
            return self._handle_control(request)
        operation, fault = None, None
        with self.lock:
            try:
                operation, handler, request.path_params = self.api.match(
                    request.method, request.path
                )
                if self.validator:
                    self.violations += self.validator.check_request(operation, request)
                fault = self._take_fault(operation)
                response = self._fault_response(fault) or self._answer(operation, handler, request)
            except ApiError as error:
                response = error.to_response()
            except Exception as error:  # a simulator bug: answer like a server, and say so
                _logger.exception("Simulator failure on %s %s", request.method, request.path)
                response = ApiError(500, "Simulator failure: %r" % error).to_response()
            if self.validator and operation:
                self.violations += self.validator.check_response(operation, request, response)
            self._log(operation, request, response, fault)
        response.fault = fault
        return response

    def _answer(self, operation, handler, request):
        shop = self._authenticate(request)
        retry_after = self.rate_limiter.check(
            request.headers.get("authorization"), operation, self.now()
        )
        if retry_after:
            raise ApiError(
                429,
                "Too many requests for %s; retry in %d s" % (operation, retry_after),
                headers={"Retry-After": str(retry_after)},
            )
        self.run_timers()
        return handler(self, shop, request)

    def _authenticate(self, request):
        key = request.headers.get("authorization")
        if not key:
            raise ApiError(401, "Missing API key: send it raw in the Authorization header")
        shop_ids = self.keys.get(key.strip())
        if not shop_ids:
            raise ApiError(401, "Invalid API key")
        shop_id = request.int_arg("shop_id", shop_ids[0])
        if shop_id not in shop_ids:
            raise ApiError(403, "This API key has no access to shop %s" % shop_id)
        return self.shops[shop_id]

    @staticmethod
    def _fault_response(fault):
        if fault is None or fault["kind"] not in ("429", "500", "502", "503"):
            return None
        status = int(fault["kind"])
        headers = {"Retry-After": str(fault["retry_after"])} if status == 429 else None
        return ApiError(status, "Injected fault %s" % fault["kind"], headers=headers).to_response()

    def _handle_control(self, request):
        try:
            _name, handler, request.path_params = self.control.match(request.method, request.path)
            with self.lock:
                return handler(self, request)
        except ApiError as error:
            return error.to_response()
        except KeyError as error:
            return ApiError(400, "Missing field %s" % error).to_response()
        except (TypeError, ValueError) as error:
            return ApiError(400, str(error)).to_response()

    def _log(self, operation, request, response, fault):
        headers = dict(request.headers)
        if "authorization" in headers:
            headers["authorization"] = "***"
        entry = {
            "operation": operation,
            "method": request.method,
            "path": request.path,
            "query": {
                key: values[-1] if len(values) == 1 else values
                for key, values in request.query.items()
            },
            "status": response.status,
            "headers": headers,
            "time": format_datetime(self.now()),
        }
        if fault:
            entry["fault"] = fault["kind"]
        if request.content_type == "application/json" and request.body:
            entry["body"] = request.body.decode("utf-8", "replace")
        self.log.append(entry)

    def shop_for(self, shop_id=None):
        if shop_id is None:
            return self.shops[shops.DEFAULT_SHOPS[0]["shop_id"]]
        shop = self.shops.get(int(shop_id))
        if shop is None:
            raise ApiError(404, "Unknown shop %s" % shop_id)
        return shop
