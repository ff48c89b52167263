"""Offer, stock, price and product imports: queued, processed asynchronously, with error reports."""

import csv
import io
import uuid
from datetime import timedelta

from .clock import format_datetime, parse_datetime
from .money import to_cents
from .multipart import form_fields
from .offers import OFFER_DEFAULTS, find_product, live_offers, offer_by_sku
from .paging import seek_page
from .web import ApiError, Response

# How long the platform takes to process an import once queued (simulator time). Each status
# poll also moves an import one step (WAITING → RUNNING → COMPLETE), so a polling client sees
# every status without moving the clock.
IMPORT_DURATION = timedelta(seconds=30)
PRODUCT_ID_TYPES = ("SKU", "SHOP_SKU", "EAN", "UPC", "ISBN", "MPN")
# OF01 files and OF24 bodies share the OF02/OF03/OF04 tracking calls.
OFFER_IMPORT_KINDS = ("OFFERS", "JSON_OFFERS")


class Import:
    """One queued file (or OF24 body) and, once processed, its outcome."""

    def __init__(
        self, shop, kind, import_id, rows, header, now, mode=None, digest=None, file_name=None
    ):
        self.shop = shop
        self.kind = kind  # OFFERS (OF01), JSON_OFFERS (OF24), STOCK, PRICING or PRODUCTS
        self.import_id = import_id
        self.rows = rows  # [(line number, {column: value})]
        self.header = header
        self.mode = mode
        self.digest = digest
        self.file_name = file_name
        self.created = now
        self.updated = now
        self.status = "WAITING"
        self.reason_status = ""  # why a FAILED import failed
        self.errors = []  # [(line number, row, message)]
        self.transformation_errors = []
        self.counts = {"inserted": 0, "updated": 0, "deleted": 0}

    @property
    def pending(self):
        return self.status in ("WAITING", "RUNNING")

    def step(self, sim, now):
        if self.status == "WAITING":
            self.status = "RUNNING"
        elif self.status == "RUNNING":
            missing = [column for column in KEY_COLUMNS[self.kind] if column not in self.header]
            if missing:
                # Without its key columns no row can be read: the whole file fails.
                self.status = "FAILED"
                self.reason_status = "Missing column(s): %s" % ", ".join(missing)
            else:
                PROCESSORS[self.kind](sim, self)
                self.status = "COMPLETE"
        self.updated = now

    def finish(self, sim, now):
        while self.pending:
            self.step(sim, now)

    def error_report(self, leading_columns):
        """Rejected rows as CSV: OF03 appends error-line/error-message, STO03/PRI03 lead."""
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n")
        if leading_columns:
            writer.writerow(["error-line", "error-message"] + self.header)
        else:
            writer.writerow(self.header + ["error-line", "error-message"])
        for line, row, message in self.errors:
            values = [row.get(column, "") for column in self.header]
            writer.writerow(
                [line, message] + values if leading_columns else values + [line, message]
            )
        return out.getvalue().encode("utf-8")


def progress_imports(sim, shop, now):
    """Imports older than IMPORT_DURATION are done; called whenever simulator time passes."""
    for item in shop.imports.values():
        if item.pending and now - item.created >= IMPORT_DURATION:
            item.finish(sim, now)


def _read_csv(part):
    try:
        text = part.text
    except UnicodeDecodeError:
        raise ApiError(400, "The file must be UTF-8 encoded")
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    if not reader.fieldnames:
        raise ApiError(400, "The file is empty")
    header = [name.strip() for name in reader.fieldnames]
    rows = []
    for number, row in enumerate(reader, start=2):
        rows.append(
            (number, {key.strip(): (value or "").strip() for key, value in row.items() if key})
        )
    return header, rows


def _queue_import(sim, shop, kind, header, rows, mode=None, digest=None, file_name=None):
    """New import, unless the same content is still pending (Mirakl returns the existing id)."""
    for existing in shop.imports.values():
        if digest and existing.kind == kind and existing.digest == digest and existing.pending:
            return existing
    number = sim.next_import_number()
    # OF01/OF24/P41 ids are integers, STO01/PRI01 ids strings (the spec types them so).
    import_id = (
        number if kind in ("OFFERS", "JSON_OFFERS", "PRODUCTS") else str(uuid.UUID(int=number))
    )
    item = Import(shop, kind, import_id, rows, header, sim.now(), mode, digest, file_name)
    shop.imports[str(import_id)] = item
    return item


