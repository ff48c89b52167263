"""The simulator's own clock: tests move it forward instead of sleeping."""

import threading
from datetime import datetime, timedelta, timezone


def parse_datetime(value):
    """Parse an ISO-8601 query value (``Z``, offsets and milliseconds accepted) as aware UTC."""
    text = value.strip().replace(" ", "+")  # an unencoded '+' arrives as a space
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def format_datetime(moment):
    """Mirakl's output form: UTC, milliseconds, trailing Z."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + (
        "%03dZ" % (moment.microsecond // 1000)
    )


class SimClock:
    """Frozen by default (deterministic tests); ``realtime`` lets it follow the wall clock."""

    def __init__(self, start=None, realtime=False):
        self._lock = threading.Lock()
        self._realtime = realtime
        self._start_wall = datetime.now(timezone.utc)
        self._start = (start or self._start_wall.replace(microsecond=0)).astimezone(timezone.utc)
        self._offset = timedelta()

    def now(self):
        with self._lock:
            moment = self._start + self._offset
            if self._realtime:
                moment += datetime.now(timezone.utc) - self._start_wall
            return moment

    def advance(self, seconds):
        if seconds < 0:
            raise ValueError("the simulator clock only moves forward")
        with self._lock:
            self._offset += timedelta(seconds=seconds)
