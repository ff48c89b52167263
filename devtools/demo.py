"""`make demo`: the connector working end to end on this machine, in one command.

1. starts the Mirakl simulator with its seeded shops (http://127.0.0.1:8900);
2. starts the reference licence server with a demo key made for this machine
   (http://127.0.0.1:8970; the private key stays in .local/demo/, outside git);
3. creates the Odoo database `mirakl_demo` with both addons, a demo licence activated against
   the licence server, and an active instance connected to the simulator;
4. runs the first syncs and imports an order seeded in SHIPPING, its delivery ready from stock;
5. serves Odoo on http://localhost:8069 and prints the login.

It uses the first Odoo source of ODOO_SOURCES. Ctrl-C stops everything it started.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import run_tests

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / ".local" / "demo"
DB = os.environ.get("MIRAKL_DEMO_DB", "mirakl_demo")
SIMULATOR_PORT, LICENSE_PORT, ODOO_PORT = 8900, 8970, 8069

SETUP_SCRIPT = """
import json
env['ir.config_parameter'].sudo().set_param('web.base.url', 'http://localhost:%(odoo_port)d')
licence = env['ecosire.license'].create({'key': %(licence_key)r, 'server_url': %(licence_url)r})
licence.action_activate()
print('DEMO-LICENCE:', licence.state, licence.state_message)
shop = json.loads(%(shop)r)
# A seller activates the currency of the marketplace it sells on; imports refuse inactive ones.
env['res.currency'].with_context(active_test=False).search(
    [('name', '=', shop['currency_iso_code'])]).active = True
instance = env['mk.instance'].create({
    'name': 'Demo shop (simulator)',
    'operator_profile': 'generic',
    'environment': 'sandbox',
    'base_url': %(simulator_url)r,
    'api_key': shop['api_key'],
    'order_create_products': True,
    'order_create_taxes': True,
})
# What a seller sets up first: confirm every marketplace order (no rule is a clear job error).
env['mk.financial.rule'].create({'name': 'Confirm orders', 'instance_id': instance.id,
                                 'confirm_order': True})
instance.action_test_connection()
instance.action_activate()
for _round in range(3):  # flows queue one job per order; the next round runs them
    env['mk.instance']._cron_dispatch()
# One order to deliver from the UI: accepted, SHIPPING on Mirakl, its delivery ready from stock.
# The first syncs queue the older orders for the served Odoo; the order seeded to be shipped is
# imported now, as the import wizard does, then confirmed by the financial rule's job.
from odoo.addons.mirakl_connector import compat
env['mk.order.importer']._import_order_ids(instance, [%(ship_order_id)r])
for _round in range(2):
    env['mk.instance']._cron_dispatch()
order = env['sale.order'].search([('mk_instance_id', '=', instance.id),
                                  ('mk_order_id', '=', %(ship_order_id)r)])
delivery = order.picking_ids.filtered(
    lambda p: p.picking_type_code == 'outgoing' and p.state not in ('done', 'cancel'))[:1]
if delivery:
    products = delivery.move_ids.product_id
    # imported products are consumables; stock them so the delivery reserves real quantities
    env['stock.move'].search([('product_id', 'in', products.ids),
                              ('state', 'in', ('assigned', 'partially_available'))])._do_unreserve()
    products.product_tmpl_id.write(compat.storable_product_vals(env))
    for move in delivery.move_ids:
        env['stock.quant']._update_available_quantity(
            move.product_id, delivery.location_id, move.product_uom_qty * 10)
    delivery.action_assign()
env.cr.commit()
print('DEMO-SHIPPABLE:', order.name, order.mk_order_id, delivery.name, delivery.state)
print('DEMO-INSTANCE:', instance.account_shop_name, instance.account_currency,
      'orders imported:', env['sale.order'].search_count([('mk_instance_id', '=', instance.id)]),
      'failed jobs:', env['mk.job'].search_count([('state', '=', 'failed')]))
