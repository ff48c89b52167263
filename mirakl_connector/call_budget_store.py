"""One call budget per shop for every process of the database (docs/architecture.md, contract 1).

The governor of the core client (``mirakl/governor.py``) keeps its counts in a budget store; this
module is the store the addon gives it: one ``mk_call_budget`` row per shop and operation, holding
the times of the recent calls and Mirakl's pause (a 429's Retry-After).

Every read-modify-write happens in its own short transaction on a separate cursor, under the
row's lock (``SELECT ... FOR UPDATE``), and is committed at once: a call is counted the moment it
is allowed, for every worker, cron, button and wizard, and a job whose own transaction rolls
back later does not give the call back (Mirakl saw it). Times come from the database clock, the
one clock all processes share. These transactions run at READ COMMITTED, not Odoo's REPEATABLE
READ: a second worker waiting for the row lock must then read the row the first one committed,
where REPEATABLE READ would fail it with a serialization error.
"""

from contextlib import contextmanager

from odoo import sql_db

from .mirakl.governor import trim_history, window_wait

# How long a call may wait for the budget inside a transaction; a longer wait raises
# MiraklRateLimitError with retry_after, so the job is rescheduled instead of holding a worker.
MAX_WAIT_IN_TRANSACTION = 3.0


def _read_times(text):
    return [float(part) for part in (text or "").split()]


def _write_times(times):
    return " ".join("%.6f" % at for at in times)


class DatabaseBudgetStore:
    """The budget store (see mirakl.governor.MemoryBudgetStore) of one shop, in mk_call_budget.
    Needs only the registry, so it also works in threads that have no environment."""

    def __init__(self, registry, instance_id):
        self.registry = registry
        self.instance_id = instance_id

    def reserve(self, key, windows, pause_key):
        with self._cursor() as cr:
            history = []
            if windows:
                self._lock_row(cr, key)
                history = _read_times(cr.fetchone()[0])
            cr.execute(
                "SELECT EXTRACT(EPOCH FROM clock_timestamp())::float,"
                " (SELECT paused_until FROM mk_call_budget"
                "   WHERE instance_id = %s AND operation = %s)",
                (self.instance_id, pause_key),
            )
            now, paused_until = cr.fetchone()
            now = round(now, 6)
            if paused_until and paused_until > now:
                return paused_until - now, None, True
            if not windows:
                return 0.0, None, False
            history = trim_history(history, windows, now)
            wait = window_wait(history, windows, now)
            if wait > 0:
                return wait, None, False
            history.append(now)
            self._write(cr, key, history)
            return 0.0, now, False

    def forget(self, key, stamp):
        with self._cursor() as cr:
            self._lock_row(cr, key)
            history = _read_times(cr.fetchone()[0])
            for index, at in enumerate(history):
                if abs(at - stamp) < 1e-6:
                    del history[index]
                    self._write(cr, key, history)
                    break

    def pause(self, pause_key, seconds):
        with self._cursor() as cr:
            cr.execute(
                "INSERT INTO mk_call_budget AS b (instance_id, company_id, operation, paused_until)"
                " VALUES (%s, (SELECT company_id FROM mk_instance WHERE id = %s), %s,"
                "         EXTRACT(EPOCH FROM clock_timestamp()) + %s)"
                " ON CONFLICT (instance_id, operation) DO UPDATE SET paused_until ="
                "  GREATEST(COALESCE(b.paused_until, 0), EXCLUDED.paused_until)",
                (self.instance_id, self.instance_id, pause_key, seconds),
            )

    @contextmanager
    def _cursor(self):
        """A transaction of its own, committed on leaving (in an HttpCase's test mode, a savepoint
        of the test's transaction, which no other process shares)."""
        with self.registry.cursor() as cr:
            if isinstance(cr, sql_db.Cursor):
                cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
                # the row lock is held for milliseconds; never hang a worker on it
                cr.execute("SET LOCAL lock_timeout = '10s'")
            yield cr

    def _lock_row(self, cr, key):
        """Create the row if needed and lock it until this transaction ends; leaves the row's
        call_times to fetch."""
        cr.execute(
            "INSERT INTO mk_call_budget (instance_id, company_id, operation)"
            " VALUES (%s, (SELECT company_id FROM mk_instance WHERE id = %s), %s)"
            " ON CONFLICT (instance_id, operation) DO NOTHING",
            (self.instance_id, self.instance_id, key),
        )
        cr.execute(
            "SELECT call_times FROM mk_call_budget"
            " WHERE instance_id = %s AND operation = %s FOR UPDATE",
            (self.instance_id, key),
        )

    def _write(self, cr, key, history):
        cr.execute(
            "UPDATE mk_call_budget SET call_times = %s WHERE instance_id = %s AND operation = %s",
            (_write_times(history), self.instance_id, key),
        )
