"""CSV writers for OF01/STO01/PRI01: Mirakl's format, validation, round trips."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from mirakl.csv_files import (
    CsvRowError,
    OfferCsvWriter,
    PriceCsvWriter,
    StockCsvWriter,
    format_cell,
    read_error_report,
)


def parse(fileobj):
    text = fileobj.read().decode("utf-8")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_offer_file_round_trips_with_mirakl_format():
    columns = ("sku", "product-id", "product-id-type", "description", "price", "quantity",
               "state", "discount-start-date", "price-ranges", "price[channel=FR]",
               "update-delete")
    with OfferCsvWriter(columns=columns) as writer:
        writer.write_row({"sku": "SKU-1", "product-id": "0012345678905", "product-id-type": "UPC",
                          "description": 'Mug; "large"\nwith a line break',
                          "price": Decimal("19.90"),
                          "quantity": 12, "state": "11",
                          "discount-start-date": datetime.date(2026, 1, 31),
                          "price-ranges": [(5, Decimal("18.5")), (10, 17)],
                          "price[channel=FR]": 21.3, "update-delete": "update"})
        writer.write_row({"sku": "SKU-2", "update-delete": "delete"})
    raw = writer.file.read()
    writer.file.seek(0)
    assert raw.startswith(b'"sku";"product-id";"product-id-type"')
    rows = parse(writer.file)
    assert rows[0] == list(columns)
    assert rows[1] == ["SKU-1", "0012345678905", "UPC", 'Mug; "large"\nwith a line break',
                       "19.90", "12", "11", "2026-01-31", "5|18.5,10|17", "21.3", "update"]
    assert rows[2] == ["SKU-2"] + [""] * 9 + ["delete"]
    assert writer.rows_written == 2


def test_offer_file_keeps_utf8_text():
    with OfferCsvWriter(columns=("sku", "description")) as writer:
        writer.write_row({"sku": "Éte-1", "description": "Crème brûlée — 3 €"})
    assert parse(writer.file)[1] == ["Éte-1", "Crème brûlée — 3 €"]


def test_stock_file_round_trip_and_required_quantity():
    with StockCsvWriter() as writer:
        writer.write_row({"offer-sku": "SKU-1", "quantity": 0})
        writer.write_row({"offer-sku": "SKU-1", "quantity": "7", "warehouse-code": "WH-2"})
        with pytest.raises(CsvRowError, match="STO01 row 3 .SKU-2. misses quantity"):
            writer.write_row({"offer-sku": "SKU-2"})
    assert parse(writer.file) == [["offer-sku", "quantity", "warehouse-code", "update-delete"],
                                  ["SKU-1", "0", "", ""], ["SKU-1", "7", "WH-2", ""]]


def test_price_file_round_trip():
    columns = ("offer-sku", "price", "discount-price", "discount-start-date",
               "discount-end-date", "channels", "customer-group-ids")
    plus_one = datetime.timezone(datetime.timedelta(hours=1))
    with PriceCsvWriter(columns=columns) as writer:
        writer.write_row({"offer-sku": "SKU-1", "price": "10.00", "discount-price": Decimal("8"),
                          "discount-start-date": datetime.datetime(2026, 2, 1, 9, 30),
                          "discount-end-date": datetime.datetime(2026, 2, 2, 10, tzinfo=plus_one),
                          "channels": ["FR", "BE"], "customer-group-ids": ("G1",)})
    rows = parse(writer.file)
    assert rows[1] == ["SKU-1", "10.00", "8", "2026-02-01T09:30:00Z", "2026-02-02T09:00:00Z",
                       "FR|BE", "G1"]


@pytest.mark.parametrize("values, message", [
    ({"sku": "A", "quantity": -1}, "quantity: must not be negative"),
    ({"sku": "A", "quantity": 1.5}, "quantity: expected a whole number"),
    ({"sku": "A", "quantity": "3 units"}, "quantity: expected a whole number"),
    ({"sku": "A", "price": "12,50"}, "price: expected a number with '.' decimals"),
    ({"sku": "A", "price": float("nan")}, "price: expected a finite number"),
    ({"sku": "A", "price": True}, "price: expected a number"),
    ({"sku": ""}, "row 1 has no sku"),
    ({"sku": "A", "update-delete": "remove"}, "update-delete must be empty"),
    ({"sku": "A", "colour": "red"}, "colour"),
])
def test_offer_rows_mirakl_would_reject_are_refused_with_the_reason(values, message):
    writer = OfferCsvWriter(columns=("sku", "price", "quantity", "update-delete"))
    with pytest.raises(CsvRowError, match=message):
        writer.write_row(values)
    assert writer.rows_written == 0
    assert parse(writer.finish()) == [["sku", "price", "quantity", "update-delete"]]


def test_unknown_columns_and_missing_key_column_are_refused():
    with pytest.raises(ValueError, match="unknown OF01 column.*colour"):
        OfferCsvWriter(columns=("sku", "colour"))
    with pytest.raises(ValueError, match="needs the 'offer-sku' column"):
        StockCsvWriter(columns=("quantity",))
    with pytest.raises(ValueError, match="repeat"):
        PriceCsvWriter(columns=("offer-sku", "price", "price"))
    writer = OfferCsvWriter(columns=("sku", "gift-wrap", "eco-contribution-amount[DEEE]"),
                            custom_columns=("gift-wrap",))
    writer.write_row({"sku": "A", "gift-wrap": True, "eco-contribution-amount[DEEE]": "0.5"})
    assert parse(writer.finish())[1] == ["A", "true", "0.5"]


def test_writes_into_a_given_file_and_refuses_rows_after_finish():
    target = io.BytesIO()
    writer = StockCsvWriter(fileobj=target)
    writer.write_row({"offer-sku": "S", "quantity": 1})
    assert writer.finish() is target
    with pytest.raises(ValueError, match="already finished"):
        writer.write_row({"offer-sku": "S", "quantity": 2})
    assert target.getvalue() == b'"offer-sku";"quantity";"warehouse-code";"update-delete"\n' \
                                b'"S";"1";"";""\n'


def test_float_prices_are_written_as_their_shortest_decimal():
    assert format_cell("price", 19.99) == "19.99"
    assert format_cell("price", 0.1 + 0.2) == "0.30000000000000004"
    assert format_cell("price", 1e-7) == "0.0000001"


def test_error_report_is_parsed_into_rows():
    report = '\ufeff"line";"error";"offer-sku";"quantity"\n"2";"Unknown offer";"X";"1"\n'
    assert read_error_report(report.encode("utf-8")) == [
        {"line": "2", "error": "Unknown offer", "offer-sku": "X", "quantity": "1"}]


def test_rows_reach_the_file_as_they_are_written():
    """Streaming, not buffering: each row is in the file before the next one is given, so
    memory does not grow with the row count (the benchmark prints the 100,000-row peak)."""
    import tempfile

    with tempfile.TemporaryFile() as target:
        with OfferCsvWriter(columns=("sku", "price", "quantity"), fileobj=target) as writer:
            sizes = []
            for index in range(3):
                writer.write_row({"sku": "SKU-%d" % index, "price": "12.50", "quantity": 1})
                sizes.append(target.tell())
            target.seek(0)
            assert target.read().decode("utf-8").splitlines()[-1] == '"SKU-2";"12.50";"1"'
        assert sizes[0] < sizes[1] < sizes[2]
