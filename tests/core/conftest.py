"""Fixtures shared by the client tests: one simulator per module, reset before each test, and
a client without call budget or real sleeps. Where Mirakl's spec is on this machine the
simulator checks all traffic against it, and a test that sent or received anything outside
the spec fails; where it is absent the tests still run, without that check (the header says
so)."""

import pytest
from mirakl.client import MiraklClient
from mirakl.governor import CallGovernor
from mirakl_simulator.spec import spec_path
from mirakl_simulator.testing import running_simulator


def pytest_report_header(config):
    if spec_path().exists():
        return "Mirakl spec: %s (client traffic is checked against it)" % spec_path()
    return ("Mirakl spec: not found at %s; client tests run WITHOUT spec checks "
            "(set MIRAKL_OPENAPI_SPEC)" % spec_path())


@pytest.fixture(scope="session")
def validate_traffic():
    return spec_path().exists()


@pytest.fixture(scope="module")
def simulator(validate_traffic):
    with running_simulator(seed=False, rate_limits=False, validate=validate_traffic) as sim:
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
