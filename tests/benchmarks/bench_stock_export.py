"""Stock export at scale: the STO01 file for 100,000 bound products, then a delta.

    <odoo>/.venv/bin/python tests/benchmarks/bench_stock_export.py <odoo source> [--offers N]
        [--db NAME] [--keep] [--db-host 127.0.0.1] [--db-user odoo]

It installs the two addons in a new database (odoo-bin -i), then, in this process:
1. creates N storable products with stock and N offer bindings (one product made with the
   ORM, the others copied from it in SQL, so that setting up stays quick), and N offers on an
   in-process simulator;
2. runs the shop's stock export once (a full export: every offer) and prints its time, the
   peak memory Python allocated while building and sending the file (tracemalloc) and the
   SQL queries it ran;
3. lets the simulator finish the import, changes the stock of 1 % of the products with real
   inventory adjustments (stock moves), and runs the export again: it prints the rows sent.
The last two lines read ``stock export: <s> s, <MB> MB peak, <queries> queries`` and
``delta after 1% change: <rows> rows``. The database is dropped unless --keep is given; an
existing --db is reused, not installed again.
It prints figures; it asserts nothing about speed.
"""

import argparse
import os
import subprocess
import time
import tracemalloc
from pathlib import Path

from odoo_harness import add_database_arguments, bootstrap, install


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("odoo", type=Path, help="Odoo source directory (with odoo-bin)")
    parser.add_argument("--offers", type=int, default=100000)
    add_database_arguments(parser)
    return parser.parse_args()










def _columns(cr, table, without):
    cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s",
               [table])
    return [name for (name,) in cr.fetchall() if name not in without]


def clone_products(env, count):
    """``count`` storable products with 1..50 units on hand: one from the ORM, the rest
    copied row by row in SQL (templates, variants and quants)."""
    from odoo.addons.mirakl_connector.compat import storable_product_vals

    cr = env.cr
    model = env["product.product"].create(dict(
        {"name": "Bench product", "default_code": "BENCH"}, **storable_product_vals(env)))
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    env["stock.quant"]._update_available_quantity(model, warehouse.lot_stock_id, 1)
    env.flush_all()
    template_cols = _columns(cr, "product_template", {"id"})
    cr.execute(
        "INSERT INTO product_template (%(cols)s) SELECT %(cols)s FROM product_template, "
        "generate_series(2, %%s) WHERE id = %%s RETURNING id"
        % {"cols": ", ".join('"%s"' % c for c in template_cols)},
        [count, model.product_tmpl_id.id])
    templates = [model.product_tmpl_id.id] + sorted(row[0] for row in cr.fetchall())
    variant_cols = _columns(cr, "product_product", {"id", "product_tmpl_id", "default_code",
                                                    "barcode"})
    cr.execute(
        "INSERT INTO product_product (product_tmpl_id, default_code, %(cols)s) "
        "SELECT t.id, 'BENCH-' || t.id, %(pcols)s FROM product_product p, "
        "unnest(%%s::int[]) AS t(id) WHERE p.id = %%s"
        % {"cols": ", ".join('"%s"' % c for c in variant_cols),
           "pcols": ", ".join('p."%s"' % c for c in variant_cols)},
        [templates[1:], model.id])
    cr.execute("SELECT id FROM product_product WHERE product_tmpl_id = ANY(%s) ORDER BY id",
               [templates])
    products = [row[0] for row in cr.fetchall()]
    quant_cols = _columns(cr, "stock_quant", {"id", "product_id", "quantity"})
    cr.execute(
        "INSERT INTO stock_quant (product_id, quantity, %(cols)s) "
        "SELECT v.id, 1 + mod(v.id, 50), %(qcols)s FROM stock_quant q, unnest(%%s::int[]) AS v(id) "
        "WHERE q.product_id = %%s"
        % {"cols": ", ".join('"%s"' % c for c in quant_cols),
           "qcols": ", ".join('q."%s"' % c for c in quant_cols)},
        [products[1:], model.id])
    cr.execute("UPDATE stock_quant SET quantity = 1 + mod(product_id, 50) WHERE product_id = %s",
               [model.id])
    env.invalidate_all()
    return products, warehouse


def setup_shop(env, sim, products, warehouse):
    shop = sim.shop("EUR")
    instance = env["mk.instance"].create({
        "name": "Benchmark shop", "base_url": sim.base_url, "api_key": shop["api_key"],
        "shop_id": str(shop["shop_id"]), "warehouse_id": warehouse.id,
        "call_limit_overrides": "* = off",
    })
    env.flush_all()
    env.cr.execute(
        "INSERT INTO mk_offer_binding (instance_id, company_id, offer_sku, product_id, "
        "pack_factor, active, stock_due) "
        "SELECT %s, %s, 'SKU-' || p.id, p.id, 1, true, true FROM unnest(%s::int[]) AS p(id)",
        [instance.id, instance.company_id.id, products])
    return instance


