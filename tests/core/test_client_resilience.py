"""Retries, backoff, Retry-After, the governor, transport failures and key redaction, over real
HTTP against the simulator's injected faults. Sleep and clock are injected: no wall-time waits."""

import logging
import socket
import traceback

import pytest
from mirakl import errors
from mirakl.client import MiraklClient
from mirakl.governor import CallGovernor
from mirakl_simulator.testing import running_simulator


class FakeTime:
    """Injected clock and sleep: sleeping moves the clock, nothing waits."""

    def __init__(self):
        self.now = 5000.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture(scope="module")
def simulator():
    with running_simulator(seed=False, rate_limits=False) as sim:
        yield sim


@pytest.fixture
def sim(simulator):
    simulator.reset()
    simulator.clear_faults()
    return simulator


@pytest.fixture
def fake_time():
    return FakeTime()


def make_client(sim, fake_time, api_key=None, base_url=None, **options):
    options.setdefault("governor", CallGovernor.unlimited())
    return MiraklClient(base_url or sim.base_url, api_key or sim.api_key, sleep=fake_time.sleep,
                        clock=fake_time.clock, jitter=lambda: 1.0, **options)


def shipped_order(sim):
    return sim.create_order(state="SHIPPED", lines=[
        {"offer_sku": "SKU-1", "quantity": 1, "price_unit": 30}])


def refund_of(order):
    return [{"order_line_id": order["order_lines"][0]["order_line_id"], "amount": 5,
             "shipping_amount": 0, "reason_code": "REF_DAMAGED"}]


def test_429_waits_retry_after_seconds_then_succeeds(sim, fake_time):
    sim.inject_fault("A01", "429", retry_after=7)
    account = make_client(sim, fake_time).get_account()
    assert account["shop_id"] == sim.shop_id
    assert fake_time.sleeps == [7]
    assert [entry["status"] for entry in sim.request_log("A01")] == [429, 200]


def test_429_asking_for_too_long_a_wait_is_raised_with_retry_after(sim, fake_time):
    sim.inject_fault("OR11", "429", retry_after=3600)
    with pytest.raises(errors.MiraklRateLimitError) as caught:
        make_client(sim, fake_time, max_retry_after=120).list_orders()
    error = caught.value
    assert (error.operation, error.status, error.retry_after, error.retryable) == \
        ("OR11", 429, 3600, True)
    assert fake_time.sleeps == []


def test_429_on_an_unsafe_write_is_resent_because_mirakl_did_not_process_it(sim, fake_time):
    order = shipped_order(sim)
    sim.inject_fault("OR28", "429", retry_after=2)
    make_client(sim, fake_time).refund_order_lines(refund_of(order))
    assert fake_time.sleeps == [2]
    assert len(sim.get_order(order["order_id"])["order_lines"][0]["refunds"]) == 1


@pytest.mark.parametrize("kind", ["500", "502", "503"])
def test_server_errors_on_reads_are_retried_with_exponential_backoff(sim, fake_time, kind):
    sim.inject_fault("OR11", kind, count=3)
    page = make_client(sim, fake_time, backoff_base=0.5).list_orders()
    assert page["total_count"] == 0
    assert fake_time.sleeps == [0.5, 1.0, 2.0]  # jitter pinned to its maximum
    assert [entry["status"] for entry in sim.request_log("OR11")] == [int(kind)] * 3 + [200]


def test_backoff_is_jittered_and_capped():
    client = MiraklClient("http://127.0.0.1:9", "key", backoff_base=1, backoff_max=8,
                          jitter=lambda: 0.0)
    assert [client._backoff(attempt) for attempt in range(6)] == [0.5, 1, 2, 4, 4, 4]
    client.jitter = lambda: 1.0
    assert [client._backoff(attempt) for attempt in range(6)] == [1, 2, 4, 8, 8, 8]


def test_server_error_outlasting_the_retries_is_raised_retryable(sim, fake_time):
    sim.inject_fault("A01", "503", count=10)
    with pytest.raises(errors.MiraklServerError) as caught:
        make_client(sim, fake_time, max_retries=2).get_account()
    assert (caught.value.status, caught.value.retryable) == (503, True)
    assert len(sim.request_log("A01")) == 3


def test_refund_is_never_resent_after_a_server_error(sim, fake_time):
    order = shipped_order(sim)
    sim.inject_fault("OR28", "503")
    with pytest.raises(errors.MiraklServerError) as caught:
        make_client(sim, fake_time).refund_order_lines(refund_of(order))
    assert caught.value.retryable is False
    assert "may have taken effect" in caught.value.message
    assert len(sim.request_log("OR28")) == 1
    assert fake_time.sleeps == []


