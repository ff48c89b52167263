"""Each test gets its own simulator on a free port, driven over real HTTP on 127.0.0.1."""

import pytest
from mirakl_simulator.testing import running_simulator
from simulator_helpers import SellerApi


@pytest.fixture
def sim():
    with running_simulator(seed=False, rate_limits=False) as simulator:
        yield simulator


@pytest.fixture
def api(sim):
    return SellerApi(sim)
