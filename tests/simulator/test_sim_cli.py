"""`python -m mirakl_simulator` starts a seeded simulator and says where and with which keys."""

import os
import subprocess
import sys
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]


def test_command_line_start_prints_url_and_keys_and_serves_the_seed():
    env = dict(os.environ, PYTHONPATH=str(REPO / "devtools"))
    process = subprocess.Popen(
        [sys.executable, "-m", "mirakl_simulator", "--port", "0", "--seed", "--no-rate-limits"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        banner = [process.stdout.readline() for _ in range(5)]
        base_url = banner[0].split()[-1]
        keys = [line.split()[-1] for line in banner[1:3]]
        assert base_url.startswith("http://127.0.0.1:")
        assert keys == ["sim-eur-0001", "sim-usd-0002"]
        assert "sim-multi-0003" in banner[3]
        answer = requests.get(
            base_url + "/api/orders", headers={"Authorization": keys[1]}, timeout=10
        )
        assert answer.json()["total_count"] == 26
        assert answer.json()["orders"][0]["currency_iso_code"] == "USD"
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
