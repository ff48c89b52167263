"""Order documents: upload (OR74, multipart), list (OR72), download (OR73)."""

import io
import json
import zipfile

from .clock import format_datetime
from .multipart import form_fields
from .web import ApiError, Response

DOCUMENT_TYPES = (
    "CUSTOMER_INVOICE",
    "CUSTOMER_CREDIT_NOTE",
    "SYSTEM_DELIVERY_BILL",
    "SYSTEM_RETURN_LABEL",
)
OPERATOR_ONLY_TYPES = ("SYSTEM_DELIVERY_BILL", "SYSTEM_SHIPMENT_DELIVERY_BILL")
EXTENSIONS = (
    "csv",
    "doc",
    "xls",
    "xlsx",
    "ppt",
    "pdf",
    "odt",
    "ods",
    "odp",
    "txt",
    "rtf",
    "png",
    "jpg",
    "gif",
    "zpl",
    "mov",
    "mp4",
)
MAX_DOCUMENTS_PER_ORDER = 50


def _document_api(document):
    return {
        "id": document["id"],
        "order_id": document["order_id"],
        "type": document["type"],
        "file_name": document["file_name"],
        "file_size": len(document["content"]),
        "date_uploaded": format_datetime(document["uploaded"]),
    }


def _order_documents(shop, order_id):
    return [doc for doc in shop.documents.values() if doc["order_id"] == order_id]


def _document_error(entry, field, message):
    return {
        "input": {"file_name": entry.get("file_name", ""), "type_code": entry.get("type_code", "")},
        "errors": [{"code": "valid_order_document.%s" % field, "field": field, "message": message}],
    }


def _upload_problem(shop, order_id, entry, files, names):
    name = entry.get("file_name", "")
    if entry.get("type_code") not in DOCUMENT_TYPES:
        return "type_code", "Unable to retrieve document's type from the given code"
    if entry["type_code"] in OPERATOR_ONLY_TYPES:
        return "type_code", "Only the operator can upload %s documents" % entry["type_code"]
    if name not in files:
        return "file_name", "No file part named '%s'" % name
    if names.count(name) > 1:
        return "file_name", "File names must be distinct"
    if name.rsplit(".", 1)[-1].lower() not in EXTENSIONS:
        return "file_name", "Extension not allowed"
    if len(_order_documents(shop, order_id)) >= MAX_DOCUMENTS_PER_ORDER:
        return "file_name", "An order holds at most %d documents" % MAX_DOCUMENTS_PER_ORDER
    return None


def upload_documents(sim, shop, request):
    """OR74: parts 'files' (one per file) and 'order_documents' (JSON); only failures are listed."""
    order = shop.order(request.path_params["order_id"])
    fields = form_fields(request)
    if not fields.get("order_documents"):
        raise ApiError(400, "The multipart part 'order_documents' is required")
    try:
        entries = json.loads(fields["order_documents"][0].content)["order_documents"]
    except (ValueError, KeyError, TypeError):
        raise ApiError(400, 'order_documents must be JSON {"order_documents": [...]}')
    files = {part.filename: part.content for part in fields.get("files", [])}
    names = [entry.get("file_name", "") for entry in entries]
    failed = []
    for entry in entries:
        problem = _upload_problem(shop, order.order_id, entry, files, names)
        if problem:
            failed.append(_document_error(entry, *problem))
            continue
        document_id = int(shop.next_id("document"))
        shop.documents[document_id] = {
            "id": document_id,
            "order_id": order.order_id,
            "type": entry["type_code"],
            "file_name": entry["file_name"],
            "content": files[entry["file_name"]],
            "uploaded": sim.now(),
        }
    if len(failed) < len(entries):
        order.updated = sim.now()
    return Response.json({"errors_count": len(failed), "order_documents": failed})


def add_operator_document(sim, order, type_code, file_name, content):
    """What the operator attaches to an order (shipping labels, delivery bills)."""
    shop = order.shop
    document_id = int(shop.next_id("document"))
    shop.documents[document_id] = {
        "id": document_id,
        "order_id": order.order_id,
        "type": type_code,
        "file_name": file_name,
        "content": content,
        "uploaded": sim.now(),
    }
    order.updated = sim.now()
    return shop.documents[document_id]


def list_documents(sim, shop, request):
    """OR72 (order_ids required)."""
    order_ids = request.args("order_ids")
    if not order_ids:
        raise ApiError(400, "order_ids is required")
    documents = [
        _document_api(doc) for order_id in order_ids for doc in _order_documents(shop, order_id)
    ]
    return Response.json({"order_documents": documents, "total_count": len(documents)})


def download_documents(sim, shop, request):
    """OR73: one document id → the file itself; otherwise a ZIP with one folder per order."""
    document_ids = request.args("document_ids")
    order_ids = request.args("order_ids")
    codes = set(request.args("document_codes"))
    if not document_ids and not order_ids:
        raise ApiError(400, "document_ids or order_ids is required")
    selected = [
        doc
        for doc in shop.documents.values()
        if (str(doc["id"]) in document_ids or doc["order_id"] in order_ids)
        and (not codes or doc["type"] in codes)
    ]
    if not selected:
        raise ApiError(404, "No document matches")
    if len(document_ids) == 1 and not order_ids:
        return Response.file(selected[0]["content"], selected[0]["file_name"])
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for doc in selected:
            bundle.writestr("%s/%s" % (doc["order_id"], doc["file_name"]), doc["content"])
    stamp = format_datetime(sim.now()).replace(":", "").replace("-", "")[:15]
    return Response.file(archive.getvalue(), "documents-%s.zip" % stamp)


def register(router):
    router.add("GET", "/api/orders/documents", "OR72", list_documents)
    router.add("GET", "/api/orders/documents/download", "OR73", download_documents)
    router.add("POST", "/api/orders/{order_id}/documents", "OR74", upload_documents)