def _file_part(request):
    fields = form_fields(request)
    if not fields.get("file"):
        raise ApiError(400, "The multipart part 'file' is required")
    return fields, fields["file"][0]


def _flag(fields, name):
    return bool(fields.get(name)) and fields[name][0].text.strip().lower() == "true"


def _import_created(sim, item, status_path, payload):
    return Response.json(
        payload, status=201, headers={"Location": sim.base_url + status_path % item.import_id}
    )


def _get_import(shop, import_id, *kinds):
    item = shop.imports.get(str(import_id))
    if item is None or item.kind not in kinds:
        raise ApiError(404, "Import %s not found" % import_id)
    return item


def _polled(sim, shop, import_id, *kinds):
    item = _get_import(shop, import_id, *kinds)
    item.step(sim, sim.now())
    return item


def _report(item, leading_columns, content_type):
    if not item.errors:
        raise ApiError(404, "Import %s has no error report" % item.import_id)
    name = "error-report-%s.csv" % item.import_id
    return Response.file(item.error_report(leading_columns), name, content_type)


# ------------------------------------------------------------------
# PROCESSING OF ROWS
# ------------------------------------------------------------------


def _parse_price(value, column):
    try:
        cents = to_cents(value)
    except (ArithmeticError, ValueError):
        raise ValueError("'%s' is not a valid %s" % (value, column))
    if cents < 0:
        raise ValueError("%s must not be negative" % column)
    return cents


def _parse_quantity(value):
    try:
        quantity = int(value)
    except ValueError:
        raise ValueError("'%s' is not a valid quantity" % value)
    if quantity < 0:
        raise ValueError("quantity must not be negative")
    return quantity


def _apply_offer_row(sim, item, row, full_replace):
    shop = item.shop
    sku = row.get("sku", "")
    if not sku:
        raise ValueError("sku is required")
    existing = offer_by_sku(shop, sku)
    if row.get("update-delete", "").lower() == "delete":
        if existing is None:
            raise ValueError("The offer to delete does not exist")
        existing.update(deleted=True, updated=sim.now())
        item.counts["deleted"] += 1
        return
    product = _row_product(sim, row, existing)
    changes = _row_changes(sim, row, existing, full_replace)
    now = sim.now()
    if existing is None or full_replace:
        offer = dict(OFFER_DEFAULTS)
        known = shop.offers.get(sku)  # a deleted offer keeps its id when it comes back
        offer.update(
            offer_id=known["offer_id"] if known else sim.next_offer_id(),
            shop_sku=sku,
            product_sku=product["product_sku"],
            created=existing["created"] if existing else now,
            deleted=False,
        )
        offer.update(changes, updated=now)
        shop.offers[sku] = offer
        item.counts["updated" if existing else "inserted"] += 1
    else:
        existing.update(changes, updated=now)
        item.counts["updated"] += 1


def _row_product(sim, row, existing):
    """The catalogue product a row attaches to; product-id is needed only to create an offer."""
    product_id, product_type = row.get("product-id", ""), row.get("product-id-type", "")
    if not product_id:
        if existing is None:
            raise ValueError("product-id and product-id-type are required to create an offer")
        return sim.products[existing["product_sku"]]
    if product_type not in PRODUCT_ID_TYPES:
        raise ValueError("Unknown product-id-type '%s'" % product_type)
    product = find_product(sim, product_id, product_type)
    if product is None:
        raise ValueError("The product '%s' (%s) does not exist" % (product_id, product_type))
    if existing and existing["product_sku"] != product["product_sku"]:
        raise ValueError("The offer is attached to another product")
    return product


