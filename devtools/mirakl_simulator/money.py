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
