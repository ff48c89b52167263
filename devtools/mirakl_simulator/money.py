"""Amounts are kept in integer cents so every total adds up to the cent."""

from decimal import ROUND_HALF_UP, Decimal


def to_cents(amount):
    return int((Decimal(str(amount)) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def to_amount(cents):
    """JSON number with two decimals at most (Mirakl's 'number with decimals')."""
    return float(Decimal(cents) / 100)


def percent_of(cents, rate):
    return int((Decimal(cents) * Decimal(str(rate)) / 100).quantize(Decimal("1"), ROUND_HALF_UP))


def included_tax(cents, rate):
    """Tax contained in a tax-included amount."""
    share = Decimal(cents) * Decimal(str(rate)) / (100 + Decimal(str(rate)))
    return int(share.quantize(Decimal("1"), ROUND_HALF_UP))


def spread_cents(cents, weights):
    """Split ``cents`` over ``weights`` proportionally, largest remainder: nothing is lost."""
    total = sum(weights)
    if not weights or total <= 0:
        return [0] * len(weights)
    raw = [Decimal(cents) * w / total for w in weights]
    parts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (raw[i] - parts[i], -i), reverse=True)
    for i in order[: cents - sum(parts)]:
        parts[i] += 1
    return parts