INTEGER_COLUMNS = {
    "leadtime-to-ship": "leadtime_to_ship",
    "min-quantity-alert": "min_quantity_alert",
    "min-order-quantity": "min_order_quantity",
    "max-order-quantity": "max_order_quantity",
    "package-quantity": "package_quantity",
}
TEXT_COLUMNS = {
    "description": "description",
    "internal-description": "internal_description",
    "logistic-class": "logistic_class",
}


def _row_changes(sim, row, existing, full_replace):
    """Offer fields a row sets; in NORMAL mode absent or empty columns leave fields alone."""
    state = row.get("state") or (existing or {}).get("state_code") or "11"
    if not any(known["code"] == state for known in sim.reference.offer_states):
        raise ValueError("Unknown offer state '%s'" % state)
    changes = {"state_code": state}
    if row.get("price"):
        changes["price_cents"] = _parse_price(row["price"], "price")
    elif existing is None or full_replace:
        raise ValueError("price is required")
    if row.get("quantity"):
        changes["quantity"] = _parse_quantity(row["quantity"])
    for column, key in INTEGER_COLUMNS.items():
        if row.get(column):
            try:
                changes[key] = int(row[column])
            except ValueError:
                raise ValueError("'%s' is not a valid %s" % (row[column], column))
    for column, key in TEXT_COLUMNS.items():
        if row.get(column):
            changes[key] = row[column]
    if row.get("discount-price"):
        changes["discount"] = _row_discount(row)
    return changes


def _row_discount(row):
    return {
        "price_cents": _parse_price(row["discount-price"], "discount-price"),
        "start_date": row.get("discount-start-date") or None,
        "end_date": row.get("discount-end-date") or None,
    }


def _process_offers(sim, item, full_replace=False):
    seen = set()
    for line, row in item.rows:
        try:
            _apply_offer_row(sim, item, row, full_replace)
            seen.add(row.get("sku"))
        except ValueError as error:
            item.errors.append((line, row, str(error)))
    if item.mode == "REPLACE":
        # The file is the whole catalogue: every offer it does not mention goes.
        for offer in live_offers(item.shop):
            if offer["shop_sku"] not in seen:
                offer.update(deleted=True, updated=sim.now())
                item.counts["deleted"] += 1


def _process_json_offers(sim, item):
    _process_offers(sim, item, full_replace=True)


def _process_stock(sim, item):
    for line, row in item.rows:
        offer = offer_by_sku(item.shop, row.get("offer-sku", ""))
        try:
            if offer is None:
                raise ValueError("Unknown offer '%s'" % row.get("offer-sku", ""))
            quantity = _parse_quantity(row.get("quantity", ""))
        except ValueError as error:
            item.errors.append((line, row, str(error)))
            continue
        offer.update(quantity=quantity, updated=sim.now())
        item.counts["updated"] += 1


def _process_pricing(sim, item):
    for line, row in item.rows:
        offer = offer_by_sku(item.shop, row.get("offer-sku", ""))
        try:
            if offer is None:
                raise ValueError("Unknown offer '%s'" % row.get("offer-sku", ""))
            price = _parse_price(row.get("price", ""), "price")
            discount = _row_discount(row) if row.get("discount-price") else None
            if discount and discount["price_cents"] > price:
                raise ValueError("discount-price must not exceed price")
        except ValueError as error:
            item.errors.append((line, row, str(error)))
            continue
        # Delete-and-replace per offer: a price line without discount removes the discount.
        offer.update(price_cents=price, discount=discount, updated=sim.now())
        item.counts["updated"] += 1


def _process_products(sim, item):
    categories = {code: label for code, label, _level, _parent in sim.reference.hierarchies}
    for line, row in item.rows:
        missing = [column for column in ("sku", "title", "category") if not row.get(column)]
        if missing:
            item.transformation_errors.append(
                (line, row, "Missing required attribute(s): %s" % ", ".join(missing))
            )
            continue
        if row["category"] not in categories:
            item.errors.append((line, row, "Unknown category '%s'" % row["category"]))
            continue
        references = [{"reference_type": "EAN", "reference": row["ean"]}] if row.get("ean") else []
        sim.products[row["sku"]] = {
            "product_sku": row["sku"],
            "title": row["title"],
            "brand": row.get("brand", ""),
            "category_code": row["category"],
            "category_label": categories[row["category"]],
            "references": references,
        }
        item.counts["inserted"] += 1


