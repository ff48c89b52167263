"""The offer quantity sent to Mirakl: buffer, pack factor, cap, archived offers."""

import pytest
from mirakl.offers.stock import BUFFER_PERCENT, BUFFER_UNITS, exported_quantity


def test_plain_stock_is_sent_as_is():
    assert exported_quantity(12) == 12


def test_a_buffer_in_units_is_held_back():
    assert exported_quantity(12, BUFFER_UNITS, 2) == 10


def test_a_buffer_in_percent_rounds_down():
    # 10 % of 15 is 1.5 units held back: 13.5 shown as 13, never rounded up to oversell
    assert exported_quantity(15, BUFFER_PERCENT, 10) == 13


def test_a_pack_shows_whole_packs_only():
    assert exported_quantity(17, pack_factor=6) == 2
    assert exported_quantity(18, pack_factor=6) == 3


def test_the_buffer_applies_to_units_before_packing():
    assert exported_quantity(20, BUFFER_UNITS, 3, pack_factor=6) == 2


def test_the_cap_limits_what_is_shown():
    assert exported_quantity(500, cap=50) == 50
    assert exported_quantity(20, cap=50) == 20


def test_never_negative():
    assert exported_quantity(-4) == 0
    assert exported_quantity(1, BUFFER_UNITS, 5) == 0


def test_an_offer_that_must_not_sell_shows_zero():
    assert exported_quantity(40, sellable=False) == 0


def test_float_stock_does_not_lose_a_pack():
    assert exported_quantity(0.1 + 0.2 + 5.7, pack_factor=2) == 3


@pytest.mark.parametrize("kwargs", [
    {"pack_factor": 0}, {"buffer_value": -1}, {"cap": -1},
    {"buffer_kind": BUFFER_PERCENT, "buffer_value": 101}, {"buffer_kind": "half"},
])
def test_bad_settings_are_named(kwargs):
    with pytest.raises(ValueError):
        exported_quantity(10, **kwargs)
