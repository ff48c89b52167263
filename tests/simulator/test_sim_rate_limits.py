"""Per-operation budgets from the spec's "Maximum usage", counted on the simulator clock."""

import pytest
from mirakl_simulator.ratelimit import BUILTIN_FREQUENCIES, RateLimiter, parse_max_usage
from mirakl_simulator.testing import running_simulator
from simulator_helpers import SellerApi


@pytest.fixture
def limited():
    with running_simulator(rate_limits=True) as simulator:
        yield simulator


def test_or11_allows_a_once_per_minute_budget_over_the_last_hour(limited):
    api = SellerApi(limited)
    assert all(api.get("/api/orders").status_code == 200 for _ in range(60))
    refused = api.get("/api/orders")
    assert refused.status_code == 429
    assert refused.json()["status"] == 429
    assert int(refused.headers["Retry-After"]) == 3600  # all 60 calls were made at the same instant

    limited.move_clock(seconds=3599)
    assert api.get("/api/orders").status_code == 429
    limited.move_clock(seconds=1)
    assert api.get("/api/orders").status_code == 200


def test_budgets_are_per_key_and_per_operation(limited):
    api = SellerApi(limited)
    assert api.get("/api/account").status_code == 200
    assert api.get("/api/account").status_code == 429  # A01: once per day
    assert api.get("/api/orders").status_code == 200
    assert api.get("/api/account", api_key=limited.shop("USD")["api_key"]).status_code == 200


def test_rate_limits_can_be_switched_off_at_run_time(limited):
    api = SellerApi(limited)
    limited.set_rate_limits(False)
    assert all(api.get("/api/account").status_code == 200 for _ in range(3))


@pytest.mark.parametrize(
    ("text", "budget"),
    [
        ("Maximum usage: Once per day</div>", (1, 86400)),
        ("Maximum usage: Once every 15 seconds</div>", (1, 15)),
        ("Maximum usage: Every 10 seconds</div>", (1, 10)),
        ("Maximum usage: 5 calls per second</div>", (5, 1)),
        ("Maximum usage: 20 times per min, 60 times per hour</div>", (60, 3600)),
        (
            "Maximum usage: Once per minute with offers only, "
            "once every 15 minutes with offers and products</div>",
            (1, 60),
        ),
        (
            "Maximum usage: <br/>- Asynchronous: once per minute "
            "<br/>- Synchronous: at each order page display</div>",
            (1, 60),
        ),
        ("Maximum usage: At each new order on the Marketplace</div>", None),
    ],
)
def test_maximum_usage_texts(text, budget):
    assert parse_max_usage("<div>" + text) == budget


def test_sub_hour_budgets_become_hourly_windows():
    limiter = RateLimiter({"STO02": (1, 15), "A01": (1, 86400)})
    assert limiter.budget("STO02") == (240, 3600)
    assert limiter.budget("A01") == (1, 86400)
    assert limiter.budget("OR21") is None


def test_builtin_table_when_the_spec_is_absent(tmp_path):
    with running_simulator(rate_limits=True, spec_path=tmp_path / "missing.json") as sim:
        assert sim.simulator.spec is None
        assert sim.simulator.rate_limiter.budget("OR11") == (60, 3600)
    assert BUILTIN_FREQUENCIES["OR11"] == (1, 60)
