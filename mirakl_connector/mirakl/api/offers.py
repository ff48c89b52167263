"""Offer calls: offer, stock and price imports, offer listings and exports."""

from urllib.parse import parse_qs, urlsplit

from ..paging import MAX_PAGE_SIZE, check_page_size
from .params import build_query, filter_query, format_value, require_items, segment


class OffersApi:
    """Offer, stock and price calls (OF01-OF54, STO01-STO03, PRI01-PRI03)."""

    def import_offers(self, file, import_mode="NORMAL", with_products=False,
                      operator_format=False, filename="offers.csv"):
        """OF01: upload an offer file (see csv_files.OfferCsvWriter) -> {"import_id"}.

        REPLACE deletes every offer of the shop that the file does not list. Not retried
        blindly (Mirakl de-duplicates identical imports, but not reliably enough to rely on).
        """
        if import_mode not in ("NORMAL", "REPLACE"):
            raise ValueError("OF01 import_mode must be NORMAL or REPLACE, got %r" % import_mode)
        data = {"import_mode": import_mode, "with_products": format_value(with_products),
                "operator_format": format_value(operator_format)}
        return self._request("OF01", "POST", "/api/offers/imports",
                             files=[("file", (filename, file, "text/csv"))], data=data,
                             governor_key="OF01:with_products" if with_products else "OF01")

    def get_offer_import(self, import_id):
        """OF02: status and counters of an offer import."""
        return self._request("OF02", "GET", "/api/offers/imports/%s" % segment(import_id))

    def get_offer_import_error_report(self, import_id):
        """OF03: the error report (CSV) of an offer import -> MiraklFile."""
        return self._request("OF03", "GET", "/api/offers/imports/%s/error_report"
                             % segment(import_id), expect="file")

    def list_offer_imports(self, limit=MAX_PAGE_SIZE, page_token=None, **filters):
        """OF04: one page of offer imports (start_date, end_date, status, mode, origins)."""
        return self._seek_page("OF04", "/api/offers/imports", _of04_query(filters), limit,
                               page_token)

    def iter_offer_imports(self, limit=MAX_PAGE_SIZE, **filters):
        """OF04: every matching offer import."""
        return self._iter_seek("OF04", "/api/offers/imports", _of04_query(filters), limit,
                               dedupe_key="import_id")

    def list_offers(self, offset=0, page_size=MAX_PAGE_SIZE, **filters):
        """OF21: one page of the shop's offers -> {"offers", "total_count"}."""
        check_page_size(page_size)
        params = dict(_of21_query(filters), max=page_size, offset=offset)
        return self._request("OF21", "GET", "/api/offers", params=params)

    def iter_offers(self, page_size=MAX_PAGE_SIZE, **filters):
        """OF21: every offer of the shop."""
        return self._iter_offset("OF21", "/api/offers", "offers", _of21_query(filters),
                                 page_size, dedupe_key="offer_id")

    def get_offer(self, offer_id, pricing_channel_code=None,
                  pricing_customer_organization_id=None):
        """OF22: one offer by Mirakl offer id."""
        return self._request("OF22", "GET", "/api/offers/%s" % segment(offer_id),
                             params=build_query({
                                 "pricing_channel_code": pricing_channel_code,
                                 "pricing_customer_organization_id":
                                     pricing_customer_organization_id}))

    def upsert_offers(self, offers):
        """OF24: create, update (full replace) or delete offers as JSON -> {"import_id"}."""
        require_items("OF24", "offers", offers, ("shop_sku",))
        return self._request("OF24", "POST", "/api/offers", json_body={"offers": list(offers)})

    def export_offers_csv(self, last_request_date=None, channel_codes=None,
                          shipping_zones=None, include_inactive_offers=None,
                          include_fields=None):
        """OF51 (deprecated by Mirakl in favour of OF52): the shop's offers as CSV text."""
        return self._request("OF51", "GET", "/api/offers/export", params=build_query({
            "last_request_date": last_request_date, "channel_codes": channel_codes,
            "shipping_zones": shipping_zones, "include_inactive_offers": include_inactive_offers,
            "include_fields": include_fields}), expect="text")

    def request_offer_export(self, **options):
        """OF52: start an asynchronous offer export -> {"tracking_id"}. ``options`` are the
        spec's body fields (export_type, last_request_date, items_per_chunk…)."""
        return self._request("OF52", "POST", "/api/offers/export/async", json_body=options)

    def get_offer_export_status(self, tracking_id):
        """OF53: status of an OF52 export; COMPLETED carries the chunk ``urls``."""
        return self._request("OF53", "GET", "/api/offers/export/async/status/%s"
                             % segment(tracking_id))

    def download_offer_export(self, url):
        """OF54: one chunk of a completed OF52 export (URL from OF53) -> MiraklFile.

        The key is only ever sent to the configured Mirakl host.
        """
        target = urlsplit(url)
        base = urlsplit(self.base_url)
        if (target.scheme, target.netloc) != (base.scheme, base.netloc):
            raise ValueError("OF54 URL %r is not on the Mirakl host %s; refusing to send the "
                             "API key there" % (url, base.netloc))
        return self._request("OF54", "GET", target.path, url=url.split("?")[0],
                             params={k: v for k, v in parse_qs(target.query).items()},
                             expect="file")

    def import_stock(self, file, filename="stock.csv"):
        """STO01: upload a stock-only file (see csv_files.StockCsvWriter) -> {"import_id"}."""
        return self._request("STO01", "POST", "/api/offers/stock/imports",
                             files=[("file", (filename, file, "text/csv"))])

    def get_stock_import(self, import_id):
        """STO02: status of a stock import."""
        return self._request("STO02", "GET", "/api/offers/stock/imports/%s/status"
                             % segment(import_id))

    def get_stock_import_error_report(self, import_id):
        """STO03: failed lines of a stock import (CSV) -> MiraklFile."""
        return self._request("STO03", "GET", "/api/offers/stock/imports/%s/error_report"
                             % segment(import_id), expect="file")

    def import_prices(self, file, filename="prices.csv"):
        """PRI01: upload a price-only file (see csv_files.PriceCsvWriter) -> {"import_id"}."""
        return self._request("PRI01", "POST", "/api/offers/pricing/imports",
                             files=[("file", (filename, file, "text/csv"))])

    def list_price_imports(self, limit=MAX_PAGE_SIZE, page_token=None, **filters):
        """PRI02: one page of price imports (import_id, start_date, end_date, status, origins)."""
        return self._seek_page("PRI02", "/api/offers/pricing/imports", _pri02_query(filters),
                               limit, page_token)

    def iter_price_imports(self, limit=MAX_PAGE_SIZE, **filters):
        """PRI02: every matching price import."""
        return self._iter_seek("PRI02", "/api/offers/pricing/imports", _pri02_query(filters),
                               limit, dedupe_key="import_id")

    def get_price_import_error_report(self, import_id):
        """PRI03: failed lines of a price import (CSV) -> MiraklFile."""
        return self._request("PRI03", "GET", "/api/offers/pricing/imports/%s/error_report"
                             % segment(import_id), expect="file")


def _of04_query(filters):
    return filter_query("OF04", filters, ("start_date", "end_date", "status", "mode",
                                           "origins"), ("origins",))


def _of21_query(filters):
    return filter_query("OF21", filters, (
        "offer_state_codes", "sku", "product_id", "favorite", "pricing_channel_code",
        "pricing_customer_organization_id", "sort", "order"))


def _pri02_query(filters):
    return filter_query("PRI02", filters, ("import_id", "start_date", "end_date", "status",
                                            "origins"), ("import_id", "origins"))
