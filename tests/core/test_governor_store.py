"""The governor's budget store: governors over one store share one budget, Mirakl's 429 pauses an
operation for all of them, and a call that never reached Mirakl gives back only its own slot.
The addon runs the same contract over the database (mirakl_connector/tests/test_call_budget.py)."""

import threading

import pytest
from mirakl import errors
from mirakl.client import MiraklClient
from mirakl.governor import CallGovernor, MemoryBudgetStore
from mirakl_simulator.testing import running_simulator


class FakeTime:
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_governors_over_one_store_share_the_limit():
    time = FakeTime()
    store = MemoryBudgetStore(time.clock)
    first, second = (CallGovernor(clock=time.clock, store=store) for _ in range(2))
    assert first.reserve("OR11") == 0
    assert second.reserve("OR11") == 60
    time.now += 60
    assert second.reserve("OR11") == 0
    # a governor with its own store keeps its own budget
    assert CallGovernor(clock=time.clock).reserve("OR11") == 0


def test_each_governor_keeps_its_own_overrides_over_a_shared_store():
    time = FakeTime()
    store = MemoryBudgetStore(time.clock)
    relaxed = CallGovernor(clock=time.clock, store=store, overrides={"A01": ((3, 60),)})
    strict = CallGovernor(clock=time.clock, store=store)
    assert [relaxed.reserve("A01") for _ in range(4)] == [0, 0, 0, 60]
    assert strict.reserve("A01") == 86400  # the three calls count against the spec's one a day


def test_a_pause_holds_the_operation_for_every_governor_and_every_variant():
    time = FakeTime()
    store = MemoryBudgetStore(time.clock)
    first = CallGovernor(clock=time.clock, store=store)
    unlimited = CallGovernor(limits={}, clock=time.clock, store=store)
    first.pause("OF01:with_products", 30)
    assert first.reserve_explained("OF01") == (30, True)
    assert unlimited.reserve_explained("OF01:with_products") == (30, True)
    assert unlimited.reserve("OR11") == 0  # other operations go on
    first.pause("OF01", 10)  # a shorter pause never shortens a longer one
    time.now += 30
    assert first.reserve_explained("OF01") == (0, False)
    assert unlimited.reserve("OF01") == 0


def test_release_gives_back_only_the_releasing_governors_call():
    time = FakeTime()
    store = MemoryBudgetStore(time.clock)
    limit = {"A01": ((2, 60),)}
    first, second = (CallGovernor(limits=limit, clock=time.clock, store=store) for _ in range(2))
    assert first.reserve("A01") == 0
    time.now += 10
    assert second.reserve("A01") == 0
    first.release("A01")  # first's call (at 1000) never reached Mirakl
    first.release("A01")  # nothing more of first's to give back
    assert first.reserve("A01") == 0
    # both calls now date from 1010: had release dropped second's call, the one at 1000 would
    # free a slot 10 s earlier
    assert second.reserve("A01") == pytest.approx(60)


def test_threads_sharing_a_store_never_exceed_the_limit():
    store = MemoryBudgetStore()
    limit = {"OR11": ((5, 3600),)}
    granted = []
    start = threading.Barrier(4)

    def worker():
        governor = CallGovernor(limits=limit, store=store)
        start.wait()
        granted.extend(1 for _ in range(50) if governor.reserve("OR11") == 0)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(granted) == 5


@pytest.fixture(scope="module")
def sim():
    with running_simulator(seed=False, rate_limits=False) as simulator:
        yield simulator


def test_a_429_pauses_the_operation_for_another_client_of_the_store(sim):
    sim.clear_faults()
    time = FakeTime()
    store = MemoryBudgetStore(time.clock)

    def client():
        return MiraklClient(sim.base_url, sim.api_key, max_retries=0, sleep=time.sleep,
                            clock=time.clock,
                            governor=CallGovernor(limits={}, clock=time.clock, store=store))

    sim.inject_fault("A01", "429", count=1, retry_after=45)
    with pytest.raises(errors.MiraklRateLimitError) as caught:
        client().get_account()
    assert caught.value.status == 429
    calls = len(sim.request_log("A01"))
    with pytest.raises(errors.MiraklRateLimitError) as held:
        client().get_account()
    assert held.value.status is None and held.value.retry_after == 45
    assert "asked to pause A01" in str(held.value)
    assert len(sim.request_log("A01")) == calls  # held back without calling Mirakl
    time.now += 45
    assert client().get_account()["shop_id"]
