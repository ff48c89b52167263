"""Accounting documents (IV01, IV02) and transaction logs (TL02)."""

from .clock import format_datetime, parse_datetime
from .money import to_amount
from .paging import offset_page, seek_page
from .web import ApiError, Response

TL02_MAX_LIMIT = 2000


def invoice_api(shop, invoice):
    return {
        "invoice_id": invoice["invoice_id"],
        "id": str(invoice["invoice_id"]),
        "type": invoice["type"],
        "state": "COMPLETE",
        "shop_id": shop.shop_id,
        "shop_name": shop.name,
        "currency_iso_code": shop.currency,
        "date_created": format_datetime(invoice["date"]),
        "issue_date": format_datetime(invoice["date"]),
        "due_date": format_datetime(invoice["due"]),
        "total_amount_excl_taxes": to_amount(invoice["excl_cents"]),
        "total_amount_incl_taxes": to_amount(invoice["excl_cents"] + invoice["tax_cents"]),
        "total_taxes": [{"code": "TAXDEFAULT", "amount": to_amount(invoice["tax_cents"])}],
        "payment": {"state": invoice["payment_state"]},
        "issuing_user": {"type": "BATCH"},
        "details": [],
    }


def list_invoices(sim, shop, request):
    """IV01 (offset pagination; filters start_date, end_date, type, payment_status)."""
    start, end = request.arg("start_date"), request.arg("end_date")
    kind = request.arg("type")
    payment = request.arg("payment_status")
    ids = set(request.args("invoice_id"))
    selected = [
        invoice
        for invoice in shop.invoices
        if (not start or invoice["date"] >= parse_datetime(start))
        and (not end or invoice["date"] <= parse_datetime(end))
        and (not kind or kind == "ALL" or invoice["type"] == kind)
        and (not payment or invoice["payment_state"] == payment)
        and (not ids or str(invoice["invoice_id"]) in ids)
    ]
    return offset_page(
        request, [invoice_api(shop, invoice) for invoice in selected], "invoices", sim.base_url
    )


def download_invoice(sim, shop, request):
    """IV02: the document as a (minimal) PDF."""
    wanted = request.path_params["accounting_document_id"]
    invoice = next((item for item in shop.invoices if str(item["invoice_id"]) == wanted), None)
    if invoice is None:
        raise ApiError(404, "Accounting document %s not found" % wanted)
    text = "Invoice %s - %s %.2f" % (
        wanted,
        shop.currency,
        to_amount(invoice["excl_cents"] + invoice["tax_cents"]),
    )
    return Response.file(_minimal_pdf(text), "invoice-%s.pdf" % wanted, "application/octet-stream")


def _minimal_pdf(text):
    stream = "BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        "<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = "%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += "%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += "xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += "".join("%010d 00000 n \n" % offset for offset in offsets)
    out += "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out.encode("latin-1")


def transaction_api(shop, entry):
    payload = {
        "id": entry["id"],
        "type": entry["type"],
        "amount": to_amount(entry["cents"]),
        "amount_credited": to_amount(max(entry["cents"], 0)),
        "amount_debited": to_amount(max(-entry["cents"], 0)),
        "balance": to_amount(entry["balance_cents"]),
        "currency_iso_code": shop.currency,
        "date_created": format_datetime(entry["date"]),
        "last_updated": format_datetime(entry["date"]),
        "payment_state": entry["payment_state"],
        "entities": {},
    }
    if entry.get("order_id"):
        payload["entities"]["order"] = {
            "id": entry["order_id"],
            "commercial_id": entry["order_id"].rsplit("-", 1)[0],
        }
    if entry.get("order_line_id"):
        payload["entities"]["order_line"] = {"id": entry["order_line_id"]}
    if entry.get("invoice_id"):
        payload["accounting_document_id"] = str(entry["invoice_id"])
        payload["accounting_document_number"] = "INV-%s" % entry["invoice_id"]
    return payload


def list_transactions(sim, shop, request):
    """TL02 (seek pagination, limit up to 2000, newest first unless sort=…,ASC)."""

    def rows(query):
        def first(name):
            return (query.get(name) or [None])[-1]

        def listed(name):
            return {value for raw in query.get(name, []) for value in raw.split(",") if value}

        start, end = first("date_created_from"), first("date_created_to")
        since = first("last_updated_from")
        kinds, states, orders = (
            listed("transaction_type"),
            listed("payment_state"),
            listed("order_id"),
        )
        selected = [
            entry
            for entry in shop.transactions
            if (not start or entry["date"] >= parse_datetime(start))
            and (not end or entry["date"] <= parse_datetime(end))
            and (not since or entry["date"] >= parse_datetime(since))
            and (not kinds or entry["type"] in kinds)
            and (not states or entry["payment_state"] in states)
            and (not orders or entry.get("order_id") in orders)
        ]
        return [transaction_api(shop, entry) for entry in selected]

    return seek_page(request, rows, max_limit=TL02_MAX_LIMIT, descending=True)


def register(router):
    router.add("GET", "/api/invoices", "IV01", list_invoices)
    router.add("GET", "/api/invoices/{accounting_document_id}", "IV02", download_invoice)
    router.add("GET", "/api/sellerpayment/transactions_logs", "TL02", list_transactions)
