"""Fixtures shared by the client tests: one spec-validating simulator per module, reset before
each test, and a client without call budget or real sleeps. A test that made the simulator see
traffic outside Mirakl's spec fails."""

import pytest
from mirakl.client import MiraklClient
from mirakl.governor import CallGovernor
from mirakl_simulator.testing import running_simulator


@pytest.fixture(scope="module")
def simulator():
    with running_simulator(seed=False, rate_limits=False, validate=True) as sim:
        yield sim


@pytest.fixture
def sim(simulator):
    simulator.reset()
    yield simulator
    assert simulator.violations() == []


@pytest.fixture
def client(sim):
    return MiraklClient(sim.base_url, sim.api_key, governor=CallGovernor.unlimited(),
                        sleep=lambda seconds: None)
