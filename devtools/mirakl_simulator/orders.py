"""The order engine: orders and lines, their states and transitions (reference §4.2)."""

from datetime import timedelta

from .clock import format_datetime, parse_datetime
from .money import included_tax, percent_of, spread_cents, to_amount, to_cents
from .web import ApiError

# States in which the shop may still cancel (the customer has not been debited).
CANCELABLE_STATES = ("WAITING_ACCEPTANCE", "WAITING_DEBIT", "WAITING_DEBIT_PAYMENT", "SHIPPING")
SHIPPABLE_OR_LATER = ("SHIPPING", "SHIPPED", "TO_COLLECT", "RECEIVED", "CLOSED")
REFUNDABLE_LINE_STATES = ("SHIPPED", "TO_COLLECT", "RECEIVED", "INCIDENT_OPEN")
# The path a new order walks to reach the state a test asks for.
STATE_PATH = {
    "STAGING": [],
    "WAITING_ACCEPTANCE": ["validate"],
    "REFUSED": ["validate", "refuse"],
    "WAITING_DEBIT": ["validate", "accept_pending_debit"],
    "WAITING_DEBIT_PAYMENT": ["validate", "accept"],
    "SHIPPING": ["validate", "accept", "debit"],
    "SHIPPED": ["validate", "accept", "debit", "ship"],
    "TO_COLLECT": ["validate", "accept", "debit", "ready_for_collection"],
    "RECEIVED": ["validate", "accept", "debit", "ship", "receive"],
    "CLOSED": ["validate", "accept", "debit", "ship", "receive", "close"],
    "CANCELED": ["validate", "accept", "cancel"],
}
DEFAULT_COMMISSION_RATE = 10
COMMISSION_VAT_RATE = 20


def invalid_state(order, expected):
    return ApiError(
        400,
        "ORDER_INVALID_STATE: order %s is %s, expected %s"
        % (order.order_id, order.state, " or ".join(expected)),
        code="ORDER_INVALID_STATE",
    )