KEY_COLUMNS = {
    "OFFERS": ("sku",),
    "JSON_OFFERS": ("sku",),
    "STOCK": ("offer-sku", "quantity"),
    "PRICING": ("offer-sku", "price"),
    "PRODUCTS": ("sku",),
}
PROCESSORS = {
    "OFFERS": _process_offers,
    "JSON_OFFERS": _process_json_offers,
    "STOCK": _process_stock,
    "PRICING": _process_pricing,
    "PRODUCTS": _process_products,
}


# ------------------------------------------------------------------
# ENDPOINTS
# ------------------------------------------------------------------


def import_offers(sim, shop, request):
    """OF01: multipart file + import_mode (NORMAL | REPLACE)."""
    fields, part = _file_part(request)
    mode = fields["import_mode"][0].text.strip() if fields.get("import_mode") else ""
    if mode not in ("NORMAL", "REPLACE", "PARTIAL_UPDATE"):
        raise ApiError(400, "import_mode must be NORMAL or REPLACE, got '%s'" % mode)
    header, rows = _read_csv(part)
    item = _queue_import(
        sim, shop, "OFFERS", header, rows, mode, (mode, part.content), part.filename
    )
    payload = {"import_id": item.import_id}
    if _flag(fields, "with_products"):
        payload["product_import_id"] = item.import_id
    return _import_created(sim, item, "/api/offers/imports/%s", payload)


def upsert_offers(sim, shop, request):
    """OF24: JSON offers through the same pipeline, each offer replaced in full."""
    body = request.json()
    offers = body.get("offers")
    if not isinstance(offers, list) or not offers:
        raise ApiError(400, "offers is required")
    columns = {
        "shop_sku": "sku",
        "product_id": "product-id",
        "product_id_type": "product-id-type",
        "price": "price",
        "quantity": "quantity",
        "state_code": "state",
        "update_delete": "update-delete",
        "description": "description",
        "internal_description": "internal-description",
        "leadtime_to_ship": "leadtime-to-ship",
        "logistic_class": "logistic-class",
        "min_quantity_alert": "min-quantity-alert",
        "min_order_quantity": "min-order-quantity",
        "max_order_quantity": "max-order-quantity",
        "package_quantity": "package-quantity",
    }
    rows = []
    for number, offer in enumerate(offers, start=1):
        row = {
            column: "" if offer.get(key) is None else str(offer[key])
            for key, column in columns.items()
        }
        if offer.get("quantity") is None:
            row["quantity"] = "0"  # the spec: an omitted quantity means 0
        if isinstance(offer.get("discount"), dict) and offer["discount"].get("price") is not None:
            row["discount-price"] = str(offer["discount"]["price"])
            row["discount-start-date"] = offer["discount"].get("start_date") or ""
            row["discount-end-date"] = offer["discount"].get("end_date") or ""
        rows.append((number, row))
    header = list(columns.values()) + ["discount-price", "discount-start-date", "discount-end-date"]
    item = _queue_import(sim, shop, "JSON_OFFERS", header, rows, "NORMAL", request.body)
    return _import_created(sim, item, "/api/offers/imports/%s", {"import_id": item.import_id})


def _offer_import_api(item):
    errors = len(item.errors)
    done = not item.pending
    return {
        "import_id": item.import_id,
        "date_created": format_datetime(item.created),
        "status": item.status,
        "reason_status": item.reason_status,
        "mode": item.mode,
        "type": "MIRAKL",
        "origin": "API",
        "shop_id": item.shop.shop_id,
        "has_error_report": bool(errors),
        "lines_read": len(item.rows) if done else 0,
        "lines_in_success": len(item.rows) - errors if done else 0,
        "lines_in_error": errors,
        "lines_in_pending": 0 if done else len(item.rows),
        "offer_inserted": item.counts["inserted"],
        "offer_updated": item.counts["updated"],
        "offer_deleted": item.counts["deleted"],
    }


