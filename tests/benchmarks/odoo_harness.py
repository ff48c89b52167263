"""What every Odoo benchmark needs: the database arguments, a fresh (or kept) database with the
two addons, and an Odoo registry in this process. Imported by the bench_*.py scripts beside it."""

import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MODULES = "ecosire_license_client,mirakl_connector"


def add_database_arguments(parser):
    parser.add_argument("--db", default=None)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--db-host", default=os.environ.get("PGHOST", "127.0.0.1"))
    parser.add_argument("--db-user", default=os.environ.get("PGUSER", "odoo"))


def odoo_args(args, db):
    addons = ",".join(str(p) for p in (args.odoo / "addons", args.odoo / "odoo" / "addons", REPO))
    return ["-d", db, "--db_host", args.db_host, "--db_user", args.db_user,
            "--addons-path", addons]


def database_exists(args, db):
    listing = subprocess.run(["psql", "-h", args.db_host, "-U", args.db_user, "-lqt", "postgres"],
                             capture_output=True, text=True, check=False).stdout
    return db in {line.split("|")[0].strip() for line in listing.splitlines()}


def install(args, db):
    """Install the addons in a new database; a kept one is upgraded to this code instead."""
    reuse = database_exists(args, db)
    command = [sys.executable, str(args.odoo / "odoo-bin"), *odoo_args(args, db),
               "-u" if reuse else "-i", MODULES,
               "--stop-after-init", "--max-cron-threads=0", "--http-port", "0",
               "--log-level", "warn"]
    if not (args.odoo / "odoo" / "orm").is_dir():  # before 19 demo data loads unless refused
        command.append("--without-demo=all")
    started = time.perf_counter()
    subprocess.run(command, check=True)
    print("%s: %.0f s" % ("upgrade" if reuse else "install", time.perf_counter() - started))


def bootstrap(args, db):
    """Odoo's configuration for this database, and its registry (the simulator importable too)."""
    sys.path[:0] = [str(args.odoo), str(REPO / "devtools")]
    import odoo
    from odoo.tools import config

    config.parse_config(odoo_args(args, db) + ["--log-level", "warn"])
    try:
        from odoo.modules.registry import Registry
    except ImportError:  # 19
        from odoo.orm.registry import Registry
    return odoo, Registry(db)
