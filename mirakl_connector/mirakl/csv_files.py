"""Streaming writers of the CSV files Mirakl imports: offers (OF01), stock (STO01), prices (PRI01).

Mirakl's format: UTF-8, ``;``-separated, a header row of column codes, values double-quoted.
Each row goes straight to the file object, so 100,000 offers cost no more memory than one: the
caller hands a (temporary) binary file to the writer and then that same file to the client.

    with OfferCsvWriter(columns=("sku", "price", "quantity", "state")) as offers:
        for product in products:
            offers.write_row({"sku": ..., "price": Decimal("19.99"), "quantity": 3, "state": "11"})
    client.import_offers(offers.file, import_mode="NORMAL")
"""

import csv
import datetime
import decimal
import io
import math
import re
import tempfile

from .dates import to_mirakl

# api-reference.md §5.1 (OF01 standard columns).
OFFER_COLUMNS = (
    "sku", "product-id", "product-id-type", "description", "internal-description", "price",
    "price-additional-info", "quantity", "min-quantity-alert", "state", "available-start-date",
    "available-end-date", "discount-price", "discount-start-date", "discount-end-date",
    "discount-ranges", "allow-quote-requests", "leadtime-to-ship", "min-order-quantity",
    "max-order-quantity", "package-quantity", "update-delete", "price-ranges", "logistic-class",
    "product-tax-code", "pricing-unit", "favorite-rank",
)
# Per-channel prices and EPR (extended producer responsibility) columns carry a parameter.
OFFER_PARAMETRISED_COLUMN = re.compile(
    r"^(?:(?:price|discount-price|discount-start-date|discount-end-date|discount-ranges"
    r"|price-ranges)\[channel=[^\]\s;]+\]|(?:producer-id|eco-contribution-amount)\[[^\]\s;]+\])$")
# api-reference.md §5.9 (STO01).
STOCK_COLUMNS = ("offer-sku", "quantity", "warehouse-code", "update-delete")
# api-reference.md §5.10 (PRI01).
PRICE_COLUMNS = (
    "offer-sku", "price", "discount-price", "discount-start-date", "discount-end-date",
    "price-ranges", "discount-ranges", "channels", "start-date", "end-date",
    "customer-organization-ids", "customer-group-ids", "price-type",
)

INTEGER_COLUMNS = frozenset({
    "quantity", "min-quantity-alert", "leadtime-to-ship", "min-order-quantity",
    "max-order-quantity", "package-quantity", "favorite-rank"})
DECIMAL_COLUMNS = frozenset({"price", "discount-price"})
RANGE_COLUMNS = frozenset({"price-ranges", "discount-ranges"})
PIPE_LIST_COLUMNS = frozenset({"channels", "customer-organization-ids", "customer-group-ids"})
UPDATE_DELETE_VALUES = ("", "update", "delete")


class CsvRowError(ValueError):
    """A row that Mirakl would reject; the message names the row and the column."""


class _MiraklCsvWriter:
    file_kind = None
    key_column = None
    standard_columns = ()
    required_columns = ()

    def __init__(self, columns=None, fileobj=None, custom_columns=()):
        columns = tuple(columns or self.default_columns())
        self._check_columns(columns, tuple(custom_columns))
        if self.key_column not in columns:
            raise ValueError("%s file needs the %r column" % (self.file_kind, self.key_column))
        self.columns = columns
        self.file = fileobj if fileobj is not None else tempfile.TemporaryFile()
        self._text = io.TextIOWrapper(self.file, encoding="utf-8", newline="",
                                      write_through=True)
        self._writer = csv.writer(self._text, delimiter=";", quotechar='"',
                                  quoting=csv.QUOTE_ALL, lineterminator="\n")
        self._writer.writerow(columns)
        self.rows_written = 0
        self._closed = False

    def default_columns(self):
        return self.standard_columns

    def _check_columns(self, columns, custom_columns):
        if len(set(columns)) != len(columns):
            raise ValueError("%s columns repeat a name: %r" % (self.file_kind, columns))
        unknown = [column for column in columns
                   if column not in self.standard_columns and column not in custom_columns
                   and not self._is_parametrised(column)]
        if unknown:
            raise ValueError("unknown %s column(s) %s; declare offer custom fields in "
                             "custom_columns" % (self.file_kind, ", ".join(unknown)))

    def _is_parametrised(self, column):
        return False

    def write_row(self, values):
        """Write one row from a {column: value} dict; missing columns are left empty."""
        if self._closed:
            raise ValueError("%s writer is already finished" % self.file_kind)
        row_number = self.rows_written + 1
        unknown = set(values) - set(self.columns)
        if unknown:
            raise CsvRowError("%s row %d has column(s) %s that the header does not declare"
                              % (self.file_kind, row_number, ", ".join(sorted(unknown))))
        cells = [self._cell(row_number, column, values.get(column)) for column in self.columns]
        self._check_row(row_number, dict(zip(self.columns, cells, strict=True)))
        self._writer.writerow(cells)
        self.rows_written += 1

    def write_rows(self, rows):
        for values in rows:
            self.write_row(values)

    def _check_row(self, row_number, cells):
        if not cells[self.key_column]:
            raise CsvRowError("%s row %d has no %s" % (self.file_kind, row_number,
                                                        self.key_column))
        action = cells.get("update-delete", "")
        if action not in UPDATE_DELETE_VALUES:
            raise CsvRowError("%s row %d: update-delete must be empty, 'update' or 'delete', "
                              "got %r" % (self.file_kind, row_number, action))
        if action == "delete":
            return
        missing = [column for column in self.required_columns if not cells.get(column)]
        if missing:
            raise CsvRowError("%s row %d (%s) misses %s" % (
                self.file_kind, row_number, cells[self.key_column], ", ".join(missing)))

    def _cell(self, row_number, column, value):
        try:
            return format_cell(column, value)
        except (TypeError, ValueError) as exc:
            raise CsvRowError("%s row %d, column %s: %s" % (self.file_kind, row_number, column,
                                                            exc)) from None

    def finish(self):
        """Flush and rewind the file for upload; returns the binary file object."""
        if not self._closed:
            self._text.flush()
            self._text.detach()
            self._closed = True
        self.file.seek(0)
        return self.file

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        self.finish()
        return False


