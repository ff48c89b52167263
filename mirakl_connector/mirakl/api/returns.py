"""Return calls."""

from ..paging import MAX_PAGE_SIZE
from .params import filter_query


class ReturnsApi:
    """Return calls (RT11)."""

    def list_returns(self, limit=MAX_PAGE_SIZE, page_token=None, **filters):
        """RT11: one page of returns."""
        return self._seek_page("RT11", "/api/returns", _rt11_query(filters), limit, page_token)

    def iter_returns(self, limit=MAX_PAGE_SIZE, **filters):
        """RT11: every matching return."""
        return self._iter_seek("RT11", "/api/returns", _rt11_query(filters), limit)


def _rt11_query(filters):
    array = ("return_id", "return_state", "order_commercial_id", "order_line_id", "return_rma",
             "customer_id")
    return filter_query("RT11", filters, array + (
        "return_creation_date_from", "return_creation_date_to", "return_last_updated_from",
        "return_last_updated_to", "sort"), array)
