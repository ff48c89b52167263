"""Run every test suite this checkout can run, and print one verdict.

    python devtools/run_tests.py            (what `make test` calls)

1. ruff over the repository;
2. the Odoo-free pytest suites under tests/;
3. for each Odoo source directory in ODOO_SOURCES (colon-separated), on a fresh database:
   install both addons and run their tagged tests, upgrade them (-u), uninstall them.
   Each phase fails on an ERROR line, or on a WARNING line that concerns our addons.

It prints `Odoo <series>: N passed, M failed` per Odoo source and ends with one line
`N passed, N failed` over everything. The exit code is non-zero on any failure.
Odoo's Python is `<source>/.venv/bin/python` when it exists, else this interpreter.
PostgreSQL comes from the usual PGHOST/PGPORT/PGUSER/PGPASSWORD (default 127.0.0.1:5432, odoo).
"""

import os
import re
import socket
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MODULES = ("ecosire_license_client", "mirakl_connector")
# A log line as Odoo writes it: "<date> <time>,<ms> <pid> <LEVEL> <db> <logger>: <message>".
LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) (?P<db>\S+) (?P<logger>[^:]+): "
)
ODOO_RESULT = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
OURS = re.compile(r"mirakl|ecosire|\bmk\.", re.IGNORECASE)
UNINSTALL_SCRIPT = """
mods = env['ir.module.module'].search([('name', 'in', %r), ('state', '=', 'installed')])
mods.button_immediate_uninstall()
env.cr.commit()
left = env['ir.module.module'].search([('name', 'in', %r), ('state', '!=', 'uninstalled')])
print('UNINSTALL-LEFT:', left.mapped('name'))
""" % (list(MODULES), list(MODULES))


class Totals:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def add(self, passed, failed):
        self.passed += passed
        self.failed += failed


def banner(text):
    print(f"\n=== {text}", flush=True)


def run_ruff():
    banner("ruff")
    rc = subprocess.call([sys.executable, "-m", "ruff", "check", str(REPO)])
    return rc == 0


def run_pytest(totals):
    banner("Odoo-free tests (pytest)")
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp, "junit.xml")
        rc = subprocess.call(
            [sys.executable, "-m", "pytest", "-q", f"--junitxml={junit}"], cwd=REPO
        )
        if not junit.exists():
            print(f"pytest ended with code {rc} and wrote no report")
            totals.add(0, 1)
            return
        suite = ET.parse(junit).getroot()
        suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
        tests, failures, errors, skipped = (
            int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped")
        )
        failed = failures + errors + (1 if rc not in (0, 5) and not (failures or errors) else 0)
        passed = tests - failures - errors - skipped
        print(f"Odoo-free: {passed} passed, {failed} failed, {skipped} skipped")
        if tests == 0:
            print("Odoo-free: pytest collected no test")
            failed += 1
        totals.add(passed, failed)


def odoo_series(source):
    release = (source / "odoo" / "release.py").read_text()
    major, minor = re.search(r"version_info = \((\d+), (\d+)", release).groups()
    return f"{major}.{minor}"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_settings():
    """PostgreSQL as the usual PG* variables say, with this project's defaults."""
    return {
        "host": os.environ.get("PGHOST", "127.0.0.1"),
        "port": os.environ.get("PGPORT", "5432"),
        "user": os.environ.get("PGUSER", "odoo"),
        "password": os.environ.get("PGPASSWORD", ""),
    }


def drop_db(db):
    pg = pg_settings()
    env = dict(os.environ, PGHOST=pg["host"], PGPORT=pg["port"], PGUSER=pg["user"])
    subprocess.call(["dropdb", "--if-exists", db], env=env, stderr=subprocess.DEVNULL)


def odoo_command(source, python, db, *args):
    addons = [source / "addons", source / "odoo" / "addons", REPO]
    pg = [f"--db_{key}={value}" for key, value in pg_settings().items() if value]
    return [str(python), str(source / "odoo-bin"), *args, "-d", db,
            "--addons-path=" + ",".join(str(p) for p in addons), *pg,
            f"--http-port={free_port()}", "--http-interface=127.0.0.1", "--log-level=info",
            "--max-cron-threads=0"]


