"""Client construction and the call governor: no network involved."""

import pytest
from mirakl import errors
from mirakl.client import MiraklClient, build_query, validate_base_url
from mirakl.governor import SPEC_LIMITS, CallGovernor


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.mark.parametrize("given, normalised", [
    ("https://acme-prod.mirakl.net", "https://acme-prod.mirakl.net"),
    ("https://acme-prod.mirakl.net/", "https://acme-prod.mirakl.net"),
    ("https://acme-prod.mirakl.net/api/", "https://acme-prod.mirakl.net"),
    ("http://127.0.0.1:8900", "http://127.0.0.1:8900"),
    ("http://localhost:8900", "http://localhost:8900"),
    ("http://[::1]:8900", "http://[::1]:8900"),
])
def test_base_url_accepts_https_and_loopback_http(given, normalised):
    assert validate_base_url(given) == normalised


@pytest.mark.parametrize("given, reason", [
    ("http://acme-prod.mirakl.net", "must use https"),
    ("http://10.0.0.5:8900", "must use https"),
    ("acme-prod.mirakl.net", "not an absolute http"),
    ("ftp://acme.mirakl.net", "not an absolute http"),
    ("https://user:pw@acme.mirakl.net", "credentials"),
    ("https://acme.mirakl.net/?shop=1", "query"),
    ("", "empty"),
    (None, "empty"),
])
def test_base_url_rejects_unsafe_or_malformed_urls(given, reason):
    with pytest.raises(ValueError, match=reason):
        validate_base_url(given)


def test_client_validates_key_shop_and_timeout():
    with pytest.raises(ValueError, match="API key is empty"):
        MiraklClient("https://a.mirakl.net", " ")
    with pytest.raises(ValueError, match="whitespace"):
        MiraklClient("https://a.mirakl.net", "key\r\nX-Injected: 1")
    with pytest.raises(ValueError, match="shop_id must be an integer"):
        MiraklClient("https://a.mirakl.net", "key", shop_id="main")
    with pytest.raises(ValueError, match=r"\(connect, read\)"):
        MiraklClient("https://a.mirakl.net", "key", timeout=30)
    with pytest.raises(ValueError, match="positive seconds"):
        MiraklClient("https://a.mirakl.net", "key", timeout=(5, 0))
    client = MiraklClient("https://a.mirakl.net", "THE-KEY", shop_id="2001")
    assert client.shop_id == 2001
    assert "THE-KEY" not in repr(client)


def test_query_encoding_follows_mirakl_conventions():
    import datetime

    query = build_query({
        "order_state_codes": ["SHIPPING", "SHIPPED"], "has_incident": False, "missing": None,
        "start_update_date": datetime.datetime(2026, 3, 1, 12, 0, 5),
        "fulfillment_center_code": ["FC1", "FC2"]}, repeated=("fulfillment_center_code",))
    assert query == {"order_state_codes": "SHIPPING,SHIPPED", "has_incident": "false",
                     "start_update_date": "2026-03-01T12:00:05Z",
                     "fulfillment_center_code": ["FC1", "FC2"]}


def test_unknown_or_badly_typed_filters_are_refused_before_any_call():
    client = MiraklClient("http://127.0.0.1:9", "key", governor=CallGovernor.unlimited())
    with pytest.raises(ValueError, match="unknown OR11 filter.*order_state"):
        client.list_orders(order_state="SHIPPING")
    with pytest.raises(ValueError, match="has_incident must be True or False"):
        client.list_orders(has_incident="no")
    with pytest.raises(ValueError, match="page size must be an integer from 1 to 100"):
        client.list_orders(page_size=500)
    with pytest.raises(ValueError, match="OR21 line"):
        client.accept_order_lines("A-1", [{"id": "A-1-1", "accepted": "yes"}])
    with pytest.raises(ValueError, match="OR21 lists order line A-1-1 twice"):
        client.accept_order_lines("A-1", [{"id": "A-1-1", "accepted": True},
                                          {"id": "A-1-1", "accepted": False}])
    with pytest.raises(ValueError, match="OR28 refunds\\[0\\] misses reason_code"):
        client.refund_order_lines([{"order_line_id": "L", "amount": 1, "shipping_amount": 0}])
    with pytest.raises(ValueError, match="import_mode must be NORMAL or REPLACE"):
        client.import_offers(b"", import_mode="PARTIAL_UPDATE")
    with pytest.raises(ValueError, match="empty"):
        client.mark_shipped("")


def test_spec_limits_carry_the_published_maximum_usage():
    assert SPEC_LIMITS["OR11"] == ((1, 60),)
    assert SPEC_LIMITS["A01"] == ((1, 86400),)
    assert SPEC_LIMITS["TL02"] == ((20, 60), (60, 3600))
    assert "OR21" not in SPEC_LIMITS  # "at each new order": no numeric maximum


def test_governor_holds_or11_to_once_a_minute():
    clock = FakeClock()
    governor = CallGovernor(clock=clock)
    assert governor.reserve("OR11") == 0
    assert governor.reserve("OR11") == 60
    clock.now += 45
    assert governor.reserve("OR11") == 15
    clock.now += 15
    assert governor.reserve("OR11") == 0
    assert governor.reserve("OR21") == 0 and governor.reserve("OR21") == 0


def test_governor_applies_every_window():
    clock = FakeClock()
    governor = CallGovernor(clock=clock)
    for _ in range(20):
        assert governor.reserve("TL02") == 0
        clock.now += 1
    assert governor.reserve("TL02") == pytest.approx(40)  # 20 per minute reached

    clock = FakeClock()
    governor = CallGovernor(clock=clock)
    for _ in range(60):  # 15 a minute: under the minute limit, but 60 reach the hourly one
        assert governor.reserve("TL02") == 0
        clock.now += 4
    assert governor.reserve("TL02") == pytest.approx(3600 - 240)


def test_governor_overrides_relax_or_lift_limits():
    clock = FakeClock()
    governor = CallGovernor(clock=clock, overrides={"A01": ((3, 3600),), "OR11": ()})
    assert [governor.reserve("A01") for _ in range(4)] == [0, 0, 0, 3600]
    assert all(governor.reserve("OR11") == 0 for _ in range(5))
    assert CallGovernor.unlimited().reserve("A01") == 0
    with pytest.raises(ValueError, match="invalid governor limit for OR11"):
        CallGovernor(overrides={"OR11": ((0, 60),)})


def test_client_raises_rate_limit_error_without_calling_mirakl():
    clock = FakeClock()
    sleeps = []
    client = MiraklClient("http://127.0.0.1:9", "key", clock=clock, sleep=sleeps.append,
                          governor=CallGovernor(clock=clock))
    client.governor.reserve("OR11")  # a poll a moment ago
    with pytest.raises(errors.MiraklRateLimitError) as caught:
        client.list_orders()
    assert caught.value.status is None and caught.value.retry_after == 60
    assert "once" not in str(caught.value) and "1 call(s) per 60 s" in str(caught.value)
    assert sleeps == []
