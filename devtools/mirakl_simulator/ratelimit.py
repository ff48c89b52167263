"""Per-operation call budgets from the spec's "Maximum usage" text, answered with 429 + Retry-After.

A budget "once per minute" becomes 60 calls in any sliding hour of simulator time (Mirakl's 429
speaks of "too many requests in the last hour"), so paging through OR11 works while a client
that polls in a tight loop is stopped. Budgets of an hour or longer stay as written.
"""

import re
from collections import defaultdict, deque

HOUR = 3600
_UNITS = {
    "second": 1,
    "sec": 1,
    "minute": 60,
    "min": 60,
    "hour": 3600,
    "day": 86400,
    "week": 604800,
}
_WORDS = {"once": 1, "twice": 2}
# Used when the spec is not available: the operations a client polls.
BUILTIN_FREQUENCIES = {
    "A01": (1, 86400),
    "OR11": (1, 60),
    "OF01": (1, 60),
    "OF02": (1, 60),
    "OF03": (1, 60),
    "OF04": (1, 60),
    "OF24": (1, 60),
    "STO01": (1, 60),
    "STO02": (1, 15),
    "STO03": (1, 60),
    "PRI01": (1, 60),
    "PRI02": (1, 60),
    "PRI03": (1, 60),
    "TL02": (60, 3600),
    "H11": (1, 3600),
    "PM11": (1, 3600),
    "VL11": (1, 3600),
    "P41": (1, 900),
    "P42": (1, 60),
    "OF53": (1, 10),
    "CH11": (1, 86400),
    "SH11": (1, 86400),
    "SH12": (1, 86400),
    "SH21": (1, 86400),
    "SH31": (1, 86400),
    "AF01": (1, 86400),
    "OF61": (1, 86400),
    "OR75": (1, 86400),
    "RT11": (1, 300),
}
_MAX_USAGE = re.compile(r"Maximum usage:(.*?)</div>", re.S)
_AMOUNT = re.compile(
    r"(?:(once|twice|\d+)\s*(?:times|calls)?\s*)?(?:per|every|a)\s*(\d+)?\s*(second|sec|minute|min|hour|day|week)s?",
    re.I,
)


def parse_max_usage(description):
    """(calls, period seconds) from an operation description, or None when it sets no number."""
    found = _MAX_USAGE.search(description or "")
    if not found:
        return None
    text = re.sub(r"<[^>]+>", " ", found.group(1)).lower()
    budgets = []
    for count, every, unit in _AMOUNT.findall(text):
        calls = _WORDS.get(count) or int(count or 1)
        budgets.append((calls, int(every or 1) * _UNITS[unit]))
    if not budgets:
        return None
    # Figures for alternative uses ("Differential: … Full: …", "… with offers only, … with
    # products") must not block the lighter use, so the most generous applies; figures that
    # cap the same use together ("20 times per min, 60 times per hour") all apply.
    alternatives = ":" in text or " with " in text
    pick = max if alternatives else min
    return pick(budgets, key=lambda budget: hourly_allowance(*budget))


def frequencies_from_spec(spec):
    table = {}
    for item in spec.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "operationId" in operation:
                budget = parse_max_usage(operation.get("description", ""))
                if budget:
                    table[operation["operationId"]] = budget
    return table


def hourly_allowance(calls, period):
    return max(1, round(calls * HOUR / period)) if period < HOUR else calls


class RateLimiter:
    def __init__(self, frequencies, enabled=True):
        self.enabled = enabled
        self._windows = {
            operation: (max(period, HOUR), hourly_allowance(calls, period))
            for operation, (calls, period) in frequencies.items()
        }
        self._calls = defaultdict(deque)

    def budget(self, operation):
        """(allowed calls, window seconds) or None when the operation is not limited."""
        window = self._windows.get(operation)
        return (window[1], window[0]) if window else None

    def check(self, caller, operation, now):
        """Record a call; return the Retry-After seconds when the budget is spent, else None."""
        if not self.enabled or operation not in self._windows:
            return None
        window, allowed = self._windows[operation]
        calls = self._calls[(caller, operation)]
        while calls and (now - calls[0]).total_seconds() >= window:
            calls.popleft()
        if len(calls) >= allowed:
            return max(1, int(window - (now - calls[0]).total_seconds() + 0.999))
        calls.append(now)
        return None

    def reset(self):
        self._calls.clear()