def problems_in(log):
    """ERROR/CRITICAL lines, and WARNING lines that concern our addons."""
    found = []
    for line in log.splitlines():
        match = LOG_LINE.match(line)
        if not match:
            continue
        level = match["level"]
        if level in ("ERROR", "CRITICAL") or (level == "WARNING" and OURS.search(line)):
            found.append(line)
    return found


def run_phase(name, cmd, logdir, stdin=None):
    log_path = logdir / f"{name}.log"
    with open(log_path, "w") as out:
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, input=stdin, text=True,
                              cwd=REPO)
    log = log_path.read_text()
    return proc.returncode, log, log_path


def run_odoo(source, totals):
    source = Path(source).resolve()
    if not (source / "odoo-bin").exists():
        print(f"ODOO_SOURCES entry {source} has no odoo-bin: not an Odoo source tree")
        totals.add(0, 1)
        return
    series = odoo_series(source)
    python = source / ".venv" / "bin" / "python"
    python = python if python.exists() else Path(sys.executable)
    db = f"mk_ci_{series.replace('.', '')}_{os.getpid()}"
    logdir = REPO / ".local" / "logs" / db
    logdir.mkdir(parents=True, exist_ok=True)
    banner(f"Odoo {series} at {source} (python {python}, database {db}, logs in {logdir})")
    drop_db(db)
    failed = 0
    passed = 0
    demo = [] if series >= "19.0" else ["--without-demo=all"]
    tags = ",".join(f"/{m}" for m in MODULES)
    try:
        install = ("-i", ",".join(MODULES), "--test-tags", tags, "--stop-after-init", *demo)
        rc, log, path = run_phase("install-and-test", odoo_command(source, python, db, *install),
                                  logdir)
        results = ODOO_RESULT.findall(log)
        if results:
            fails, errors, ran = (int(x) for x in results[-1])
            passed, failed = ran - fails - errors, fails + errors
            if ran == 0:
                print(f"Odoo {series}: no test ran")
                failed += 1
        else:
            print(f"Odoo {series}: no test summary in {path} (exit code {rc})")
            failed += 1
        for phase, args, stdin in (
            ("upgrade", ("-u", ",".join(MODULES), "--stop-after-init"), None),
            ("uninstall", ("shell", "--no-http"), UNINSTALL_SCRIPT),
        ):
            cmd = odoo_command(source, python, db, *args)
            if phase == "uninstall":
                cmd.remove("--max-cron-threads=0")
                cmd = [c for c in cmd if not c.startswith("--http-port")]
            phase_rc, phase_log, phase_path = run_phase(phase, cmd, logdir, stdin)
            log += phase_log
            if phase_rc != 0 or (phase == "uninstall" and "UNINSTALL-LEFT: []" not in phase_log):
                print(f"Odoo {series}: {phase} failed (exit code {phase_rc}), see {phase_path}")
                failed += 1
        bad = problems_in(log)
        if bad:
            print(f"Odoo {series}: {len(bad)} ERROR/WARNING line(s) in the logs:")
            for line in bad[:40]:
                print("   ", line[:400])
            failed += 1 if not failed else 0
    finally:
        drop_db(db)
    print(f"Odoo {series}: {passed} passed, {failed} failed", flush=True)
    totals.add(passed, failed)


def main():
    totals = Totals()
    if not run_ruff():
        totals.add(0, 1)
    run_pytest(totals)
    sources = [s for s in os.environ.get("ODOO_SOURCES", "").split(":") if s.strip()]
    if not sources:
        banner("Odoo suites skipped: ODOO_SOURCES names no Odoo source directory "
               "(e.g. ODOO_SOURCES=~/odoo/17.0:~/odoo/18.0:~/odoo/19.0)")
    for source in sources:
        run_odoo(os.path.expanduser(source), totals)
    print()
    print(f"{totals.passed} passed, {totals.failed} failed")
    return 1 if totals.failed else 0


if __name__ == "__main__":
    sys.exit(main())