def test_refund_is_never_resent_when_the_connection_drops_after_sending(sim, fake_time):
    order = shipped_order(sim)
    sim.inject_fault("OR28", "reset")
    with pytest.raises(errors.MiraklNetworkError) as caught:
        make_client(sim, fake_time).refund_order_lines(refund_of(order))
    assert (caught.value.kind, caught.value.retryable) == ("connection", False)
    # Mirakl did create the refund: a blind retry would have refunded twice.
    assert len(sim.get_order(order["order_id"])["order_lines"][0]["refunds"]) == 1
    assert len(sim.request_log("OR28")) == 1


def test_line_cancelation_is_never_resent_after_a_timeout(sim, fake_time):
    order = sim.create_order(lines=[{"offer_sku": "SKU-1", "quantity": 2, "price_unit": 10}])
    sim.inject_fault("OR30", "delay", seconds=1)
    client = make_client(sim, fake_time, timeout=(2, 0.2))
    with pytest.raises(errors.MiraklNetworkError) as caught:
        client.cancel_order_lines([{"order_line_id": order["order_lines"][0]["order_line_id"],
                                    "amount": 10, "shipping_amount": 0, "quantity": 1,
                                    "reason_code": "CAN_OUT_OF_STOCK"}])
    assert (caught.value.kind, caught.value.retryable) == ("timeout", False)
    assert len(sim.request_log("OR30")) == 1


def test_state_guarded_write_is_retried_and_reports_a_possible_earlier_success(sim, fake_time):
    order = sim.create_order(lines=[{"offer_sku": "SKU-1", "quantity": 1, "price_unit": 10}])
    line_id = order["order_lines"][0]["order_line_id"]
    sim.inject_fault("OR21", "reset")
    with pytest.raises(errors.MiraklValidationError) as caught:
        make_client(sim, fake_time).accept_order_lines(order["order_id"],
                                                       [{"id": line_id, "accepted": True}])
    # The first attempt was applied; the retry hit Mirakl's state guard instead of accepting
    # twice, and the error says so.
    assert caught.value.code == "ORDER_INVALID_STATE"
    assert "may have applied this change" in str(caught.value)
    assert sim.get_order(order["order_id"])["order_state"] == "WAITING_DEBIT_PAYMENT"
    assert len(sim.request_log("OR21")) == 2


def test_state_guarded_write_is_retried_after_a_server_error(sim, fake_time):
    order = sim.create_order(state="SHIPPING")
    sim.inject_fault("OR24", "503")
    make_client(sim, fake_time).mark_shipped(order["order_id"])
    assert sim.get_order(order["order_id"])["order_state"] == "SHIPPED"
    assert [entry["status"] for entry in sim.request_log("OR24")] == [503, 204]


def test_truncated_body_is_a_malformed_network_error_that_reads_retry(sim, fake_time):
    sim.inject_fault("A01", "truncated")
    assert make_client(sim, fake_time).get_account()["shop_id"] == sim.shop_id
    assert len(fake_time.sleeps) == 1
    sim.inject_fault("A01", "truncated", count=10)
    with pytest.raises(errors.MiraklNetworkError) as caught:
        make_client(sim, fake_time, max_retries=1).get_account()
    assert (caught.value.kind, caught.value.operation, caught.value.retryable) == \
        ("malformed", "A01", True)


def test_connection_reset_on_a_read_is_retried(sim, fake_time):
    sim.inject_fault("OR75", "reset")
    assert make_client(sim, fake_time).list_order_taxes()["taxes"]
    assert len(fake_time.sleeps) == 1


def test_read_timeout_is_a_timeout_network_error(sim, fake_time):
    sim.inject_fault("OR75", "delay", seconds=1, count=5)
    with pytest.raises(errors.MiraklNetworkError) as caught:
        make_client(sim, fake_time, timeout=(2, 0.1), max_retries=0).list_order_taxes()
    assert caught.value.kind == "timeout"


def test_refused_connection_is_retryable_even_for_unsafe_writes(fake_time):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = MiraklClient("http://127.0.0.1:%d" % port, "key", sleep=fake_time.sleep,
                          clock=fake_time.clock, governor=CallGovernor.unlimited(),
                          max_retries=2)
    with pytest.raises(errors.MiraklNetworkError) as caught:
        client.refund_order_lines([{"order_line_id": "L", "amount": 1, "shipping_amount": 0,
                                    "reason_code": "R"}])
    assert (caught.value.kind, caught.value.retryable) == ("connection", True)
    assert len(fake_time.sleeps) == 2  # never reached Mirakl, so re-sending was safe


