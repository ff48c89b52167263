"""Order import throughput: 1,000 Mirakl orders from the simulator into a fresh database.

    <odoo>/.venv/bin/python tests/benchmarks/bench_order_import.py <odoo source> [--orders N]
        [--rounding round_per_line|round_globally] [--tax-mode TAX_INCLUDED|TAX_EXCLUDED]
        [--db NAME] [--keep] [--db-host 127.0.0.1] [--db-user odoo]

It installs the two addons in a new database (odoo-bin -i), then, in this process:
1. fills an in-process simulator with N orders of 2–3 lines (taxes, two taxes on some lines,
   a line or basket promotion, shipping), sets the company's tax rounding (default: what
   Odoo gives a new company on that series) and asks OR11 in the given tax mode;
2. polls them the way the cron does (OR11 → one mk.job per order) and runs the queue, one
   transaction per order as in production; prints orders per second and HTTP calls per 100
   orders;
3. measures a floor in the same run: the same sale orders created directly with the ORM from
   already-prepared values (one transaction per order too), and prints the ratio.
The database is dropped at the end unless --keep is given. It prints figures; it asserts
nothing about speed.
"""

import argparse
import os
import random
import subprocess
import time
from pathlib import Path

from odoo_harness import add_database_arguments, bootstrap, install


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("odoo", type=Path, help="Odoo source directory (with odoo-bin)")
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--rounding", choices=("round_per_line", "round_globally"),
                        help="company tax rounding (default: the series' new-company default)")
    parser.add_argument("--tax-mode", choices=("TAX_INCLUDED", "TAX_EXCLUDED"),
                        default="TAX_INCLUDED", help="order_tax_mode asked of OR11")
    add_database_arguments(parser)
    return parser.parse_args()








def fill_simulator(sim, count):
    rng = random.Random(42)
    shop = sim.simulator.shop_for(sim.shop("EUR")["shop_id"])
    for number in range(count):
        lines = []
        for index in range(rng.choice((2, 3))):
            line = {
                "offer_sku": "BENCH-%03d" % rng.randrange(50),
                "quantity": rng.randint(1, 4),
                "price_unit": round(rng.uniform(3, 120), 2),
                # one line in three: two taxes, each rounded by Mirakl
                "taxes": [{"code": "TVA-5.5", "rate": 5.5}, {"code": "ECO", "rate": 1}]
                if index == 2 else [{"code": "TVA-20", "rate": 20}],
                "shipping_price": 2.5 if index == 0 else 0,
                "shipping_taxes": [{"code": "TVA-20", "rate": 20}] if index == 0 else [],
            }
            if number % 4 == 0 and index == 0:
                line["promotions"] = [{"deduced_amount": 1.5, "type": "AMOUNT_OFF"}]
            lines.append(line)
        spec = {"state": "WAITING_ACCEPTANCE", "lines": lines}
        if number % 4 == 2:  # apportioned into the line prices, listed at order level only
            spec["basket_promotions"] = [{"deduced_amount": 2.35}]
        sim.simulator.create_order(shop, spec)


def setup_shop(env, sim, args):
    shop = sim.shop("EUR")
    env.ref("base.EUR").active = True
    env.company.tax_calculation_rounding_method = args.rounding
    for number in range(50):
        env["product.product"].create({
            "name": "Bench %03d" % number, "default_code": "BENCH-%03d" % number,
            "list_price": 10.0, "taxes_id": [],
        })
    return env["mk.instance"].create({
        "name": "Benchmark shop", "base_url": sim.base_url, "api_key": shop["api_key"],
        "shop_id": str(shop["shop_id"]), "order_states_to_import": "WAITING_ACCEPTANCE",
        "order_tax_mode": args.tax_mode, "order_tax_source": "marketplace",
        "order_create_taxes": True,
    })


def prepared_values(env, orders):
    from odoo import Command

    from odoo.addons.mirakl_connector.compat import sale_line_tax_field, sale_line_uom_field

    tax_field, uom_field = sale_line_tax_field(env), sale_line_uom_field(env)
    values = []
    for order in orders:
        values.append({
            "partner_id": order.partner_id.id,
            "partner_invoice_id": order.partner_invoice_id.id,
            "partner_shipping_id": order.partner_shipping_id.id,
            "pricelist_id": order.pricelist_id.id,
            "fiscal_position_id": order.fiscal_position_id.id,
            "carrier_id": order.carrier_id.id,
            "client_order_ref": order.client_order_ref,
            "order_line": [Command.create({
                "product_id": line.product_id.id,
                "name": line.name,
                "product_uom_qty": line.product_uom_qty,
                uom_field: line[uom_field].id,
                "price_unit": line.price_unit,
                "discount": line.discount,
                tax_field: [Command.set(line[tax_field].ids)],
                "is_delivery": line.is_delivery,
            }) for line in order.order_line],
        })
    return values


def main():
    args = parse_args()
    series = "19" if (args.odoo / "odoo" / "orm").is_dir() else args.odoo.name.split(".")[0]
    db = args.db or "ord_bench_%s_%d" % (series, os.getpid())
    # what Odoo gives a new company: global rounding from 19.0 on, per line before
    args.rounding = args.rounding or ("round_globally" if series == "19" else "round_per_line")
    install(args, db)
    odoo, registry = bootstrap(args, db)
    from mirakl_simulator.testing import running_simulator

    from odoo import SUPERUSER_ID, api

    try:
        with running_simulator(seed=False, rate_limits=False) as sim:
            fill_simulator(sim, args.orders)
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                instance_id = setup_shop(env, sim, args).id
                cr.commit()
            sim.clear_request_log()

            started = time.perf_counter()
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["mk.order.importer"]._enqueue_orders(env["mk.instance"].browse(instance_id))
                cr.commit()
                env["mk.job"]._run_pending(limit=args.orders * 2)
                cr.commit()
            elapsed = time.perf_counter() - started
            calls = len(sim.request_log())

            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                orders = env["sale.order"].search([("mk_instance_id", "=", instance_id)])
                failed = env["mk.job"].search_count([("state", "=", "failed")])
                mismatched = len(orders.filtered("mk_total_mismatch"))
                values = prepared_values(env, orders)
                cr.commit()
                floor_started = time.perf_counter()
                for vals in values:
                    env["sale.order"].create(vals)
                    cr.commit()
                floor = time.perf_counter() - floor_started
    finally:
        if not args.keep:
            odoo.sql_db.close_all()
            subprocess.run(["dropdb", "-h", args.db_host, "-U", args.db_user, "--if-exists", db],
                           check=False)

    imported = len(orders)
    print("Odoo %s, %s, %s: %d orders asked, %d imported, %d failed jobs, %d total mismatches"
          % (series, args.rounding, args.tax_mode, args.orders, imported, failed, mismatched))
    print("import:  %.1f s, %.1f orders/s, %.1f HTTP calls per 100 orders"
          % (elapsed, imported / elapsed, calls * 100.0 / max(imported, 1)))
    print("floor:   %.1f s, %.1f orders/s (ORM create from prepared values)"
          % (floor, imported / floor))
    print("ratio:   import takes %.2fx the floor" % (elapsed / floor))


if __name__ == "__main__":
    main()
