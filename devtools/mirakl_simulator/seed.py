"""Data builders shared by the control API and the deterministic seed (`--seed`)."""

import random
from datetime import timedelta

from .inbox import Thread, _participant
from .money import to_cents
from .multipart import Part
from .offers import OFFER_DEFAULTS

SEED = 20240917  # fixed: the seeded shops are the same on every start
PRODUCT_FAMILIES = (
    ("phones", "Smartphone", ("Nova", "Pixelle", "Orion", "Zephyr"), 149, 899),
    ("laptops", "Laptop", ("Aero", "Forge", "Lumen", "Vertex"), 399, 2199),
    ("kitchen", "Kitchen", ("Blender", "Kettle", "Toaster", "Mixer"), 19, 249),
    ("electronics", "Headphones", ("Echo", "Pulse", "Drift", "Halo"), 29, 399),
)
EUR_TAXES = [{"code": "VAT_FR_20", "rate": 20}]
ECO_TAX = [{"code": "ECO_TAX", "amount": 0.3}]
USD_TAXES = [{"code": "US_STATE", "rate": 6.25}, {"code": "US_CITY", "rate": 2}]


def add_offer(sim, shop, shop_sku, product_sku, price, quantity, state_code="11", **fields):
    now = sim.now()
    offer = dict(
        OFFER_DEFAULTS,
        offer_id=sim.next_offer_id(),
        shop_sku=shop_sku,
        product_sku=product_sku,
        price_cents=to_cents(price),
        quantity=int(quantity),
        state_code=state_code,
        deleted=False,
        created=now,
        updated=now,
    )
    offer.update(fields)
    shop.offers[shop_sku] = offer
    return offer


def add_customer_thread(sim, shop, body, order=None, topic="Where is my parcel?", attachments=()):
    """A customer (or, without an order, the operator) writes to the shop first."""
    if order is not None:
        author = _participant(shop, "CUSTOMER", order.customer)
        entity = {"type": "MMP_ORDER", "id": order.order_id, "label": order.order_id}
        order.has_customer_message = True
        order.updated = sim.now()
    else:
        author = _participant(shop, "OPERATOR")
        entity = None
    thread = Thread(
        shop,
        "THR-%s" % shop.next_id("thread"),
        {"type": "FREE_TEXT", "value": topic},
        entity,
        [_participant(shop, "SHOP"), author],
        sim.now(),
    )
    shop.threads[thread.thread_id] = thread
    parts = [
        Part("files", name, "application/octet-stream", content) for name, content in attachments
    ]
    thread.add_message(sim, author, [_participant(shop, "SHOP")], body, parts)
    return thread


def add_invoice(sim, shop, amount_excl, tax, kind="AUTO_INVOICE", payment_state="PAID", days_ago=0):
    date = sim.now() - timedelta(days=days_ago)
    invoice = {
        "invoice_id": int(shop.next_id("invoice")),
        "type": kind,
        "excl_cents": to_cents(amount_excl),
        "tax_cents": to_cents(tax),
        "date": date,
        "due": date + timedelta(days=30),
        "payment_state": payment_state,
    }
    shop.invoices.append(invoice)
    return invoice


def add_transaction(
    sim,
    shop,
    kind,
    amount,
    order_id=None,
    order_line_id=None,
    payment_state="PAYABLE",
    invoice_id=None,
    days_ago=0,
):
    balance = (shop.transactions[-1]["balance_cents"] if shop.transactions else 0) + to_cents(
        amount
    )
    entry = {
        "id": "TRX-%s" % shop.next_id("transaction"),
        "type": kind,
        "cents": to_cents(amount),
        "balance_cents": balance,
        "date": sim.now() - timedelta(days=days_ago),
        "payment_state": payment_state,
        "order_id": order_id,
        "order_line_id": order_line_id,
        "invoice_id": invoice_id,
    }
    shop.transactions.append(entry)
    return entry


def add_return(sim, shop, order, reason_code="RET_DAMAGED", state="WAITING_ACCEPTANCE"):
    now = sim.now()
    item = {
        "id": "RET-%s" % shop.next_id("return"),
        "rma": "RMA-%s" % shop.next_id("rma"),
        "state": state,
        "order_id": order.order_id,
        "reason_code": reason_code,
        "created": now,
        "updated": now,
        "lines": [(line.line_id, line.quantity) for line in order.lines],
    }
    shop.returns.append(item)
    return item


# ------------------------------------------------------------------
# THE SEEDED SHOPS
# ------------------------------------------------------------------


def seed_shops(sim):
    rng = random.Random(SEED)
    catalogue = _seed_products(sim, rng)
    for shop, count in ((sim.shop_for(2001), 240), (sim.shop_for(2002), 120)):
        offers = _seed_offers(sim, shop, rng, catalogue, count)
        orders = _seed_orders(sim, shop, rng, offers)
        _seed_money(sim, shop, rng, orders)
        _seed_conversations(sim, shop, rng, orders)


