"""Dates as Mirakl writes and reads them. The connector keeps naive datetimes in UTC (as Odoo
stores them); Mirakl speaks ISO-8601, in UTC with ``Z`` when we send, with ``Z`` or an offset
when it answers."""

import datetime

_UTC = datetime.timezone.utc


def to_mirakl(value):
    """A datetime as ``YYYY-MM-DDThh:mm:ssZ`` in UTC (a naive one is taken as UTC), a date as
    ``YYYY-MM-DD``."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_UTC)
        return value.astimezone(_UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def from_mirakl(value):
    """Mirakl's ISO-8601 text as a naive UTC datetime to the second (as Odoo stores them);
    None when absent. Raises ValueError on text that is not such a date."""
    moment = from_mirakl_exact(value)
    return moment and moment.replace(microsecond=0)


def from_mirakl_exact(value):
    """``from_mirakl`` to the millisecond Mirakl sends: two updates within one second are
    two versions of an order."""
    if not value:
        return None
    moment = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo:
        moment = moment.astimezone(_UTC).replace(tzinfo=None)
    return moment
