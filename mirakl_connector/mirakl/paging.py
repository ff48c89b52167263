"""Paging of Mirakl listings: offset pages (``max``/``offset``/``total_count`` and the Link
header) and seek pages (``limit``/``page_token``), each item yielded once."""

import re
from urllib.parse import parse_qs, urlsplit

MAX_PAGE_SIZE = 100


def check_page_size(size):
    if not isinstance(size, int) or not 1 <= size <= MAX_PAGE_SIZE:
        raise ValueError("page size must be an integer from 1 to %d, got %r"
                         % (MAX_PAGE_SIZE, size))


class Paging:
    """Listing helpers of the client; they send their pages through ``_request``."""

    def _iter_offset(self, op, path, collection, params, page_size=MAX_PAGE_SIZE,
                     dedupe_key=None, governor_key=None):
        """Yield every item of an offset-paginated listing (``max``/``offset``/``total_count``
        and the ``Link`` header). With ``dedupe_key`` an item seen on an earlier page (shifted
        by an insert during paging) is not yielded twice."""
        check_page_size(page_size)
        seen = set()
        offset = 0
        first = True
        while True:
            page_params = dict(params, max=page_size, offset=offset)
            page, links = self._request_page(op, path, page_params, governed=first,
                                             governor_key=governor_key)
            first = False
            items = page.get(collection) or []
            for item in items:
                if dedupe_key is not None:
                    key = item.get(dedupe_key)
                    if key in seen:
                        continue
                    seen.add(key)
                yield item
            total = page.get("total_count")
            next_offset = _next_offset(links, offset + len(items))
            if not items or next_offset is None or (total is not None and next_offset >= total):
                return
            offset = next_offset

    def _request_page(self, op, path, params, governed, governor_key=None):
        """One offset page: (body, Link relations or None when the header is absent)."""
        body, headers = self._request(op, "GET", path, params=params, governed=governed,
                                      governor_key=governor_key, with_headers=True)
        return body or {}, _parse_link(headers.get("Link"))

    def _iter_seek(self, op, path, params, limit=MAX_PAGE_SIZE, dedupe_key="id"):
        """Yield every item of a seek-paginated listing (``limit``/``page_token``), each once
        even if a token re-reads an item that moved while we paged."""
        check_page_size(limit)
        seen = set()
        page = self._request(op, "GET", path, params=dict(params, limit=limit)) or {}
        while True:
            for item in page.get("data") or []:
                key = item.get(dedupe_key)
                if key is not None:
                    if key in seen:
                        continue
                    seen.add(key)
                yield item
            token = page.get("next_page_token")
            if not token:
                return
            # Mirakl ignores every other parameter once a page_token is sent.
            page = self._request(op, "GET", path, params={"page_token": token},
                                 governed=False) or {}

    def _seek_page(self, op, path, params, limit, page_token):
        check_page_size(limit)
        if page_token:
            return self._request(op, "GET", path, params={"page_token": page_token},
                                 governed=False)
        return self._request(op, "GET", path, params=dict(params, limit=limit))


def _parse_link(header):
    """{"next": url, ...} from a Link header, None when there is no header."""
    if not header:
        return None
    links = {}
    for match in re.finditer(r'<([^>]*)>\s*;\s*rel="?([^",;]+)"?', header):
        links[match.group(2).strip()] = match.group(1)
    return links


def _next_offset(links, fallback):
    if links is None:
        return fallback
    url = links.get("next")
    if url is None:
        return None
    offsets = parse_qs(urlsplit(url).query).get("offset")
    return int(offsets[0]) if offsets else fallback