def get_offer_import(sim, shop, request):
    """OF02 (a poll moves the import one step)."""
    item = _polled(sim, shop, request.path_params["import"], *OFFER_IMPORT_KINDS)
    payload = _offer_import_api(item)
    payload.pop("origin")
    payload.pop("shop_id")
    return Response.json(payload)


def offer_import_error_report(sim, shop, request):
    """OF03: the rejected rows with error-line and error-message columns appended."""
    item = _get_import(shop, request.path_params["import"], *OFFER_IMPORT_KINDS)
    return _report(item, leading_columns=False, content_type="application/octet-stream")


def _filter_imports(shop, kinds, query):
    def first(name):
        values = query.get(name) or []
        return values[-1] if values else None

    status, mode = first("status"), first("mode")
    start, end = first("start_date"), first("end_date")
    ids = {value for raw in query.get("import_id", []) for value in raw.split(",") if value}
    selected = []
    for item in shop.imports.values():
        if (
            item.kind not in kinds
            or (status and item.status != status)
            or (mode and item.mode != mode)
        ):
            continue
        if (start and item.created < parse_datetime(start)) or (
            end and item.created > parse_datetime(end)
        ):
            continue
        if ids and str(item.import_id) not in ids:
            continue
        selected.append(item)
    return sorted(selected, key=lambda item: (item.created, str(item.import_id)))


def list_offer_imports(sim, shop, request):
    """OF04 (seek pagination, newest first)."""
    return seek_page(
        request,
        lambda query: [
            _offer_import_api(item) for item in _filter_imports(shop, OFFER_IMPORT_KINDS, query)
        ],
        descending=True,
    )


def import_stock(sim, shop, request):
    """STO01."""
    _fields, part = _file_part(request)
    header, rows = _read_csv(part)
    item = _queue_import(
        sim, shop, "STOCK", header, rows, digest=part.content, file_name=part.filename
    )
    return _import_created(
        sim, item, "/api/offers/stock/imports/%s/status", {"import_id": item.import_id}
    )


def get_stock_import(sim, shop, request):
    """STO02 (a poll moves the import one step)."""
    item = _polled(sim, shop, request.path_params["import_id"], "STOCK")
    payload = {
        "import_id": item.import_id,
        "shop_id": shop.shop_id,
        "date_created": format_datetime(item.created),
        "status": item.status,
        "has_error_report": bool(item.errors),
    }
    if not item.pending:
        payload.update(
            lines_in_success=len(item.rows) - len(item.errors), lines_in_error=len(item.errors)
        )
    return Response.json(payload)


def stock_import_error_report(sim, shop, request):
    """STO03: line number and reason first, then the original columns."""
    item = _get_import(shop, request.path_params["import_id"], "STOCK")
    return _report(item, leading_columns=True, content_type="text/csv")


def import_prices(sim, shop, request):
    """PRI01."""
    _fields, part = _file_part(request)
    header, rows = _read_csv(part)
    item = _queue_import(
        sim, shop, "PRICING", header, rows, digest=part.content, file_name=part.filename
    )
    return Response.json({"import_id": item.import_id}, status=201)


def _pricing_import_api(item):
    done = not item.pending
    errors = len(item.errors)
    offers_in_error = len({row.get("offer-sku") for _line, row, _message in item.errors})
    return {
        "import_id": item.import_id,
        "shop_id": item.shop.shop_id,
        "date_created": format_datetime(item.created),
        "status": item.status,
        "reason_status": item.reason_status,
        "origin": "API",
        "has_error_report": bool(errors),
        "lines_in_success": len(item.rows) - errors if done else 0,
        "lines_in_error": errors,
        "offers_updated": item.counts["updated"],
        "offers_in_error": offers_in_error,
    }


def list_price_imports(sim, shop, request):
    """PRI02 (seek pagination, newest first; a pending import listed moves one step, as a poll)."""
    for item in _filter_imports(shop, ("PRICING",), request.query):
        if item.pending:
            item.step(sim, sim.now())
    return seek_page(
        request,
        lambda query: [
            _pricing_import_api(item) for item in _filter_imports(shop, ("PRICING",), query)
        ],
        descending=True,
    )


