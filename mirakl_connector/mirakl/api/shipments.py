"""Shipment calls of multi-shipment platforms."""

from ..paging import MAX_PAGE_SIZE
from .params import filter_query, require_items


class ShipmentsApi:
    """Shipment calls (ST01, ST11, ST23, ST24)."""

    def create_shipments(self, shipments):
        """ST01: create shipments (multi-shipment platforms). Not retried blindly."""
        require_items("ST01", "shipments", shipments, ("order_id",))
        return self._request("ST01", "POST", "/api/shipments",
                             json_body={"shipments": list(shipments)})

    def list_shipments(self, limit=MAX_PAGE_SIZE, page_token=None, **filters):
        """ST11: one page of shipments -> {"data", "next_page_token"?}."""
        return self._seek_page("ST11", "/api/shipments", _st11_query(filters), limit, page_token)

    def iter_shipments(self, limit=MAX_PAGE_SIZE, **filters):
        """ST11: every matching shipment."""
        return self._iter_seek("ST11", "/api/shipments", _st11_query(filters), limit)

    def update_shipment_tracking(self, shipments):
        """ST23: tracking of shipments: [{"id": shipment_id, "tracking": {...}}, ...]."""
        require_items("ST23", "shipments", shipments, ("id", "tracking"))
        return self._request("ST23", "POST", "/api/shipments/tracking",
                             json_body={"shipments": list(shipments)})

    def mark_shipments_shipped(self, shipments):
        """ST24: validate shipments as shipped: [{"id": shipment_id}, ...]."""
        require_items("ST24", "shipments", shipments, ("id",))
        return self._request("ST24", "PUT", "/api/shipments/ship",
                             json_body={"shipments": list(shipments)})


def _st11_query(filters):
    array = ("order_id", "shipment_state_code", "shipment_customer_debit_state_code")
    return filter_query("ST11", filters, array + ("last_updated_from", "last_updated_to",
                                                   "sort"), array)