"""


def fail(message):
    print(f"make demo: {message}", file=sys.stderr)
    sys.exit(2)


def port_free(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def wait_for_port(port, process, what, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            fail(f"{what} stopped at start-up (exit code {process.returncode})")
        if not port_free(port):
            return
        time.sleep(0.2)
    fail(f"{what} did not listen on port {port} within {seconds} s")


def odoo_source():
    sources = [s for s in os.environ.get("ODOO_SOURCES", "").split(":") if s.strip()]
    if not sources:
        fail("no Odoo source given. Put an Odoo 17.0, 18.0 or 19.0 source tree (odoo-bin, odoo/, "
             "addons/, and ideally its own .venv/) somewhere, then run "
             "`ODOO_SOURCES=/path/to/odoo make demo` (see README, 'Running against Odoo').")
    source = Path(sources[0]).expanduser().resolve()
    if not (source / "odoo-bin").exists():
        fail(f"{source} is not an Odoo source tree (no odoo-bin)")
    python = source / ".venv" / "bin" / "python"
    return source, python if python.exists() else Path(sys.executable)


def write_config(source):
    addons = [source / "addons", source / "odoo" / "addons", REPO]
    config = WORK / "odoo.conf"
    config.write_text("\n".join([
        "[options]",
        "addons_path = " + ",".join(str(p) for p in addons),
        *(f"db_{key} = {value}" for key, value in run_tests.pg_settings().items() if value),
        "http_interface = 127.0.0.1",
        f"http_port = {ODOO_PORT}",
        f"data_dir = {WORK / 'data'}",
        "",
    ]))
    return config


def main():
    source, python = odoo_source()
    for port, what in ((SIMULATOR_PORT, "simulator"), (LICENSE_PORT, "licence server"),
                       (ODOO_PORT, "Odoo")):
        if not port_free(port):
            fail(f"port {port} for the {what} is taken: stop what uses it and try again")
    WORK.mkdir(parents=True, exist_ok=True)
    tools_env = dict(os.environ, PYTHONPATH=str(REPO / "devtools"))
    children = []

    def start(cmd, env=tools_env, **kwargs):
        process = subprocess.Popen(cmd, cwd=REPO, env=env, **kwargs)
        children.append(process)
        return process

    # A `kill` stops everything too, not only Ctrl-C: SystemExit runs the clean-up below.
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(143))
    try:
        print(f"[1/5] Mirakl simulator on http://127.0.0.1:{SIMULATOR_PORT}", flush=True)
        # Rate limits off: Mirakl allows A01 once a day, and a demo user clicks Test Connection
        # more often than that. The suites test the limits; `make simulator` keeps them on.
        simulator = start([sys.executable, "-m", "mirakl_simulator", "--port", str(SIMULATOR_PORT),
                           "--seed", "--no-rate-limits"], stdout=subprocess.DEVNULL)
        wait_for_port(SIMULATOR_PORT, simulator, "the simulator")
        sys.path.insert(0, str(REPO / "devtools"))
        from mirakl_simulator.testing import SimulatorClient

        simulator_client = SimulatorClient(f"http://127.0.0.1:{SIMULATOR_PORT}")
        shop = simulator_client.shops[0]
        # an order accepted and paid (SHIPPING), for the user to deliver from Odoo
        ship_order = simulator_client.create_order(
            state="SHIPPING", shop_id=shop["shop_id"], lines=[
                {"offer_sku": "DEMO-MUG", "product_title": "Demo mug", "quantity": 2,
                 "price_unit": 12.5},
                {"offer_sku": "DEMO-TEE", "product_title": "Demo T-shirt", "quantity": 1,
                 "price_unit": 19.9},
            ])

        print(f"[2/5] licence server on http://127.0.0.1:{LICENSE_PORT}", flush=True)
        key_args = ["--key-file", str(WORK / "licence_demo_key"),
                    "--state-file", str(WORK / "licence_state.json")]
        licence_key = subprocess.check_output(
            [sys.executable, "-m", "license_server", "issue", *key_args, "--customer",
             "Demo Seller", "--products", "mirakl_connector"], cwd=REPO, env=tools_env, text=True,
        ).strip().splitlines()[-1]
        licence = start([sys.executable, "-m", "license_server", "--port", str(LICENSE_PORT),
                         *key_args], stdout=subprocess.PIPE, text=True)
        public_key = None
        for line in licence.stdout:
            found = re.match(r"ecosire_license_demo_public_key = (\S+)", line)
            if found:
                public_key = found.group(1)
                break
        if not public_key:
            fail("the licence server did not print its public key")

        print(f"[3/5] Odoo database {DB!r} with both addons ({source})", flush=True)
        config = write_config(source)
        # Odoo trusts licences signed by this machine's demo key only (shown as DEMO), and only
        # because its server environment says so: the database cannot enable it.
        os.environ["ECOSIRE_LICENSE_DEMO_PUBLIC_KEY"] = public_key
        odoo = [str(python), str(source / "odoo-bin"), "-c", str(config), "-d", DB]
        run_tests.drop_db(DB)
        subprocess.check_call([*odoo, "-i", "mirakl_connector", "--stop-after-init",
                               "--log-level=warn"], cwd=REPO)

        print("[4/5] licence, instance, Test Connection and first syncs", flush=True)
        script = SETUP_SCRIPT % {
            "odoo_port": ODOO_PORT, "licence_key": licence_key,
            "licence_url": f"http://127.0.0.1:{LICENSE_PORT}",
            "simulator_url": f"http://127.0.0.1:{SIMULATOR_PORT}",
            "shop": json.dumps(shop), "ship_order_id": ship_order["order_id"],
        }
        out = subprocess.run([*odoo[:2], "shell", *odoo[2:], "--no-http", "--log-level=warn"],
                             input=script, text=True, capture_output=True, cwd=REPO, env=os.environ)
        summary = [line for line in out.stdout.splitlines() if line.startswith("DEMO-")]
        shippable = next((line.split()[1:] for line in summary
                          if line.startswith("DEMO-SHIPPABLE:")), [])
        if out.returncode or len(summary) < 3:
            print(out.stdout[-4000:], out.stderr[-4000:], sep="\n", file=sys.stderr)
            fail("setting up the demo database failed (output above)")
        print("      " + "\n      ".join(summary), flush=True)

        print(f"[5/5] Odoo on http://localhost:{ODOO_PORT}", flush=True)
        server = start([*odoo, "--log-level=warn"], env=os.environ)
        wait_for_port(ODOO_PORT, server, "Odoo", seconds=120)
        ship = ""
        if len(shippable) >= 3:
            ship = ("  Ship an order: Sales > %s (Mirakl %s) > Delivery button, or Inventory >\n"
                    "  Deliveries > %s; press Validate. Within a minute the dispatcher cron\n"
                    "  sends it to the simulator (ST01): the delivery shows Mirakl 'Sent' and\n"
                    "  the order turns SHIPPED.\n" % tuple(shippable[:3]))
        print(f"\n  Open http://localhost:{ODOO_PORT}  login: admin  password: admin\n"
              "  Mirakl > Configuration > Shops > 'Demo shop (simulator)' > Test Connection\n"
              f"{ship}"
              "  Ctrl-C stops Odoo, the simulator and the licence server.\n", flush=True)
        server.wait()
    except KeyboardInterrupt:
        print("\nstopping…")
    finally:
        for process in reversed(children):
            if process.poll() is None:
                process.terminate()
        for process in children:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
