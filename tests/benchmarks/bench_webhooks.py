"""Webhook intake under load and abuse, against one Odoo worker over real HTTP.

    <odoo>/.venv/bin/python tests/benchmarks/bench_webhooks.py <odoo source> [--valid N]
        [--fuzz N] [--db NAME] [--keep] [--db-host 127.0.0.1] [--db-user odoo]

It installs the two addons in a new database, sets up three shops (webhooks on with a secret,
a second one with another secret, one with webhooks off), starts odoo-bin with --workers=1
and then, from this process:
1. posts N signed events with distinct event ids, one after the other on a kept-alive
   connection, and prints requests per second and p50/p99 latency of the intake;
2. posts the fuzz run: forged signatures (random, wrong secret, another body's, missing,
   other scheme), malformed bodies (signed but not JSON, not UTF-8, not an object),
   oversized bodies, replays of the valid events, and events for the wrong shop (signed for
   another shop, webhooks off, unknown shop);
3. counts what the database holds: every valid event exactly once, replays only counted.
It ends with the line
``webhooks: <req/s> req/s, p99 <ms> ms, forged accepted <n>, http 500 <n>, valid stored once
<yes|no>``. It prints figures; it asserts nothing about speed.
"""

import argparse
import hashlib
import hmac
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

from odoo_harness import add_database_arguments, bootstrap, install, odoo_args

SECRET = "bench-secret-a"
OTHER_SECRET = "bench-secret-b"
OVERSIZED = 300 * 1024


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("odoo", type=Path, help="Odoo source directory (with odoo-bin)")
    parser.add_argument("--valid", type=int, default=2000, help="signed events to time")
    parser.add_argument("--fuzz", type=int, default=10000, help="abusive requests")
    add_database_arguments(parser)
    return parser.parse_args()