class OrderLine:
    def __init__(self, order, index, spec, now):
        self.order = order
        self.index = index
        self.line_id = "%s-%d" % (order.order_id, index)
        self.offer_id = int(spec.get("offer_id") or 0)
        self.offer_sku = spec["offer_sku"]
        self.product_sku = spec.get("product_sku") or "PRD-" + self.offer_sku
        self.product_title = spec.get("product_title") or "Product " + self.offer_sku
        self.category_code = spec.get("category_code", "electronics")
        self.category_label = spec.get("category_label", "Electronics")
        self.quantity = int(spec.get("quantity", 1))
        self.unit_cents = to_cents(spec.get("price_unit", 10))
        self.shipping_cents = to_cents(spec.get("shipping_price", 0))
        self.promotions = [
            self._promotion(promo, n) for n, promo in enumerate(spec.get("promotions", []), 1)
        ]
        deduced = sum(promo["cents"] for promo in self.promotions)
        self.price_cents = self.unit_cents * self.quantity - deduced
        if self.price_cents < 0:
            raise ApiError(400, "Promotions exceed the price of line %s" % self.line_id)
        self.tax_specs = spec.get("taxes", [])
        self.taxes = [self._tax(tax, self.price_cents) for tax in self.tax_specs]
        self.shipping_taxes = [
            self._tax(tax, self.shipping_cents) for tax in spec.get("shipping_taxes", [])
        ]
        rate = spec.get("commission_rate", DEFAULT_COMMISSION_RATE)
        self.commission_cents = percent_of(self.price_cents, rate)
        self.commission_vat_cents = percent_of(self.commission_cents, COMMISSION_VAT_RATE)
        self.state = "STAGING"
        self.state_before_incident = None
        self.created = now
        self.updated = now
        self.debited = self.shipped = self.received = None
        self.refunds = []
        self.cancelations = []
        # Share of the order's basket promotions (listed at order level only), already in
        # price_cents; set by the order.
        self.basket_cents = 0
        # A line cancelled before the shop saw it: Mirakl shows it with quantity 0, price 0
        # and the cancellation carrying what it was worth.
        self.canceled_from_start = bool(spec.get("canceled"))
        # Operator fees charged on the line (spec: order_lines[].fees), on top of the price.
        self.fees = [
            {"code": fee["code"], "cents": to_cents(fee["amount"])} for fee in spec.get("fees", [])
        ]

    def _promotion(self, promo, number):
        return {
            "id": promo.get("id", "PROMO-%s-%d" % (self.line_id, number)),
            "type": promo.get("type", "AMOUNT_OFF"),
            "description": promo.get("description", "Simulated promotion"),
            "cents": to_cents(promo["deduced_amount"]),
            "apportioned": bool(promo.get("apportioned", False)),
        }

    def _tax(self, tax, base_cents):
        rate = tax.get("rate")
        if "amount" in tax:
            cents = to_cents(tax["amount"])
        elif self.order.tax_mode == "TAX_INCLUDED":
            cents = included_tax(base_cents, rate)
        else:
            cents = percent_of(base_cents, rate)
        return {"code": tax["code"], "rate": rate, "cents": cents}

    @property
    def refunded_cents(self):
        return sum(refund["cents"] for refund in self.refunds)

    @property
    def canceled_quantity(self):
        return sum(cancel["quantity"] for cancel in self.cancelations)

    def touch(self, now):
        self.updated = now
        self.order.updated = now

    def to_api(self, tax_mode=None):
        """The line as OR11 shows it, in ``tax_mode`` (default: the order's own): the taxes
        are the same amounts in both modes, the prices include them or not."""
        include = _include_delta(self.order.tax_mode, tax_mode)
        taxes = [_tax_api(tax) for tax in self.taxes]
        shipping_taxes = [_tax_api(tax) for tax in self.shipping_taxes]
        tax_cents = sum(tax["cents"] for tax in self.taxes)
        shipping_tax_cents = sum(tax["cents"] for tax in self.shipping_taxes)
        quantity = self.quantity
        unit_cents = self.unit_cents + (
            int(round(include * tax_cents / quantity)) if quantity else 0
        )
        price_cents = self.price_cents + include * tax_cents
        shipping_cents = self.shipping_cents + include * shipping_tax_cents
        cancelations = [_cancelation_api(cancel, include) for cancel in self.cancelations]
        fees = [{"code": fee["code"], "amount": to_amount(fee["cents"])} for fee in self.fees]
        if self.canceled_from_start:
            cancelations.append(_cancelation_api({
                "id": "CAN-%s" % self.line_id, "cents": price_cents, "quantity": quantity,
                "shipping_cents": shipping_cents, "reason_code": "SIM_CANCELED",
                "created": self.created, "commission_cents": self.commission_cents,
                "taxes": taxes, "shipping_taxes": shipping_taxes,
            }, 0))
            cancelations[-1]["fees"] = fees
            quantity = price_cents = shipping_cents = 0
            fees = [dict(fee, amount=0.0) for fee in fees]
            taxes = [dict(tax, amount=0.0) for tax in taxes]
            shipping_taxes = [dict(tax, amount=0.0) for tax in shipping_taxes]
        line = {
            "order_line_id": self.line_id,
            "order_line_index": self.index,
            "order_line_state": "CANCELED" if self.canceled_from_start else self.state,
            "offer_id": self.offer_id,
            "offer_sku": self.offer_sku,
            "offer_state_code": "11",
            "product_sku": self.product_sku,
            "product_title": self.product_title,
            "product_medias": [],
            "category_code": self.category_code,
            "category_label": self.category_label,
            "description": self.product_title,
            "quantity": quantity,
            "price_unit": to_amount(unit_cents),
            "origin_unit_price": to_amount(unit_cents),
            # after every promotion, the line's own and its share of basket promotions
            "price": to_amount(price_cents),
            "shipping_price": to_amount(shipping_cents),
            "total_price": to_amount(
                price_cents + shipping_cents + sum(to_cents(fee["amount"]) for fee in fees)
            ),
            "fees": fees,
            "taxes": taxes,
            "shipping_taxes": shipping_taxes,
            "commission_fee": to_amount(self.commission_cents),
            "commission_vat": to_amount(self.commission_vat_cents),
            "commission_rate_vat": COMMISSION_VAT_RATE,
            "commission_taxes": [
                {
                    "code": "TAXDEFAULT",
                    "amount": to_amount(self.commission_vat_cents),
                    "rate": COMMISSION_VAT_RATE,
                }
            ],
            "total_commission": to_amount(self.commission_cents + self.commission_vat_cents),
            "promotions": [_promotion_api(promo) for promo in self.promotions],
            "can_refund": self.state in REFUNDABLE_LINE_STATES,
            "cancelations": cancelations,
            "refunds": [_refund_api(refund, include) for refund in self.refunds],
            "order_line_additional_fields": [],
            "created_date": format_datetime(self.created),
            "last_updated_date": format_datetime(self.updated),
        }
        for key, moment in (
            ("debited_date", self.debited),
            ("shipped_date", self.shipped),
            ("received_date", self.received),
        ):
            if moment:
                line[key] = format_datetime(moment)
        return line


