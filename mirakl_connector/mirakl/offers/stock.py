"""What quantity an offer shows on the marketplace, from what the warehouse holds.

Pure arithmetic, no Odoo: the flow reads the stock, this decides the number sent.
"""

import math

BUFFER_UNITS = "units"
BUFFER_PERCENT = "percent"


def exported_quantity(available, buffer_kind=BUFFER_UNITS, buffer_value=0, cap=0,
                      pack_factor=1, sellable=True):
    """Offer quantity for ``available`` product units.

    The buffer is held back first (units, or a share of the stock in percent), then the
    units are counted in packs of ``pack_factor`` (an offer selling a pack of 6 shows
    how many whole packs remain), then ``cap`` limits what is shown (0: no cap). Never
    negative, and 0 when the offer must not sell (archived product or binding).
    """
    if not sellable or available is None:
        return 0
    if pack_factor < 1:
        raise ValueError("pack factor must be at least 1, got %r" % pack_factor)
    if buffer_value < 0 or cap < 0:
        raise ValueError("buffer and cap must not be negative")
    if buffer_kind == BUFFER_PERCENT:
        if buffer_value > 100:
            raise ValueError("a buffer in percent is at most 100, got %r" % buffer_value)
        units = available * (100 - buffer_value) / 100.0
    elif buffer_kind == BUFFER_UNITS:
        units = available - buffer_value
    else:
        raise ValueError("unknown buffer kind %r" % buffer_kind)
    # a tiny float error (2.9999999) must not lose a whole pack
    quantity = math.floor(units / pack_factor + 1e-9)
    if cap:
        quantity = min(quantity, cap)
    return max(quantity, 0)
