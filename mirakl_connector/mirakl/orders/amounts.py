"""Money arithmetic for Mirakl orders, in exact decimals.

Mirakl sends amounts as JSON numbers already rounded to the currency; Odoo stores a unit price
and a discount percentage with limited digits and rounds each line. These helpers choose the
Odoo terms that reproduce Mirakl's amounts to the cent, spread order-level discounts without
losing a cent, and compute the total Mirakl expects the customer to pay.
"""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def dec(value, field="amount"):
    """Decimal from a JSON number or string; a missing value is an error naming the field."""
    if value is None or value == "":
        raise ValueError("%s is missing" % field)
    if isinstance(value, bool):
        raise ValueError("%s is not a number: %r" % (field, value))
    try:
        result = Decimal(str(value))
    except ArithmeticError:
        raise ValueError("%s is not a number: %r" % (field, value))
    if not result.is_finite():
        raise ValueError("%s is not a number: %r" % (field, value))
    return result


def quantize(value, digits=2):
    return Decimal(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def line_total(price_unit, quantity, discount, digits=2):
    """What Odoo computes for a line before taxes: unit x (1 - discount%) x quantity, rounded."""
    return quantize(
        Decimal(str(price_unit)) * (1 - Decimal(str(discount)) / 100) * Decimal(str(quantity)),
        digits,
    )


def line_terms(gross, net, quantity, price_digits=2, discount_digits=2, currency_digits=2):
    """Unit price and discount % for an Odoo line whose total must equal ``net`` exactly.

    ``gross`` is the line amount before promotions and ``net`` what Mirakl charges. The first
    choice keeps the catalogue unit price and expresses the promotion as the discount. Odoo
    keeps few digits for both, so when no discount reproduces ``net`` with that unit price,
    discounts near the promotion's rate are tried with the unit price that fits them (also
    without a promotion, when no unit price times the quantity gives ``net``); as a last
    resort the unit price absorbs the promotion. Returns ``(price_unit, discount,
    exact)``.
    """
    gross, net, quantity = Decimal(gross), Decimal(net), Decimal(quantity)
    if quantity <= 0:
        raise ValueError("quantity must be positive, got %s" % quantity)
    catalogue = quantize(gross / quantity, price_digits)
    if gross == net and line_total(catalogue, quantity, 0, currency_digits) == net:
        return catalogue, Decimal(0), True
    # A promotion, or an amount no unit price reaches (a tax-excluded price Mirakl derived
    # from a tax-included one, 359.90 for 4): a discount closes the gap to the cent.
    if gross > 0:
        step = Decimal(1).scaleb(-discount_digits)
        base = quantize((1 - net / gross) * 100, discount_digits)
        price_step = Decimal(1).scaleb(-price_digits)
        for offset in range(0, 201):
            for discount in _around(base, offset * step):
                if not 0 <= discount < 100:
                    continue
                fitted = quantize(net / quantity / (1 - discount / 100), price_digits)
                candidates = [catalogue] if offset <= 50 else []
                candidates += [fitted, fitted - price_step, fitted + price_step]
                for price_unit in candidates:
                    if line_total(price_unit, quantity, discount, currency_digits) == net:
                        return price_unit, discount, True
    price_unit = quantize(net / quantity, price_digits)
    exact = line_total(price_unit, quantity, 0, currency_digits) == net
    return price_unit, Decimal(0), exact


def _around(base, delta):
    return (base,) if not delta else (base + delta, base - delta)


def spread(amount, weights):
    """Split ``amount`` (cents) over ``weights`` proportionally; the parts sum to ``amount``.

    Largest-remainder rounding, so no cent is created or lost.
    """
    amount = quantize(amount)
    total = sum((Decimal(w) for w in weights), Decimal(0))
    if not weights:
        return []
    if total <= 0:
        raise ValueError("cannot spread %s over lines worth nothing" % amount)
    cents = int(amount / CENT)
    raw = [Decimal(cents) * Decimal(w) / total for w in weights]
    parts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (raw[i] - parts[i], -i), reverse=True)
    for i in order[: cents - sum(parts)]:
        parts[i] += 1
    return [Decimal(p) * CENT for p in parts]


def differs(a, b, tolerance=CENT):
    """True when two amounts differ by more than ``tolerance`` (one cent by default)."""
    return abs(Decimal(str(a)) - Decimal(str(b))) > tolerance