def _include_delta(native, asked):
    """+1 to add the taxes to the prices, -1 to take them out, 0 to show them as stored."""
    if not asked or asked == native:
        return 0
    return 1 if asked == "TAX_INCLUDED" else -1


def _tax_cents(taxes):
    return sum(to_cents(tax.get("amount") or 0) for tax in taxes or [])


def _tax_api(tax):
    payload = {"code": tax["code"], "amount": to_amount(tax["cents"])}
    if tax["rate"] is None:  # a fixed amount (eco-participation) does not follow the price
        payload["tax_calculation_rule"] = "NONE"
    else:
        payload.update(rate=tax["rate"], tax_calculation_rule="PROPORTIONAL_TO_AMOUNT")
    return payload


def _promotion_api(promo):
    configuration = {"type": promo["type"], "internal_description": promo["description"]}
    if promo["type"] == "AMOUNT_OFF":
        configuration["amount_off"] = to_amount(promo["cents"])
    return {
        "id": promo["id"],
        "apportioned": promo["apportioned"],
        "configuration": configuration,
        "deduced_amount": to_amount(promo["cents"]),
    }


def _commission_api(record):
    vat = percent_of(record["commission_cents"], COMMISSION_VAT_RATE)
    return {
        "commission_amount": to_amount(record["commission_cents"]),
        "commission_taxes": [{"code": "TAXDEFAULT", "amount": to_amount(vat)}],
        "commission_total_amount": to_amount(record["commission_cents"] + vat),
    }


def _cancelation_api(cancel, include=0):
    payload = {
        "id": cancel["id"],
        "amount": to_amount(cancel["cents"] + include * _tax_cents(cancel["taxes"])),
        "shipping_amount": to_amount(
            cancel["shipping_cents"] + include * _tax_cents(cancel["shipping_taxes"])
        ),
        "quantity": cancel["quantity"],
        "reason_code": cancel["reason_code"],
        "created_date": format_datetime(cancel["created"]),
        "taxes": cancel["taxes"],
        "shipping_taxes": cancel["shipping_taxes"],
    }
    payload.update(_commission_api(cancel))
    return payload


def _refund_api(refund, include=0):
    payload = {
        "id": refund["id"],
        "order_refund_id": refund["id"],
        "amount": to_amount(refund["cents"] + include * _tax_cents(refund["taxes"])),
        "shipping_amount": to_amount(
            refund["shipping_cents"] + include * _tax_cents(refund["shipping_taxes"])
        ),
        "quantity": refund["quantity"],
        "reason_code": refund["reason_code"],
        "refund_state": refund["state"],
        "state": refund["state"],
        "created_date": format_datetime(refund["created"]),
        "taxes": refund["taxes"],
        "shipping_taxes": refund["shipping_taxes"],
    }
    payload.update(_commission_api(refund))
    payload["commission_tax_amount"] = payload["commission_taxes"][0]["amount"]
    return payload