def test_tls_failure_is_reported_as_tls(sim, fake_time):
    https_url = sim.base_url.replace("http://", "https://")  # the simulator speaks plain HTTP
    with pytest.raises(errors.MiraklNetworkError) as caught:
        make_client(sim, fake_time, base_url=https_url, max_retries=0).get_account()
    assert caught.value.kind == "tls"


def test_unknown_host_is_reported_as_dns(fake_time):
    client = MiraklClient("https://no-such-operator.invalid", "key", max_retries=0,
                          governor=CallGovernor.unlimited(), sleep=fake_time.sleep)
    with pytest.raises(errors.MiraklNetworkError) as caught:
        client.get_account()
    assert caught.value.kind == "dns"


def test_governor_holds_or11_to_once_a_minute_and_counts_a_listing_once(sim, fake_time):
    for _ in range(5):
        sim.create_order()
    client = make_client(sim, fake_time, governor=CallGovernor(clock=fake_time.clock))
    assert len(list(client.iter_orders(page_size=2))) == 5  # three pages, one governed call
    with pytest.raises(errors.MiraklRateLimitError) as caught:
        client.list_orders()
    assert caught.value.status is None and caught.value.retry_after == 60
    assert len(sim.request_log("OR11")) == 3
    fake_time.now += 60
    client.list_orders()
    assert len(sim.request_log("OR11")) == 4


def test_governor_may_wait_instead_of_raising(sim, fake_time):
    governor = CallGovernor(clock=fake_time.clock, max_wait=60)
    client = make_client(sim, fake_time, governor=governor)
    client.list_orders()
    fake_time.now += 20
    client.list_orders()
    assert fake_time.sleeps == [40]
    assert len(sim.request_log("OR11")) == 2


def test_a_call_that_never_reached_mirakl_does_not_use_the_quota(fake_time):
    governor = CallGovernor(clock=fake_time.clock)
    client = MiraklClient("http://127.0.0.1:9", "key", governor=governor, max_retries=0,
                          sleep=fake_time.sleep, clock=fake_time.clock)
    with pytest.raises(errors.MiraklNetworkError):
        client.get_account()
    assert governor.reserve("A01") == 0


SECRET_KEY = "sim-eur-0001"


def test_the_api_key_never_appears_in_errors_or_logs(sim, fake_time, caplog):
    caplog.set_level(logging.DEBUG)
    assert sim.api_key == SECRET_KEY
    client = make_client(sim, fake_time, max_retries=1)
    raised = []
    for operation, kind in (("A01", "503"), ("A01", "reset"), ("A01", "truncated"),
                            ("A01", "429")):
        sim.inject_fault(operation, kind, count=5, retry_after=1)
        try:
            client.get_account()
        except errors.MiraklError as error:
            raised.append(error)
        sim.clear_faults()
    try:
        client.mark_shipped("NO-SUCH-ORDER")
    except errors.MiraklError as error:
        raised.append(error)
    wrong_key = "wrong-" + SECRET_KEY
    try:
        make_client(sim, fake_time, api_key=wrong_key).get_account()
    except errors.MiraklError as error:
        raised.append(error)
    assert len(raised) == 6
    texts = [caplog.text, repr(client)]
    for error in raised:
        texts += [str(error), repr(error), "".join(traceback.format_exception(error))]
    for text in texts:
        assert SECRET_KEY not in text
    assert any("retry" in record.getMessage() for record in caplog.records)


def test_a_key_echoed_by_the_server_is_redacted():
    client = MiraklClient("http://127.0.0.1:9", "k3y-echoed")

    class Echo:
        status_code, reason, headers = 401, "Unauthorized", {}
        text = '{"message": "API key k3y-echoed is revoked"}'

    error = client._http_error("A01", Echo(), retry_safe=True)
    assert "k3y-echoed" not in str(error) and "<redacted>" in error.message


def test_looking_up_given_orders_is_not_held_to_the_polling_limit(sim, fake_time):
    orders = [sim.create_order()["order_id"] for _ in range(3)]
    client = make_client(sim, fake_time, governor=CallGovernor(clock=fake_time.clock))
    client.list_orders()  # the minute's poll
    for order_id in orders:  # e.g. a user re-importing orders one chunk at a time
        assert [o["order_id"] for o in client.iter_orders(order_ids=[order_id])] == [order_id]
    with pytest.raises(errors.MiraklRateLimitError):
        client.list_orders(order_state_codes=["SHIPPING"])