def price_import_error_report(sim, shop, request):
    """PRI03."""
    item = _get_import(shop, request.path_params["import_id"], "PRICING")
    return _report(item, leading_columns=True, content_type="text/csv")


def import_products(sim, shop, request):
    """P41: rows need sku, title and category (a hierarchy code); ean is optional."""
    _fields, part = _file_part(request)
    header, rows = _read_csv(part)
    item = _queue_import(
        sim, shop, "PRODUCTS", header, rows, digest=part.content, file_name=part.filename
    )
    return _import_created(sim, item, "/api/products/imports/%s", {"import_id": item.import_id})


def get_product_import(sim, shop, request):
    """P42."""
    item = _polled(sim, shop, request.path_params["import"], "PRODUCTS")
    transformed = not item.pending
    return Response.json(
        {
            "import_id": item.import_id,
            "shop_id": shop.shop_id,
            "date_created": format_datetime(item.created),
            "import_status": item.status,
            "reason_status": item.reason_status,
            "has_error_report": bool(item.errors),
            "has_new_product_report": False,
            "has_transformation_error_report": bool(item.transformation_errors),
            "has_transformed_file": False,
            "transform_lines_read": len(item.rows) if transformed else 0,
            "transform_lines_in_success": len(item.rows) - len(item.transformation_errors)
            if transformed
            else 0,
            "transform_lines_in_error": len(item.transformation_errors),
            "transform_lines_with_warning": 0,
        }
    )


def product_import_error_report(sim, shop, request):
    """P44: rows the operator could not integrate (unknown category)."""
    item = _get_import(shop, request.path_params["import"], "PRODUCTS")
    if not item.errors:
        raise ApiError(404, "Import %s has no error report" % item.import_id)
    return Response.file(_rows_report(item, item.errors), "error-report-%s.csv" % item.import_id)


def product_import_transformation_report(sim, shop, request):
    """P47: rows that could not be read into the operator's format (missing attributes)."""
    item = _get_import(shop, request.path_params["import"], "PRODUCTS")
    if not item.transformation_errors:
        raise ApiError(404, "Import %s has no transformation error report" % item.import_id)
    return Response.file(
        _rows_report(item, item.transformation_errors),
        "transformation-errors-%s.csv" % item.import_id,
    )


def _rows_report(item, rejected):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(item.header + ["errors"])
    for _line, row, message in rejected:
        writer.writerow([row.get(column, "") for column in item.header] + [message])
    return out.getvalue().encode("utf-8")


def register(router):
    router.add("POST", "/api/offers/imports", "OF01", import_offers)
    router.add("GET", "/api/offers/imports/{import}", "OF02", get_offer_import)
    router.add(
        "GET", "/api/offers/imports/{import}/error_report", "OF03", offer_import_error_report
    )
    router.add("GET", "/api/offers/imports", "OF04", list_offer_imports)
    router.add("POST", "/api/offers", "OF24", upsert_offers)
    router.add("POST", "/api/offers/stock/imports", "STO01", import_stock)
    router.add("GET", "/api/offers/stock/imports/{import_id}/status", "STO02", get_stock_import)
    router.add(
        "GET",
        "/api/offers/stock/imports/{import_id}/error_report",
        "STO03",
        stock_import_error_report,
    )
    router.add("POST", "/api/offers/pricing/imports", "PRI01", import_prices)
    router.add("GET", "/api/offers/pricing/imports", "PRI02", list_price_imports)
    router.add(
        "GET",
        "/api/offers/pricing/imports/{import_id}/error_report",
        "PRI03",
        price_import_error_report,
    )
    router.add("POST", "/api/products/imports", "P41", import_products)
    router.add("GET", "/api/products/imports/{import}", "P42", get_product_import)
    router.add(
        "GET", "/api/products/imports/{import}/error_report", "P44", product_import_error_report
    )
    router.add(
        "GET",
        "/api/products/imports/{import}/transformation_error_report",
        "P47",
        product_import_transformation_report,
    )