def reuse_shop(env, sim):
    """The shop of an earlier run of this script (--db kept): every offer unsent again."""
    instance = env["mk.instance"].search([("name", "=", "Benchmark shop")], limit=1)
    if not instance:
        return None, None, None
    shop = sim.shop("EUR")
    instance.write({"base_url": sim.base_url, "api_key": shop["api_key"],
                    "stock_last_full_export": False})
    env["mk.offer.import"].search([("instance_id", "=", instance.id)]).unlink()
    env.flush_all()
    env.cr.execute("UPDATE mk_offer_binding SET stock_due = true, stock_exported_at = NULL, "
                   "stock_import_id = NULL, stock_error = NULL WHERE instance_id = %s "
                   "RETURNING product_id", [instance.id])
    products = sorted(row[0] for row in env.cr.fetchall())
    env.invalidate_all()
    return instance, products, instance.warehouse_id


def fill_simulator(sim, products):
    from mirakl_simulator import seed

    sim_shop = sim.simulator.shop_for(sim.shop("EUR")["shop_id"])
    for product_id in products:
        sku = "SKU-%d" % product_id
        sim.simulator.add_product("P-" + sku, sku)
        seed.add_offer(sim.simulator, sim_shop, sku, "P-" + sku, "10.00", 0)


def count_queries(cr):
    """A counter of the SQL statements run on ``cr`` (wraps its execute)."""
    counter = {"queries": 0}
    execute = cr.execute

    def counting(query, params=None, log_exceptions=True):
        counter["queries"] += 1
        return execute(query, params, log_exceptions)

    cr.execute = counting
    return counter, lambda: setattr(cr, "execute", execute)


def run_export(env, instance, full):
    log = env["mk.sync.log"]._start(instance, "stock")
    client = instance._get_client()
    return env["mk.offer.stock.export"]._export(instance, client, log, full=full)


def finish(sim, instance, offer_import):
    """The simulator completes the import; the connector reads its outcome."""
    sim.move_clock(seconds=60)
    offer_import._poll(instance._get_client(), force=True)
    return offer_import.state


def main():
    args = parse_args()
    series = "19" if (args.odoo / "odoo" / "orm").is_dir() else args.odoo.name.split(".")[0]
    db = args.db or "stock_bench_%s_%d" % (series, os.getpid())
    install(args, db)
    odoo, registry = bootstrap(args, db)
    from mirakl_simulator.testing import running_simulator

    from odoo import SUPERUSER_ID, api

    try:
        with running_simulator(seed=False, rate_limits=False) as sim:
            started = time.perf_counter()
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                instance, products, warehouse = reuse_shop(env, sim)
                if instance is None:
                    products, warehouse = clone_products(env, args.offers)
                    instance = setup_shop(env, sim, products, warehouse)
                instance_id, warehouse_id = instance.id, warehouse.id
                fill_simulator(sim, products)
                cr.commit()
            print("setup: %d products, bindings and offers in %.0f s"
                  % (len(products), time.perf_counter() - started))

            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                instance = env["mk.instance"].browse(instance_id)
                instance._get_client()  # the licence check and client set-up are not the file
                counter, restore = count_queries(cr)
                started, cpu_started = time.perf_counter(), time.process_time()
                offer_import = run_export(env, instance, full=True)
                elapsed = time.perf_counter() - started
                # this process's CPU (the in-process simulator reading the file included):
                # on a busy machine the wall time above also counts the waits for a core
                cpu = time.process_time() - cpu_started
                restore()
                full_rows = offer_import.line_count
                print("full export: %d rows, %.1f s wall, %.1f s CPU, %d queries" % (
                    full_rows, elapsed, cpu, counter["queries"]), flush=True)
                finish(sim, instance, offer_import)
                cr.commit()
                # the same full export again, under tracemalloc (which slows Python down)
                tracemalloc.start()
                offer_import = run_export(env, instance, full=True)
                peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
                tracemalloc.stop()
                state = finish(sim, instance, offer_import)
                print("peak memory of the same export under tracemalloc: %.0f MB" % peak,
                      flush=True)
                cr.commit()

            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                instance = env["mk.instance"].browse(instance_id)
                warehouse = env["stock.warehouse"].browse(warehouse_id)
                changed = env["product.product"].browse(products[:: 100][: len(products) // 100])
                # counted 7 more than on hand, whatever an earlier run on a kept --db left
                on_hand = changed.with_context(warehouse_id=warehouse.id).mapped("qty_available")
                quants = env["stock.quant"].with_context(inventory_mode=True).create([{
                    "product_id": product.id, "location_id": warehouse.lot_stock_id.id,
                    "inventory_quantity": quantity + 7,
                } for product, quantity in zip(changed, on_hand, strict=True)])
                quants.action_apply_inventory()
                delta = run_export(env, instance, full=False)
                delta_rows = delta.line_count
                cr.commit()
    finally:
        if not args.keep:
            odoo.sql_db.close_all()
            subprocess.run(["dropdb", "-h", args.db_host, "-U", args.db_user, "--if-exists", db],
                           check=False)

    print("Odoo %s, %d offers; full export sent %d rows, import %s" % (
        series, args.offers, full_rows, state))
    print("stock export: %.1f s, %.0f MB peak, %d queries" % (elapsed, peak, counter["queries"]))
    print("delta after 1%% change: %d rows" % delta_rows)


if __name__ == "__main__":
    main()
