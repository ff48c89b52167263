import pytest
from mirakl import errors
from mirakl.client import MiraklClient
from mirakl.governor import governor_from_overrides, parse_limit_overrides


def test_overrides_are_read_line_by_line():
    text = "OR11 = 10/60\n# sandbox: check the shop as often as we like\na01=off\n\n"
    assert parse_limit_overrides(text) == {"OR11": ((10, 60.0),), "A01": ()}


def test_star_off_lifts_every_limit():
    assert parse_limit_overrides("OR11 = 10/60\n* = off") is None
    assert governor_from_overrides("* = off").limits == {}


@pytest.mark.parametrize("text, line", [
    ("OR11 10/60", "line 1 'OR11 10/60'"),
    ("OR11 = 0/60", "line 1"),
    ("A01 = off\nOR11 = ten/60", "line 2 'OR11 = ten/60'"),
    ("OR11 = 5", "line 1"),
    ("* = 5/60", "line 1"),
])
def test_a_line_that_cannot_be_read_is_named(text, line):
    with pytest.raises(ValueError, match=line):
        parse_limit_overrides(text)


def test_clients_sharing_a_governor_share_the_budget(sim):
    # Mirakl allows A01 once a day: a second client of the same shop must not spend it again
    governor = governor_from_overrides("")
    MiraklClient(sim.base_url, sim.api_key, governor=governor).get_account()
    with pytest.raises(errors.MiraklRateLimitError) as caught:
        MiraklClient(sim.base_url, sim.api_key, governor=governor).get_account()
    assert caught.value.retry_after > 23 * 3600
    assert [entry["operation"] for entry in sim.request_log()] == ["A01"]


def test_an_override_relaxes_one_operation(sim):
    governor = governor_from_overrides("A01 = off")
    for _ in range(3):
        MiraklClient(sim.base_url, sim.api_key, governor=governor).get_account()
    assert len(sim.request_log()) == 3