class Order:
    def __init__(self, shop, sequence, spec, now, acceptance_delay, addresses_from="acceptance"):
        self.shop = shop
        self.sequence = sequence
        self.commercial_id = spec.get("commercial_id") or "SIM-%06d" % sequence
        self.order_id = spec.get("order_id") or self.commercial_id + "-A"
        created = spec.get("created_date")
        self.created = parse_datetime(created) if created else now
        self.updated = self.created
        self.currency = spec.get("currency") or shop.currency
        self.tax_mode = spec.get("order_tax_mode") or shop.tax_mode
        self.payment_workflow = spec.get("payment_workflow", "PAY_ON_ACCEPTANCE")
        self.payment_type = spec.get("payment_type", "CREDIT_CARD")
        channel = spec.get("channel", shop.channels[0] if shop.channels else None)
        self.channel = channel
        self.customer = spec.get("customer") or default_customer(sequence, shop)
        self.shipping_type = spec.get("shipping_type", {"code": "STD", "label": "Standard"})
        self.shipping_zone = spec.get(
            "shipping_zone", {"code": shop.zone, "label": shop.zone_label}
        )
        self.leadtime_to_ship = int(spec.get("leadtime_to_ship", 2))
        self.acceptance_deadline = self.created + timedelta(seconds=acceptance_delay)
        self.addresses_from = addresses_from
        self.decision_date = None
        self.shipping_deadline = None
        self.debited = None
        self.accepted = False
        self.state = "STAGING"
        self.reason = None
        self.tracking = {}
        self.has_customer_message = False
        self.references = spec.get("references") or {}
        if not spec.get("lines"):
            raise ApiError(400, "An order needs at least one line")
        self.lines = [
            OrderLine(self, n, line, self.created) for n, line in enumerate(spec["lines"], 1)
        ]
        self.basket_promotions = [
            self._basket_promotion(promo, n)
            for n, promo in enumerate(spec.get("basket_promotions") or [], 1)
        ]
        # Operator feature "order level tax calculation": order_taxes per code and rate.
        self.order_level_taxes = bool(spec.get("order_level_taxes"))

    def _basket_promotion(self, promo, number):
        """A promotion on the whole basket: Mirakl apportions it into the line prices and
        lists it at order level only (spec: applied_promotions[].apportioned)."""
        cents = to_cents(promo["deduced_amount"])
        shares = spread_cents(cents, [line.price_cents for line in self.lines])
        for line, share in zip(self.lines, shares, strict=True):
            line.price_cents -= share
            line.basket_cents += share
            line.taxes = [line._tax(tax, line.price_cents) for tax in line.tax_specs]
        return {
            "id": promo.get("id", "BASKET-%s-%d" % (self.order_id, number)),
            "type": promo.get("type", "AMOUNT_OFF"),
            "description": promo.get("description", "Basket promotion"),
            "cents": cents,
            "apportioned": True,
        }

    # ------------------------------------------------------------------
    # READING
    # ------------------------------------------------------------------

    def line(self, line_id):
        for line in self.lines:
            if line.line_id == line_id:
                return line
        raise ApiError(
            404,
            "ORDER_LINE_NOT_FOUND: no line %s on order %s" % (line_id, self.order_id),
            code="ORDER_LINE_NOT_FOUND",
        )

    @property
    def has_incident(self):
        return any(line.state == "INCIDENT_OPEN" for line in self.lines)

    @property
    def can_cancel(self):
        return self.state in CANCELABLE_STATES and self.debited is None

    def to_api(self, tax_mode=None):
        lines = [line.to_api(tax_mode) for line in self.lines]
        # spec: the order's price is the sum of its line prices, refused lines included (a
        # refused line keeps its amounts; the shop is simply not paid for it)
        price = sum(to_cents(line["price"]) for line in lines)
        shipping = sum(to_cents(line["shipping_price"]) for line in lines)
        fees = sum(to_cents(fee["amount"]) for line in lines for fee in line["fees"])
        kept = [
            line for line in self.lines
            if line.state != "REFUSED" and not line.canceled_from_start
        ] or self.lines
        promotions = [promo for line in kept for promo in line.promotions]
        promotions += self.basket_promotions
        order = {
            "order_id": self.order_id,
            "commercial_id": self.commercial_id,
            "order_state": self.state,
            "created_date": format_datetime(self.created),
            "last_updated_date": format_datetime(self.updated),
            "currency_iso_code": self.currency,
            "customer": self._customer_api(),
            "order_lines": lines,
            "order_tax_mode": tax_mode or self.tax_mode,
            "payment_type": self.payment_type,
            "paymentType": self.payment_type,
            "payment_workflow": self.payment_workflow,
            "price": to_amount(price),
            "shipping_price": to_amount(shipping),
            "total_price": to_amount(price + shipping + fees),
            "total_commission": to_amount(
                sum(line.commission_cents + line.commission_vat_cents for line in kept)
            ),
            "promotions": {
                "applied_promotions": [_promotion_api(promo) for promo in promotions],
                "total_deduced_amount": to_amount(sum(promo["cents"] for promo in promotions)),
            },
            "shipping_type_code": self.shipping_type["code"],
            "shipping_type_label": self.shipping_type["label"],
            "shipping_zone_code": self.shipping_zone["code"],
            "shipping_zone_label": self.shipping_zone["label"],
            "leadtime_to_ship": self.leadtime_to_ship,
            "can_cancel": self.can_cancel,
            "can_shop_ship": self.state == "SHIPPING",
            "has_incident": self.has_incident,
            "has_invoice": False,
            "has_customer_message": self.has_customer_message,
            "fully_refunded": all(line.state == "REFUNDED" for line in self.lines),
            "fulfillment": {"center": {"code": "DEFAULT"}},
            "customer_notification_email": "%s@relay.sim.mirakl.local"
            % self.customer["customer_id"],
            "references": {
                "order_reference_for_customer": self.references.get(
                    "order_reference_for_customer", self.commercial_id
                ),
                **{k: v for k, v in self.references.items() if k != "order_reference_for_customer"},
            },
        }
        if self.order_level_taxes:
            order["order_taxes"] = self._order_taxes(kept)
        if self.channel:
            order["channel"] = dict(self.channel)
        # While the shop has not decided, this carries the deadline after which the operator
        # refuses the order; afterwards the decision date; absent after an automatic refusal.
        if self.state == "WAITING_ACCEPTANCE":
            order["acceptance_decision_date"] = format_datetime(self.acceptance_deadline)
        elif self.decision_date:
            order["acceptance_decision_date"] = format_datetime(self.decision_date)
        if self.shipping_deadline:
            order["shipping_deadline"] = format_datetime(self.shipping_deadline)
        if self.debited:
            order["customer_debited_date"] = format_datetime(self.debited)
        if self.reason:
            order["order_state_reason_code"], order["order_state_reason_label"] = self.reason
        if self.tracking:
            order.update(self.tracking)
        return order

    def _order_taxes(self, lines):
        """Tax per code and rate computed once on the order's bases (so it may differ by a
        cent from the sum of the line amounts), fixed amounts summed."""
        bases, fixed = {}, {}
        for line in lines:
            for base, taxes in ((line.price_cents, line.taxes),
                                (line.shipping_cents, line.shipping_taxes)):
                for tax in taxes:
                    key = (tax["code"], tax["rate"])
                    if tax["rate"] is None:
                        fixed[key] = fixed.get(key, 0) + tax["cents"]
                    else:
                        bases[key] = bases.get(key, 0) + base
        result = []
        for (code, rate), base in bases.items():
            cents = (included_tax(base, rate) if self.tax_mode == "TAX_INCLUDED"
                     else percent_of(base, rate))
            result.append({"code": code, "rate": rate, "total_amount": to_amount(cents)})
        for (code, _rate), cents in fixed.items():
            result.append({"code": code, "rate": None, "total_amount": to_amount(cents)})
        return result

    def _customer_api(self):
        customer = {
            key: self.customer[key]
            for key in ("customer_id", "firstname", "lastname")
            if key in self.customer
        }
        for key in ("civility", "locale"):
            if self.customer.get(key):
                customer[key] = self.customer[key]
        # Personal data stays hidden until the shop accepts, or until the order may ship on
        # platforms set that way (spec: "null before shipping or acceptance, depending on
        # platform setting").
        if self.addresses_from == "shipping":
            revealed = self.accepted and (
                self.debited is not None or self.state in SHIPPABLE_OR_LATER
            )
        else:
            revealed = self.accepted
        customer["billing_address"] = dict(self.customer["billing_address"]) if revealed else None
        customer["shipping_address"] = dict(self.customer["shipping_address"]) if revealed else None
        return customer

    # ------------------------------------------------------------------
    # TRANSITIONS
    # ------------------------------------------------------------------

    def _set_state(self, state, now, lines=None):
        self.state = state
        for line in lines if lines is not None else self._live_lines():
            line.state = state
            line.updated = now
        self.updated = now

    def _live_lines(self):
        return [
            line for line in self.lines
            if line.state not in ("REFUSED", "CANCELED") and not line.canceled_from_start
        ]

    def require(self, *states):
        if self.state not in states:
            raise invalid_state(self, states)

    def validate(self, now):
        self.require("STAGING")
        self._set_state("WAITING_ACCEPTANCE", now)
        self.acceptance_deadline = max(self.acceptance_deadline, now)

    def decide(self, decisions, now, automatic=False):
        """OR21 semantics: every line decided; refused lines drop out; all refused → REFUSED."""
        self.require("WAITING_ACCEPTANCE")
        seen = set()
        for line_id, _accepted in decisions:
            if line_id in seen:
                raise ApiError(
                    400,
                    "ORDER_LINE_DUPLICATE_ID: line %s given twice" % line_id,
                    code="ORDER_LINE_DUPLICATE_ID",
                )
            seen.add(line_id)
            self.line(line_id)
        missing = [line.line_id for line in self.lines if line.line_id not in seen]
        if missing:
            raise ApiError(
                400,
                "ORDER_LINE_ACCEPTANCE_DECISION_MISSING: no decision for %s" % ", ".join(missing),
                code="ORDER_LINE_ACCEPTANCE_DECISION_MISSING",
            )
        accepted = {line_id for line_id, decision in decisions if decision}
        self.decision_date = None if automatic else now
        if not accepted:
            self._set_state("REFUSED", now)
            return
        self.accepted = True
        self._set_state(
            "REFUSED", now, [line for line in self.lines if line.line_id not in accepted]
        )
        if self.payment_workflow == "PAY_ON_ACCEPTANCE":
            # One shop per commercial order here, so Mirakl asks for the debit at once.
            self._set_state("WAITING_DEBIT_PAYMENT", now)
        else:
            self._enter_shipping(now)

    def auto_refuse(self, now):
        self.require("WAITING_ACCEPTANCE")
        self.decide([(line.line_id, False) for line in self.lines], now, automatic=True)
        self.reason = ("AUTO_REFUSED", "Not accepted before the acceptance deadline")

    def debit(self, now):
        self.require("WAITING_DEBIT", "WAITING_DEBIT_PAYMENT")
        self.debited = now
        for line in self._live_lines():
            line.debited = now
        self._enter_shipping(now)

    def _enter_shipping(self, now):
        self.shipping_deadline = now + timedelta(days=self.leadtime_to_ship)
        self._set_state("SHIPPING", now)

    def ship(self, now):
        self.require("SHIPPING")
        for line in self._live_lines():
            line.shipped = now
        self._set_state("SHIPPED", now)

    def ready_for_collection(self, now):
        self.require("SHIPPING")
        self._set_state("TO_COLLECT", now)

    def receive(self, now):
        self.require("SHIPPED", "TO_COLLECT")
        for line in self._live_lines():
            line.received = now
        self._set_state(
            "RECEIVED", now, [line for line in self._live_lines() if line.state != "REFUNDED"]
        )

    def close(self, now):
        self.require("SHIPPED", "RECEIVED")
        self._set_state(
            "CLOSED", now, [line for line in self._live_lines() if line.state != "REFUNDED"]
        )

    def cancel(self, now, reason_code="SIM_CANCELED"):
        if not self.can_cancel:
            raise invalid_state(self, [s for s in CANCELABLE_STATES] + ["(not debited)"])
        for line in self._live_lines():
            remaining = line.quantity - line.canceled_quantity
            if remaining:
                line.cancelations.append(
                    new_adjustment(
                        "cancelation",
                        self,
                        line,
                        now,
                        line.price_cents - sum(c["cents"] for c in line.cancelations),
                        line.shipping_cents - sum(c["shipping_cents"] for c in line.cancelations),
                        remaining,
                        reason_code,
                    )
                )
        self._set_state("CANCELED", now)

    def open_incident(self, line_id, now):
        line = self.line(line_id)
        if line.state not in ("SHIPPED", "RECEIVED", "TO_COLLECT"):
            raise invalid_state(self, ["SHIPPED", "RECEIVED", "TO_COLLECT"])
        line.state_before_incident = line.state
        line.state = "INCIDENT_OPEN"
        line.touch(now)

    def resolve_incident(self, line_id, now):
        line = self.line(line_id)
        if line.state != "INCIDENT_OPEN":
            raise ApiError(
                400,
                "ORDER_LINE_INVALID_STATE: line %s has no open incident" % line_id,
                code="ORDER_LINE_INVALID_STATE",
            )
        line.state = line.state_before_incident
        line.touch(now)

    def accept_pending_debit(self, now):
        """Accepted, but the operator has not asked for the debit yet (WAITING_DEBIT)."""
        self.decide([(line.line_id, True) for line in self.lines], now)
        self._set_state("WAITING_DEBIT", now)

    def pay_refunds(self, now):
        """The operator's payment system confirms every pending refund (operator PA02)."""
        for line in self.lines:
            for refund in line.refunds:
                refund["state"] = "REFUNDED"
            if line.refunds and line.refunded_cents >= line.price_cents:
                line.state = "REFUNDED"
            line.touch(now)