def setup_shops(env):
    def shop(name, **values):
        return env["mk.instance"].create(dict({
            "name": name, "base_url": "https://bench.invalid", "api_key": "unused",
        }, **values)).id

    return {
        "main": shop("Webhook shop", webhook_enabled=True, webhook_secret=SECRET),
        "other": shop("Other shop", webhook_enabled=True, webhook_secret=OTHER_SECRET),
        "off": shop("Shop without webhooks", webhook_secret=SECRET),
    }


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(args, db, port):
    command = [sys.executable, str(args.odoo / "odoo-bin"), *odoo_args(args, db),
               "--workers=1", "--max-cron-threads=0", "--http-port", str(port),
               "--http-interface", "127.0.0.1", "--db-filter", "^%s$" % db,
               "--log-level", "warn", "--limit-time-real", "600"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if Client(port).post("/mirakl/webhook/0", b"{}", {})[0] == 404:
                return server
        except OSError:
            pass
        time.sleep(0.5)
    server.terminate()
    raise SystemExit("odoo-bin did not answer on port %s" % port)


class Client:
    """One kept-alive connection, opened again when the server closes it."""

    def __init__(self, port):
        self.port = port
        self.conn = None

    def post(self, path, body, headers):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request("POST", path, body=body,
                                  headers=dict({"Content-Type": "application/json"}, **headers))
                response = self.conn.getresponse()
                text = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return response.status, text
            except (http.client.RemoteDisconnected, ConnectionError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def sign(secret, body):
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def valid_event(number):
    return json.dumps({
        "event_type": random.choice(["ORDER_CREATED", "ORDER_STATE_CHANGED", "MESSAGE_RECEIVED"]),
        "event_id": str(uuid.uuid4()), "order_id": "BENCH-%06d-A" % number,
    }).encode()


def fuzz_requests(count, shops, valid_bodies):
    """(category, path, body, headers) for the abuse run, in a shuffled order."""
    main, other, off = ("/mirakl/webhook/%s" % shops[k] for k in ("main", "other", "off"))
    rng = random.Random(7)
    made = []
    for number in range(count):
        body = valid_event(10 ** 6 + number)
        kind = number % 20
        if kind < 8:  # forged
            header = rng.choice(["X-Mirakl-Signature", "X-Hub-Signature-256"])
            forged = [
                {header: "%064x" % rng.getrandbits(256)},
                {header: sign("guessed-secret", body)},
                {header: "sha256=" + sign(SECRET, body + b" ")},
                {header: sign(SECRET, valid_bodies[number % len(valid_bodies)])},
                {},
                {header: "md5=" + hashlib.md5(body).hexdigest()},  # noqa: S324 - forged on purpose
                {header: "sha256=" + sign(SECRET, body)[:-2]},
            ][number % 7]
            made.append(("forged", main, body, forged))
        elif kind < 12:  # malformed, correctly signed
            bad = [b"{not json", b"\xff\xfe\x00", b"[1, 2]", b'"text"', b"", b"{" * 5000,
                   b'{"event_type": "ORDER_CREATED", "order_id": '][number % 7]
            made.append(("malformed", main, bad, {"X-Mirakl-Signature": sign(SECRET, bad)}))
        elif kind < 13:  # oversized, correctly signed
            big = b'{"pad": "' + b"x" * OVERSIZED + b'"}'
            made.append(("oversized", main, big, {"X-Mirakl-Signature": sign(SECRET, big)}))
        elif kind < 17:  # replays of stored events
            replay = valid_bodies[rng.randrange(len(valid_bodies))]
            made.append(("replayed", main, replay, {"X-Mirakl-Signature": sign(SECRET, replay)}))
        else:  # wrong shop
            target = [(other, SECRET), (off, SECRET), ("/mirakl/webhook/987654321", SECRET)][
                number % 3]
            made.append(("wrong-shop", target[0], body,
                         {"X-Mirakl-Signature": sign(target[1], body)}))
    rng.shuffle(made)
    return made


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main():
    args = parse_args()
    series = "19" if (args.odoo / "odoo" / "orm").is_dir() else args.odoo.name.split(".")[0]
    db = args.db or "wh_bench_%s_%d" % (series, os.getpid())
    install(args, db)
    odoo, registry = bootstrap(args, db)
    from odoo import SUPERUSER_ID, api

    server = None
    try:
        with registry.cursor() as cr:
            shops = setup_shops(api.Environment(cr, SUPERUSER_ID, {}))
            cr.commit()
        port = free_port()
        server = start_server(args, db, port)
        client = Client(port)
        path = "/mirakl/webhook/%s" % shops["main"]

        valid_bodies, latencies, statuses = [], [], {}
        for number in range(50):  # warm-up: the worker loads the registry and its caches
            client.post(path, valid_event(-number - 1), {"X-Mirakl-Signature": "0" * 64})
        started = time.perf_counter()
        for number in range(args.valid):
            body = valid_event(number)
            before = time.perf_counter()
            status, _text = client.post(path, body, {"X-Mirakl-Signature": sign(SECRET, body)})
            latencies.append(time.perf_counter() - before)
            statuses[status] = statuses.get(status, 0) + 1
            if status == 200:
                valid_bodies.append(body)
        elapsed = time.perf_counter() - started
        rate = args.valid / elapsed
        p50, p99 = percentile(latencies, 0.50) * 1000, percentile(latencies, 0.99) * 1000
        print("intake: %d signed events in %.1f s: %.0f req/s, p50 %.1f ms, p99 %.1f ms, "
              "answers %s" % (args.valid, elapsed, rate, p50, p99, statuses))

        accepted, errors_500, by_category, replays_stored = 0, 0, {}, 0
        fuzz_started = time.perf_counter()
        for category, target, body, headers in fuzz_requests(args.fuzz, shops, valid_bodies):
            if category == "oversized":
                client.close()  # the server may answer before reading such a body
            status, text = client.post(target, body, headers)
            if category == "oversized":
                client.close()
            counts = by_category.setdefault(category, {})
            counts[status] = counts.get(status, 0) + 1
            if status >= 500:
                errors_500 += 1
            if status == 200 and category != "replayed":
                accepted += 1
            if category == "replayed" and status == 200 and b'"stored"' in text:
                replays_stored += 1
        print("fuzz: %d requests in %.1f s; answers by kind: %s" % (
            args.fuzz, time.perf_counter() - fuzz_started,
            "; ".join("%s %s" % (k, dict(sorted(v.items()))) for k, v in sorted(
                by_category.items()))))

        with registry.cursor() as cr:
            cr.execute("SELECT instance_id, count(*), count(DISTINCT fingerprint), "
                       "sum(duplicate_count) FROM mk_webhook_event GROUP BY instance_id")
            stored = {row[0]: row[1:] for row in cr.fetchall()}
        main_rows = stored.get(shops["main"], (0, 0, 0))
        replays_sent = sum(by_category.get("replayed", {}).values())
        once = (
            main_rows[0] == main_rows[1] == len(valid_bodies) == args.valid
            and set(stored) == {shops["main"]}
            and main_rows[2] == replays_sent and replays_stored == 0
        )
        print("database: %d events stored for %d valid sent, %d resends counted of %d sent, "
              "other shops %d" % (main_rows[0], len(valid_bodies), main_rows[2] or 0,
                                  replays_sent, sum(v[0] for k, v in stored.items()
                                                    if k != shops["main"])))
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        if not args.keep:
            odoo.sql_db.close_all()
            subprocess.run(["dropdb", "-h", args.db_host, "-U", args.db_user, "--if-exists", db],
                           check=False)

    print("webhooks: %.0f req/s, p99 %.1f ms, forged accepted %d, http 500 %d, "
          "valid stored once %s" % (rate, p99, accepted, errors_500, "yes" if once else "no"))


if __name__ == "__main__":
    main()
