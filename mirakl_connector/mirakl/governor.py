"""Client-side call governor: keeps each operation under Mirakl's published "Maximum usage".

Mirakl publishes no numeric quota, only a "Call Frequency" block per operation; going over it
earns a 429 (and, on some operators, a warning to the seller). The table below was read from the
"Maximum usage" line of each operation in Mirakl's seller OpenAPI document. Operations whose
maximum is "at each page display" or similar (no number) are not governed.

Paged reads count once per listing (the first page), matching Mirakl's wording "once per day and
as many times as there are pages returned". OR11 looking up given order ids ("OR11:order_ids")
is the synchronous use Mirakl allows "at each order page display", so it has no entry here.
"""

import collections
import threading
import time

MINUTE = 60
HOUR = 3600
DAY = 86400

# op code -> ((max calls, window seconds), ...). "OF01:with_products" is OF01 carrying products.
SPEC_LIMITS = {
    **{op: ((1, DAY),) for op in (
        "A01", "A02", "A21", "AF01", "CH11", "CUR01", "DO01", "L01", "OF61", "OR75",
        "SH11", "SH12", "SH21", "SH31", "TL03")},
    **{op: ((1, HOUR),) for op in ("H11", "PM11", "VL11", "SH42", "SH52")},
    **{op: ((1, MINUTE),) for op in (
        "OR11", "OF01", "OF02", "OF03", "OF04", "OF24", "OF51", "OF52", "STO01", "STO03",
        "PRI01", "PRI02", "PRI03", "P42", "P51", "PR03", "PR04", "OR04", "OR32")},
    **{op: ((1, 5 * MINUTE),) for op in ("OR13", "PL11", "RT11", "ST12")},
    "OF01:with_products": ((1, 15 * MINUTE),),
    "P41": ((1, 15 * MINUTE),),
    "STO02": ((1, 15),),
    "OF53": ((1, 10),),
    "TL04": ((1, 10),),
    "OR14": ((1, 2),),
    "OR07": ((60, HOUR),),
    "OR31": ((5, 1),),
    "TL02": ((20, MINUTE), (60, HOUR)),
}


def window_wait(history, windows, now):
    """Seconds until one more call fits every ``(calls, seconds)`` window, given the times of
    the calls made so far (oldest first); 0.0 when it fits now."""
    wait = 0.0
    for calls, seconds in windows:
        recent = [at for at in history if at > now - seconds]
        if len(recent) >= calls:
            wait = max(wait, recent[-calls] + seconds - now)
    return wait


def trim_history(history, windows, now):
    """The call times still inside the longest window."""
    if not windows:
        return []
    longest = max(seconds for _calls, seconds in windows)
    return [at for at in history if at > now - longest]


class MemoryBudgetStore:
    """The call budget of one process, in memory: the default for pytest, the simulator and the
    benchmarks. The addon keeps the budget in the database instead (``mk.call.budget``) so that
    every worker of a database shares it.

    A store has three methods, all safe to call from several threads (and, for a database
    store, from several processes) at once:

    ``reserve(key, windows, pause_key)`` -> ``(wait, stamp, paused)``
        Record a call of ``key`` now and return ``(0.0, stamp, False)``, or record nothing and
        return the seconds to wait: ``paused`` tells a pause Mirakl asked for (a 429 on
        ``pause_key``) from a full window. ``windows`` may be empty (only pauses apply); then
        ``stamp`` is None.
    ``forget(key, stamp)``
        Remove the call ``reserve`` recorded as ``stamp`` (it never reached Mirakl).
    ``pause(pause_key, seconds)``
        Hold back every call of that operation for ``seconds`` from now (Mirakl's Retry-After).
    """

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._history = collections.defaultdict(list)
        self._paused_until = {}
        self._lock = threading.Lock()

    def reserve(self, key, windows, pause_key):
        with self._lock:
            now = self.clock()
            pause = self._paused_until.get(pause_key, now) - now
            if pause > 0:
                return pause, None, True
            if not windows:
                return 0.0, None, False
            history = self._history[key] = trim_history(self._history[key], windows, now)
            wait = window_wait(history, windows, now)
            if wait > 0:
                return wait, None, False
            history.append(now)
            return 0.0, now, False

    def forget(self, key, stamp):
        with self._lock:
            history = self._history.get(key)
            if history and stamp in history:
                history.remove(stamp)

    def pause(self, pause_key, seconds):
        with self._lock:
            until = self.clock() + seconds
            self._paused_until[pause_key] = max(self._paused_until.get(pause_key, until), until)


