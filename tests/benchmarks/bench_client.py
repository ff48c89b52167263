"""Figures for the core client: calls per second it sustains against the simulator (rate limits
off, simulator in its own process), and the peak memory of writing 100,000 offer rows.

    .venv/bin/python tests/benchmarks/bench_client.py [--calls 500] [--rows 100000]

Prints figures; asserts nothing (speed is never a pass/fail test here).
"""

import argparse
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO / "mirakl_connector"), str(REPO / "devtools")]

from mirakl.client import MiraklClient  # noqa: E402
from mirakl.csv_files import OfferCsvWriter  # noqa: E402
from mirakl.governor import CallGovernor  # noqa: E402
from mirakl_simulator.testing import SimulatorClient  # noqa: E402


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_simulator():
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(REPO / "devtools"))
    process = subprocess.Popen(
        [sys.executable, "-m", "mirakl_simulator", "--port", str(port), "--no-rate-limits"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    banner = process.stdout.readline()  # printed once the socket is listening
    if "Mirakl simulator on" not in banner:
        process.kill()
        raise SystemExit("simulator did not start: %r" % banner)
    return process, "http://127.0.0.1:%d" % port


def measure_calls(base_url, calls):
    control = SimulatorClient(base_url)
    for _ in range(20):
        control.create_order()
    client = MiraklClient(base_url, control.api_key, governor=CallGovernor.unlimited())
    client.get_account()  # open the keep-alive connection before timing
    figures = {}
    for label, call in (("A01 get_account", client.get_account),
                        ("OR11 list_orders (20 orders, one page)", client.list_orders)):
        started = time.perf_counter()
        for _ in range(calls):
            call()
        elapsed = time.perf_counter() - started
        figures[label] = calls / elapsed
    return figures


OFFER_COLUMNS = ("sku", "product-id", "product-id-type", "description", "price", "quantity",
                 "state", "leadtime-to-ship", "update-delete")


def write_offer_file(rows, target):
    with OfferCsvWriter(columns=OFFER_COLUMNS, fileobj=target) as writer:
        for index in range(rows):
            writer.write_row({
                "sku": "SKU-%06d" % index, "product-id": "%013d" % index,
                "product-id-type": "EAN", "description": "Offer number %d" % index,
                "price": Decimal(index % 10000) / 100 + 1, "quantity": index % 50,
                "state": "11", "leadtime-to-ship": 2, "update-delete": "update"})
    return target.seek(0, os.SEEK_END)


def measure_offer_file(rows):
    """Speed and ru_maxrss on a plain run; then the Python heap peak under tracemalloc (which
    slows writing several-fold, so it is not timed)."""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with tempfile.TemporaryFile() as target:
        size = write_offer_file(rows, target)
    elapsed = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    with tempfile.TemporaryFile() as target:
        write_offer_file(rows, target)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"rows": rows, "seconds": elapsed, "file_bytes": size, "tracemalloc_peak": peak,
            "maxrss_growth_kib": rss_after - rss_before,
            "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--rows", type=int, default=100_000)
    options = parser.parse_args()

    process, base_url = start_simulator()
    try:
        calls = measure_calls(base_url, options.calls)
    finally:
        process.terminate()
        process.wait(timeout=10)
    print("Client against the simulator (separate process, rate limits off, %d calls each):"
          % options.calls)
    for label, rate in calls.items():
        print("  %-42s %8.1f calls/s" % (label, rate))

    offers = measure_offer_file(options.rows)
    print("OF01 offer file, %(rows)d rows:" % offers)
    print("  written in                                 %8.2f s (%.0f rows/s)"
          % (offers["seconds"], offers["rows"] / offers["seconds"]))
    print("  file size                                  %8.1f MiB"
          % (offers["file_bytes"] / 2**20))
    print("  tracemalloc peak while writing             %8.1f KiB"
          % (offers["tracemalloc_peak"] / 1024))
    print("  ru_maxrss growth while writing             %8d KiB (process peak %d KiB)"
          % (offers["maxrss_growth_kib"], offers["maxrss_kib"]))


if __name__ == "__main__":
    main()
