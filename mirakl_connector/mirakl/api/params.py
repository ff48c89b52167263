"""How a call's parameters are written: the query encoding, path segments, item checks and
multipart JSON parts that every API module uses."""

import datetime
import json
from urllib.parse import quote

from ..dates import to_mirakl


def format_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return to_mirakl(value)
    return str(value)


def build_query(params, repeated=()):
    """Mirakl query encoding: drop None, booleans as true/false, dates as UTC ISO-8601, lists
    comma-joined except the parameters the spec types as arrays (sent repeated)."""
    query = {}
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple, set, frozenset)):
            values = [format_value(item) for item in value]
            query[name] = values if name in repeated else ",".join(values)
        else:
            query[name] = format_value(value)
    return query


def filter_query(op, filters, allowed, repeated=()):
    unknown = sorted(set(filters) - set(allowed))
    if unknown:
        raise ValueError("unknown %s filter(s) %s; expected some of %s"
                         % (op, ", ".join(unknown), ", ".join(sorted(allowed))))
    return build_query(filters, repeated=repeated)


def segment(value):
    """A path parameter, percent-encoded so an id can never change the path."""
    if value in (None, ""):
        raise ValueError("a Mirakl id in the path is empty")
    return quote(str(value), safe="")


def as_list(value):
    if value is None or isinstance(value, (list, tuple, set)):
        return value
    return [value]


def require_items(op, name, items, required):
    if not items:
        raise ValueError("%s needs at least one item in %s" % (op, name))
    for index, item in enumerate(items):
        missing = [key for key in required if item.get(key) in (None, "")]
        if missing:
            raise ValueError("%s %s[%d] misses %s" % (op, name, index, ", ".join(missing)))


def json_part(name, payload, files):
    parts = [(name, (None, json.dumps(payload), "application/json"))]
    for file_name, content in files or ():
        parts.append(("files", (file_name, content, "application/octet-stream")))
    return parts
