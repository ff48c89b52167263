"""Accounting calls: accounting documents and transaction logs."""

from ..paging import MAX_PAGE_SIZE, check_page_size
from .params import filter_query, segment


class AccountingApi:
    """Accounting calls (IV01, IV02, TL02)."""

    def list_invoices(self, offset=0, page_size=MAX_PAGE_SIZE, **filters):
        """IV01: one page of accounting documents -> {"invoices", "total_count"}."""
        check_page_size(page_size)
        return self._request("IV01", "GET", "/api/invoices",
                             params=dict(_iv01_query(filters), max=page_size, offset=offset))

    def iter_invoices(self, page_size=MAX_PAGE_SIZE, **filters):
        """IV01: every matching accounting document."""
        return self._iter_offset("IV01", "/api/invoices", "invoices", _iv01_query(filters),
                                 page_size, dedupe_key="invoice_id")

    def download_invoice(self, accounting_document_id):
        """IV02: the accounting document file (PDF…) -> MiraklFile."""
        return self._request("IV02", "GET", "/api/invoices/%s" % segment(accounting_document_id),
                             expect="file")

    def list_transaction_logs(self, limit=MAX_PAGE_SIZE, page_token=None, **filters):
        """TL02: one page of transaction lines."""
        return self._seek_page("TL02", "/api/sellerpayment/transactions_logs",
                               _tl02_query(filters), limit, page_token)

    def iter_transaction_logs(self, limit=MAX_PAGE_SIZE, **filters):
        """TL02: every matching transaction line."""
        return self._iter_seek("TL02", "/api/sellerpayment/transactions_logs",
                               _tl02_query(filters), limit)


def _iv01_query(filters):
    array = ("invoice_id", "issuing_user_types", "pay_out_psp_codes", "seller_billing_cycle_id")
    return filter_query("IV01", filters, array + (
        "currency", "end_date", "payment_status", "start_date", "type", "sort", "order"), array)


def _tl02_query(filters):
    array = ("seller_billing_cycle_id", "payment_state", "transaction_type", "order_id",
             "order_line_id", "order_reference_for_customer", "order_reference_for_seller",
             "shop_model", "pay_out_psp_codes", "other_reference")
    return filter_query("TL02", filters, array + (
        "date_created_from", "date_created_to", "transaction_date_from", "transaction_date_to",
        "last_updated_from", "accounting_document_number", "accounting_document_id", "sort"),
        array)