def new_adjustment(
    kind,
    order,
    line,
    now,
    cents,
    shipping_cents,
    quantity,
    reason_code,
    taxes=None,
    shipping_taxes=None,
):
    number = order.shop.next_id(kind)
    share = (cents / line.price_cents) if line.price_cents else 0
    return {
        "id": "%s-%s" % (kind[:3].upper(), number),
        "cents": cents,
        "shipping_cents": shipping_cents,
        "quantity": quantity,
        "reason_code": reason_code,
        "created": now,
        "commission_cents": int(round(line.commission_cents * share)),
        "taxes": taxes if taxes is not None else [_tax_share(tax, share) for tax in line.taxes],
        "shipping_taxes": shipping_taxes or [],
    }


def _tax_share(tax, share):
    """The part of a line tax that goes with a refunded or canceled share of the line."""
    payload = {"code": tax["code"], "amount": to_amount(int(round(tax["cents"] * share)))}
    if tax["rate"] is not None:
        payload["rate"] = tax["rate"]
    return payload


def default_customer(sequence, shop):
    first, last = ("Alice", "Martin") if sequence % 2 else ("Bruno", "Durand")
    address = {
        "firstname": first,
        "lastname": last,
        "street_1": "%d rue de la Paix" % (sequence % 90 + 1),
        "city": shop.city,
        "zip_code": shop.zip_code,
        "country": shop.country_label,
        "country_iso_code": shop.country_iso,
        "phone": "+33100000%03d" % (sequence % 1000),
    }
    return {
        "customer_id": "CUST-%05d" % sequence,
        "firstname": first,
        "lastname": last,
        "civility": "MRS",
        "locale": shop.locale,
        "billing_address": dict(address),
        "shipping_address": dict(address),
    }
