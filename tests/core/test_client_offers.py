"""Offer, stock, price and product operations: CSV files written by the core's writers,
uploaded over real HTTP to the simulator (which checks traffic against Mirakl's spec)."""

import csv
import io

import pytest
from mirakl import errors
from mirakl.client import MiraklClient, MiraklFile
from mirakl.csv_files import OfferCsvWriter, PriceCsvWriter, StockCsvWriter, read_error_report
from mirakl.governor import CallGovernor


@pytest.fixture
def sim(simulator):
    simulator.reset()
    for number in (1, 2, 3):
        simulator.simulator.add_product("PRD-%d" % number, "Product %d" % number,
                                        ean="400000000000%d" % number)
    yield simulator
    assert simulator.violations() == []


def wait_for_import(poll, import_id):
    for _ in range(10):
        status = poll(import_id)
        state = status.get("status") or status.get("import_status")  # P42 says import_status
        if state not in ("WAITING", "RUNNING", "WAITING_SYNCHRONIZATION_PRODUCT"):
            return status
    raise AssertionError("import %s never finished" % import_id)


def offer_file(rows):
    with OfferCsvWriter(columns=("sku", "product-id", "product-id-type", "price", "quantity",
                                 "state", "update-delete")) as writer:
        writer.write_rows(rows)
    return writer.file


def import_catalogue(client, rows, mode="NORMAL"):
    answer = client.import_offers(offer_file(rows), import_mode=mode)
    return wait_for_import(client.get_offer_import, answer["import_id"])


CATALOGUE = [
    {"sku": "SKU-1", "product-id": "4000000000001", "product-id-type": "EAN", "price": "10.50",
     "quantity": 4, "state": "11"},
    {"sku": "SKU-2", "product-id": "4000000000002", "product-id-type": "EAN", "price": "20",
     "quantity": 0, "state": "11"},
]


def test_offer_file_import_creates_offers_that_read_back(sim, client):
    status = import_catalogue(client, CATALOGUE)
    assert status["status"] == "COMPLETE"
    assert (status["lines_in_success"], status["lines_in_error"]) == (2, 0)
    offers = {offer["shop_sku"]: offer for offer in client.iter_offers()}
    assert offers["SKU-1"]["price"] == 10.5 and offers["SKU-1"]["quantity"] == 4
    one = client.get_offer(offers["SKU-1"]["offer_id"])
    assert one["shop_sku"] == "SKU-1"
    upload = sim.request_log("OF01")[0]
    assert (upload["method"], upload["status"]) == ("POST", 201)


def test_replace_mode_deletes_offers_missing_from_the_file(client):
    import_catalogue(client, CATALOGUE)
    import_catalogue(client, CATALOGUE[:1], mode="REPLACE")
    assert [offer["shop_sku"] for offer in client.iter_offers()] == ["SKU-1"]


def test_rejected_rows_come_back_in_the_error_report(client):
    status = import_catalogue(client, [
        CATALOGUE[0], {"sku": "SKU-X", "product-id": "999", "product-id-type": "EAN",
                       "price": "5", "quantity": 1, "state": "11"}])
    assert status["lines_in_error"] == 1 and status["has_error_report"] is True
    report = client.get_offer_import_error_report(status["import_id"])
    assert isinstance(report, MiraklFile)
    rows = read_error_report(report.content)
    assert [row["sku"] for row in rows] == ["SKU-X"]


def test_offer_imports_are_listed_with_seek_pagination(sim, client):
    ids = [client.import_offers(offer_file([dict(CATALOGUE[0], quantity=n)]))["import_id"]
           for n in range(1, 4)]
    listed = [item["import_id"] for item in client.iter_offer_imports(limit=2)]
    assert sorted(listed) == sorted(ids)
    page = client.list_offer_imports(limit=2)
    assert len(page["data"]) == 2 and page["next_page_token"]
    rest = client.list_offer_imports(page_token=page["next_page_token"])
    assert len(rest["data"]) == 1 and "next_page_token" not in rest
    assert sim.request_log("OF04")[-1]["query"].get("limit") is None  # token only


def test_offers_json_upsert(client):
    import_catalogue(client, CATALOGUE)
    answer = client.upsert_offers([{"shop_sku": "SKU-1", "product_id": "4000000000001",
                                    "product_id_type": "EAN", "price": 12.0, "quantity": 9,
                                    "state_code": "11", "update_delete": "update"}])
    wait_for_import(client.get_offer_import, answer["import_id"])
    offer = next(o for o in client.iter_offers() if o["shop_sku"] == "SKU-1")
    assert (offer["price"], offer["quantity"]) == (12.0, 9)