class CallGovernor:
    """Sliding-window limiter per operation, over a budget store.

    ``overrides`` replaces the spec's limits for some operations (an empty tuple lifts the limit),
    e.g. ``CallGovernor(overrides={"A01": ((10, 3600),)})``. ``max_wait`` is how long the client may
    sleep to respect a limit; a longer wait raises MiraklRateLimitError with ``retry_after`` so a
    job can be rescheduled instead of holding a worker. ``store`` keeps the calls made and the
    pauses Mirakl asked for (see MemoryBudgetStore); governors over one store share one budget.
    """

    def __init__(self, limits=None, overrides=None, clock=time.monotonic, max_wait=0.0,
                 store=None):
        self.limits = dict(SPEC_LIMITS if limits is None else limits)
        for op, windows in (overrides or {}).items():
            self.limits[op] = tuple(windows)
        for op, windows in self.limits.items():
            for calls, seconds in windows:
                if calls < 1 or seconds <= 0:
                    raise ValueError("invalid governor limit for %s: %r calls per %r s"
                                     % (op, calls, seconds))
        self.clock = clock
        self.max_wait = max_wait
        self.store = store if store is not None else MemoryBudgetStore(clock)
        self._reserved = collections.defaultdict(list)  # key -> stamps this governor recorded
        self._lock = threading.Lock()  # one governor may be shared by clients in threads

    @classmethod
    def unlimited(cls):
        """A governor that never holds a call back (tests, benchmarks, operator sandboxes)."""
        return cls(limits={})

    def reserve(self, op):
        """Record a call of ``op`` now and return 0.0, or return the seconds to wait (nothing
        recorded) when the call would exceed a window or Mirakl asked to pause ``op``."""
        return self.reserve_explained(op)[0]

    def reserve_explained(self, op):
        """``reserve``, returning ``(wait, paused)``: ``paused`` is True when the wait is a
        pause Mirakl asked for (429 with Retry-After) rather than one of our windows."""
        wait, stamp, paused = self.store.reserve(op, self.limits.get(op, ()), pause_key(op))
        if stamp is not None:
            with self._lock:
                self._reserved[op].append(stamp)
        return wait, paused

    def release(self, op):
        """Forget the latest call of ``op`` this governor reserved (it never reached Mirakl)."""
        with self._lock:
            stamps = self._reserved.get(op)
            stamp = stamps.pop() if stamps else None
        if stamp is not None:
            self.store.forget(op, stamp)

    def pause(self, op, seconds):
        """Mirakl answered 429 with Retry-After: hold every call of ``op``'s operation back for
        ``seconds``, for everyone sharing this governor's store."""
        if seconds and seconds > 0:
            self.store.pause(pause_key(op), float(seconds))


def pause_key(key):
    """The operation a governor key belongs to: "OF01:with_products" -> "OF01". A 429 holds
    the whole operation back, whichever variant earned it."""
    return key.partition(":")[0]


def parse_limit_overrides(text):
    """Overrides as a person writes them on a shop, one per line:

        OR11 = 10/60     at most 10 OR11 calls per 60 seconds
        A01 = off        no limit for A01
        * = off          no limit at all (a sandbox or the simulator)

    Returns ``None`` for "no limit at all", else the ``overrides`` for CallGovernor. Raises
    ValueError naming the line that cannot be read.
    """
    overrides = {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        op, sep, value = (part.strip() for part in line.partition("="))
        if not sep or not op or not value:
            raise ValueError("line %d %r: write OPERATION = CALLS/SECONDS or OPERATION = off"
                             % (number, raw.strip()))
        op = op.upper()
        if value.lower() == "off":
            if op == "*":
                return None
            overrides[op] = ()
            continue
        calls, slash, seconds = value.partition("/")
        try:
            calls, seconds = int(calls), float(seconds)
        except ValueError:
            calls = seconds = 0
        if op == "*" or not slash or calls < 1 or seconds <= 0:
            raise ValueError("line %d %r: write OPERATION = CALLS/SECONDS with whole calls >= 1 "
                             "and seconds > 0, or OPERATION = off" % (number, raw.strip()))
        overrides[op] = ((calls, seconds),)
    return overrides


def governor_from_overrides(text, **options):
    """The governor for a shop's override text (see parse_limit_overrides)."""
    overrides = parse_limit_overrides(text)
    if overrides is None:
        return CallGovernor(limits={}, **options)
    return CallGovernor(overrides=overrides, **options)