class OfferCsvWriter(_MiraklCsvWriter):
    """OF01 offer file. ``custom_columns`` lists the operator's offer custom-field codes."""

    file_kind = "OF01"
    key_column = "sku"
    standard_columns = OFFER_COLUMNS

    def default_columns(self):
        return ("sku", "product-id", "product-id-type", "price", "quantity", "state",
                "update-delete")

    def _is_parametrised(self, column):
        return bool(OFFER_PARAMETRISED_COLUMN.match(column))


class StockCsvWriter(_MiraklCsvWriter):
    """STO01 stock-only file: one row per offer (per warehouse when multi-warehouse)."""

    file_kind = "STO01"
    key_column = "offer-sku"
    standard_columns = STOCK_COLUMNS
    required_columns = ("quantity",)


class PriceCsvWriter(_MiraklCsvWriter):
    """PRI01 price-only file. Mirakl deletes the prices of an offer that are not resent, so
    write every price of an offer (all channels) together."""

    file_kind = "PRI01"
    key_column = "offer-sku"
    standard_columns = PRICE_COLUMNS
    required_columns = ("price",)

    def default_columns(self):
        return ("offer-sku", "price", "discount-price", "discount-start-date",
                "discount-end-date")


def format_cell(column, value):
    """Mirakl's text for one value: decimals with '.', booleans true/false, ISO dates, price
    ranges as ``qty|price,...``, pipe-joined lists."""
    if value is None or value == "":
        return ""
    base = column.split("[", 1)[0]
    if base in RANGE_COLUMNS and not isinstance(value, str):
        return ",".join("%d|%s" % (_integer(quantity), _decimal(price))
                        for quantity, price in value)
    if base in PIPE_LIST_COLUMNS and not isinstance(value, str):
        return "|".join(str(item) for item in value)
    if base in INTEGER_COLUMNS:
        return str(_integer(value))
    if base in DECIMAL_COLUMNS:
        return _decimal(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return to_mirakl(value)
    if isinstance(value, (int, float, decimal.Decimal)):
        return _decimal(value)
    text = str(value)
    if "\x00" in text:
        raise ValueError("contains a NUL character")
    return text


def _integer(value):
    if isinstance(value, bool):
        raise ValueError("expected a whole number, got %r" % value)
    if isinstance(value, str):
        value = value.strip()
        if not re.fullmatch(r"\d+", value):
            raise ValueError("expected a whole number, got %r" % value)
        return int(value)
    if isinstance(value, float) and not value.is_integer():
        raise ValueError("expected a whole number, got %r" % value)
    number = int(value)
    if number < 0:
        raise ValueError("must not be negative, got %r" % value)
    return number


def _decimal(value):
    if isinstance(value, bool):
        raise ValueError("expected a number, got %r" % value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("expected a finite number, got %r" % value)
        value = repr(value)  # shortest text that round-trips, e.g. 19.99 not 19.989999…
    try:
        number = decimal.Decimal(str(value).strip())
    except decimal.InvalidOperation:
        raise ValueError("expected a number with '.' decimals, got %r" % value) from None
    if not number.is_finite():
        raise ValueError("expected a finite number, got %r" % value)
    if number < 0:
        raise ValueError("must not be negative, got %r" % value)
    return format(number, "f")


def read_error_report(content):
    """Rows of an OF03/STO03/PRI03 error report (CSV bytes or text) as dicts."""
    if isinstance(content, bytes):
        content = content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(content), delimiter=";"))