def _seed_products(sim, rng):
    products = []
    for category, family, names, low, high in PRODUCT_FAMILIES:
        for name in names:
            for variant in range(1, 26):
                sku = "PRD-%s-%s-%02d" % (category[:3].upper(), name.upper(), variant)
                ean = "%013d" % rng.randrange(10**12, 10**13)
                product = sim.add_product(
                    sku, "%s %s %d" % (family, name, variant), category, ean=ean, brand=name
                )
                products.append((product, low, high))
    return products


def _seed_offers(sim, shop, rng, catalogue, count):
    offers = []
    for product, low, high in rng.sample(catalogue, count):
        price = round(rng.uniform(low, high), 2)
        quantity = rng.choice([0, 1, 3, 5, 12, 25, 40, 100])
        offer = add_offer(
            sim,
            shop,
            "SKU-%s-%s" % (shop.currency, product["product_sku"][4:]),
            product["product_sku"],
            price,
            quantity,
            leadtime_to_ship=rng.choice([1, 2, 3]),
        )
        offers.append((offer, product))
    return offers


def _seed_orders(sim, shop, rng, offers):
    taxes = EUR_TAXES if shop.currency == "EUR" else USD_TAXES
    states = (
        ["WAITING_ACCEPTANCE"] * 6
        + ["SHIPPING"] * 6
        + ["SHIPPED"] * 4
        + [
            "STAGING",
            "WAITING_DEBIT",
            "WAITING_DEBIT_PAYMENT",
            "TO_COLLECT",
            "RECEIVED",
            "RECEIVED",
            "CLOSED",
            "CLOSED",
            "REFUSED",
            "CANCELED",
        ]
    )
    orders = []
    for number, state in enumerate(states):
        lines = []
        for offer, _product in rng.sample(offers, rng.choice([1, 1, 2, 3])):
            # Price, offer id and product come from the offer itself.
            line = {
                "offer_sku": offer["shop_sku"],
                "quantity": rng.choice([1, 1, 2, 3]),
                "shipping_price": rng.choice([0, 4.9, 6.9]),
                # Every third EUR order also carries the fixed eco-participation.
                "taxes": taxes + (ECO_TAX if shop.currency == "EUR" and number % 3 == 0 else []),
                "shipping_taxes": taxes[:1],
            }
            if number % 4 == 0:
                line["promotions"] = [
                    {
                        "deduced_amount": round(offer["price_cents"] / 1000, 2),
                        "type": "PERCENTAGE_OFF",
                        "description": "10% summer sale",
                    }
                ]
            lines.append(line)
        created = sim.now() - timedelta(
            hours=rng.randint(1, 60) if state == "WAITING_ACCEPTANCE" else rng.randint(60, 24 * 30)
        )
        spec = {"state": state, "lines": lines, "created_date": created.isoformat()}
        # The amounts Mirakl's spec describes and importers get wrong: a basket promotion
        # apportioned into the line prices and listed at order level only, a line cancelled
        # down to quantity 0, the order level tax calculation (order_taxes).
        if number % 5 == 1:
            spec["basket_promotions"] = [{"deduced_amount": 3.0, "description": "3 off"}]
        if number % 7 == 3 and len(lines) > 1 and state not in ("REFUSED", "CANCELED"):
            lines[-1]["canceled"] = True
        if number % 6 == 5:
            spec["order_level_taxes"] = True
        if number % 8 == 6:
            lines[0]["fees"] = [{"code": "PACKAGING", "amount": 0.5}]
        order = sim.create_order(shop, spec)
        orders.append(order)
    return orders


def _seed_money(sim, shop, rng, orders):
    for month in range(6):
        invoice = add_invoice(
            sim,
            shop,
            round(rng.uniform(80, 900), 2),
            round(rng.uniform(10, 180), 2),
            days_ago=30 * month + 1,
            payment_state="PAID" if month else "PENDING",
        )
        add_transaction(
            sim,
            shop,
            "SUBSCRIPTION_FEE",
            -29.0,
            invoice_id=invoice["invoice_id"],
            days_ago=30 * month + 2,
            payment_state="PAID",
        )
    for order in orders:
        if order.debited:
            for line in order.lines:
                add_transaction(
                    sim, shop, "ORDER_AMOUNT", line.price_cents / 100, order.order_id, line.line_id
                )
                add_transaction(
                    sim,
                    shop,
                    "COMMISSION_FEE",
                    -line.commission_cents / 100,
                    order.order_id,
                    line.line_id,
                )


def _seed_conversations(sim, shop, rng, orders):
    shipped = [order for order in orders if order.state in ("SHIPPED", "RECEIVED")]
    for order in shipped[:3]:
        add_customer_thread(
            sim,
            shop,
            "Hello, when will my order %s arrive?" % order.order_id,
            order,
            attachments=[("photo.txt", b"a picture of the parcel")],
        )
    add_customer_thread(sim, shop, "Please update your return policy before the end of the month.")
    for order in [order for order in orders if order.state == "RECEIVED"][:1]:
        add_return(sim, shop, order)
