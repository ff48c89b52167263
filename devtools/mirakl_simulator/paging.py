"""Mirakl's two pagination styles (reference §1.7)."""

import base64
import json
from urllib.parse import urlencode

from .web import ApiError, Response

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 10


def offset_page(request, items, collection_key, base_url, serialize=None):
    """Slice ``items`` by max/offset and answer {collection_key, total_count} with a Link header.

    ``serialize`` turns the items of the page (only) into their API form.
    """
    paginate = request.bool_arg("paginate")
    total = len(items)
    if paginate is False:
        page, size, offset = items, total, 0
    else:
        size = request.int_arg("max", DEFAULT_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE)
        offset = request.int_arg("offset", 0, minimum=0)
        page = items[offset : offset + size]
    links = []
    if paginate is not False:
        if offset > 0:
            links.append(_link(request, base_url, max(0, offset - size), size, "previous"))
        if offset + size < total:
            links.append(_link(request, base_url, offset + size, size, "next"))
    if serialize:
        page = [serialize(item) for item in page]
    payload = {collection_key: page, "total_count": total}
    headers = {"Link": ", ".join(links)} if links else None
    return Response.json(payload, headers=headers)


def _link(request, base_url, offset, size, rel):
    query = [
        (k, v) for k, values in request.query.items() for v in values if k not in ("max", "offset")
    ]
    query += [("max", size), ("offset", offset)]
    return '<%s%s?%s>; rel="%s"' % (base_url, request.path, urlencode(query), rel)


def seek_page(
    request, rows_for, default_limit=DEFAULT_PAGE_SIZE, max_limit=MAX_PAGE_SIZE, descending=False
):
    """Answer {data, next_page_token?, previous_page_token?}.

    The token freezes the filters of the first call (Mirakl ignores other parameters when a
    page_token is sent), so ``rows_for(query)`` re-applies them from the decoded token;
    ``query`` maps each parameter to its list of values, as ``Request.query`` does.
    ``rows_for`` returns rows oldest first; ``sort=<criterion>,ASC|DESC`` or the operation's
    default direction (``descending``) decides the order served.
    """
    token = request.arg("page_token")
    if token:
        try:
            state = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
            query, start, limit = state["query"], state["start"], state["limit"]
        except (ValueError, KeyError, TypeError):
            raise ApiError(400, "Invalid page_token")
    else:
        query = {
            k: v for k, v in request.query.items() if k not in ("limit", "page_token", "shop_id")
        }
        start = 0
        limit = request.int_arg("limit", default_limit, minimum=1, maximum=max_limit)
    rows = rows_for(query)
    direction = (query.get("sort") or [""])[-1].rpartition(",")[2].upper()
    if direction == "DESC" or (descending and direction != "ASC"):
        rows = rows[::-1]
    page = rows[start : start + limit]
    payload = {"data": page}
    if start + limit < len(rows):
        payload["next_page_token"] = _token(query, start + limit, limit)
    if start > 0:
        payload["previous_page_token"] = _token(query, max(0, start - limit), limit)
    return Response.json(payload)


def _token(query, start, limit):
    raw = json.dumps({"query": query, "start": start, "limit": limit}, sort_keys=True)
    return base64.urlsafe_b64encode(raw.encode("ascii")).decode("ascii")
