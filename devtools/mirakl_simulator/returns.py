"""Customer returns (RT11, seek pagination)."""

from .clock import format_datetime, parse_datetime
from .paging import seek_page


def return_api(shop, item):
    return {
        "id": item["id"],
        "rma": item["rma"],
        "state": item["state"],
        "order_id": item["order_id"],
        "order_commercial_id": item["order_id"].rsplit("-", 1)[0],
        "method_code": "POSTAL",
        "reason_code": item["reason_code"],
        "date_created": format_datetime(item["created"]),
        "last_updated": format_datetime(item["updated"]),
        "return_address": {
            "street1": "1 Market Street",
            "city": shop.city,
            "zip_code": shop.zip_code,
            "country_iso_code": shop.country_iso,
        },
        "return_lines": [
            {"order_line_id": line_id, "quantity": quantity, "reason_code": item["reason_code"]}
            for line_id, quantity in item["lines"]
        ],
        "documents": [],
    }


def list_returns(sim, shop, request):
    """RT11: by id, state, creation/update window, commercial order or order line."""

    def rows(query):
        def first(name):
            return (query.get(name) or [None])[-1]

        def listed(name):
            return {value for raw in query.get(name, []) for value in raw.split(",") if value}

        ids, states = listed("return_id"), listed("return_state")
        commercial, lines = listed("order_commercial_id"), listed("order_line_id")
        windows = [
            ("created", first("return_creation_date_from"), first("return_creation_date_to")),
            ("updated", first("return_last_updated_from"), first("return_last_updated_to")),
        ]
        selected = []
        for item in shop.returns:
            if ids and item["id"] not in ids or states and item["state"] not in states:
                continue
            if commercial and item["order_id"].rsplit("-", 1)[0] not in commercial:
                continue
            if lines and not lines & {line_id for line_id, _quantity in item["lines"]}:
                continue
            if any(
                (start and item[field] < parse_datetime(start))
                or (end and item[field] > parse_datetime(end))
                for field, start, end in windows
            ):
                continue
            selected.append(return_api(shop, item))
        return selected

    return seek_page(request, rows)


def register(router):
    router.add("GET", "/api/returns", "RT11", list_returns)
