"""python -m mirakl_simulator [--port 8900] [--seed] [--no-rate-limits] [--validate]"""

import argparse

from .app import Simulator
from .server import SimulatorServer


def main(argv=None):
    parser = argparse.ArgumentParser(prog="mirakl_simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--seed", action="store_true", help="fill the shops with realistic data")
    parser.add_argument("--no-rate-limits", dest="rate_limits", action="store_false")
    parser.add_argument(
        "--validate", action="store_true", help="check traffic against the spec (needs jsonschema)"
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    options = parser.parse_args(argv)
    simulator = Simulator(
        seed=options.seed, rate_limits=options.rate_limits, validate=options.validate, realtime=True
    )
    server = SimulatorServer(simulator, options.host, options.port, verbose=options.verbose)
    print("Mirakl simulator on %s" % simulator.base_url, flush=True)
    for shop in simulator.shops.values():
        print(
            "  shop %d (%s, %s): Authorization: %s"
            % (shop.shop_id, shop.name, shop.currency, shop.api_key)
        )
    multi = next(key for key, ids in simulator.keys.items() if len(ids) > 1)
    print("  key for every shop (pass shop_id): %s" % multi)
    print(
        "  control API under %s/_sim/ ; rate limits %s"
        % (simulator.base_url, "on" if options.rate_limits else "off"),
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