def test_offer_exports_csv_and_async(client):
    import_catalogue(client, CATALOGUE)
    exported = list(csv.DictReader(io.StringIO(client.export_offers_csv()), delimiter=";"))
    assert [row["shop-sku"] for row in exported] == ["SKU-1"]  # SKU-2 has no stock
    tracking = client.request_offer_export(export_type="text/csv",
                                           include_inactive_offers=True)["tracking_id"]
    status = client.get_offer_export_status(tracking)
    assert status["status"] == "COMPLETED"
    chunk = client.download_offer_export(status["urls"][0])
    rows = list(csv.DictReader(io.StringIO(chunk.content.decode()), delimiter=";"))
    assert sorted(row["shop-sku"] for row in rows) == ["SKU-1", "SKU-2"]


def test_export_url_on_another_host_is_refused_before_sending_the_key(client):
    with pytest.raises(ValueError, match="refusing to send the API key"):
        client.download_offer_export("https://evil.example/api/offers/export/async/files/x/1")


def test_stock_file_import(client):
    import_catalogue(client, CATALOGUE)
    with StockCsvWriter() as stock:
        stock.write_row({"offer-sku": "SKU-1", "quantity": 0})
        stock.write_row({"offer-sku": "SKU-2", "quantity": 15})
        stock.write_row({"offer-sku": "SKU-404", "quantity": 1})
    import_id = client.import_stock(stock.file)["import_id"]
    assert isinstance(import_id, str)
    status = wait_for_import(client.get_stock_import, import_id)
    assert status["status"] == "COMPLETE" and status["has_error_report"] is True
    quantities = {o["shop_sku"]: o["quantity"] for o in client.iter_offers()}
    assert quantities == {"SKU-1": 0, "SKU-2": 15}
    report = read_error_report(client.get_stock_import_error_report(import_id).content)
    assert [row["offer-sku"] for row in report] == ["SKU-404"]


def test_price_file_import(client):
    import_catalogue(client, CATALOGUE)
    with PriceCsvWriter(columns=("offer-sku", "price")) as prices:
        prices.write_row({"offer-sku": "SKU-1", "price": "11.99"})
        prices.write_row({"offer-sku": "SKU-404", "price": "1"})
    import_id = client.import_prices(prices.file)["import_id"]
    imports = list(client.iter_price_imports(import_id=[import_id]))
    assert [item["import_id"] for item in imports] == [import_id]
    for _ in range(5):
        page = client.list_price_imports(import_id=[import_id])
        if page["data"][0]["status"] in ("COMPLETE", "FAILED"):
            break
    assert page["data"][0]["status"] == "COMPLETE"
    offer = next(o for o in client.iter_offers() if o["shop_sku"] == "SKU-1")
    assert offer["price"] == 11.99
    report = read_error_report(client.get_price_import_error_report(import_id).content)
    assert [row["offer-sku"] for row in report] == ["SKU-404"]


def test_product_import_and_its_two_error_reports(client):
    content = (b'"sku";"title";"category"\n"NEW-1";"New product";"electronics"\n'
               b'"NEW-2";"";"electronics"\n"NEW-3";"Odd";"no-such-category"\n')
    import_id = client.import_products(io.BytesIO(content), filename="products.csv")["import_id"]
    status = wait_for_import(client.get_product_import, import_id)
    assert status["import_status"] == "COMPLETE"
    assert status["has_error_report"] and status["has_transformation_error_report"]
    integration = read_error_report(client.get_product_import_error_report(import_id).content)
    assert [row["sku"] for row in integration] == ["NEW-3"]
    transformation = client.get_product_import_transformation_error_report(import_id)
    assert [row["sku"] for row in read_error_report(transformation.content)] == ["NEW-2"]


def test_unknown_offer_is_not_found(client):
    with pytest.raises(errors.MiraklNotFoundError) as caught:
        client.get_offer(987654)
    assert caught.value.operation == "OF22"


def test_offer_file_is_resent_whole_after_a_429(sim):
    slept = []
    client = MiraklClient(sim.base_url, sim.api_key, governor=CallGovernor.unlimited(),
                          sleep=slept.append)
    sim.inject_fault("OF01", "429", retry_after=3)
    answer = client.import_offers(offer_file(CATALOGUE))
    status = wait_for_import(client.get_offer_import, answer["import_id"])
    assert slept == [3]
    assert (status["lines_read"], status["lines_in_success"]) == (2, 2)


def test_offer_import_is_not_resent_after_a_server_error(sim):
    slept = []
    client = MiraklClient(sim.base_url, sim.api_key, governor=CallGovernor.unlimited(),
                          sleep=slept.append)
    sim.inject_fault("OF01", "502")
    with pytest.raises(errors.MiraklServerError) as caught:
        client.import_offers(offer_file(CATALOGUE))
    assert (caught.value.status, caught.value.retryable) == (502, False)
    assert slept == [] and len(sim.request_log("OF01")) == 1
