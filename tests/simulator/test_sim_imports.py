"""Offer, stock, price and product imports: asynchronous status, error reports, replace modes."""

import pytest

OFFERS_CSV = (
    '"sku";"product-id";"product-id-type";"price";"quantity";"state";"update-delete"\n'
    '"A";"P-PHONE";"SKU";"19.99";"5";"11";""\n'
    '"B";"4006381333931";"EAN";"9.50";"-1";"11";""\n'
    '"C";"P-NOPE";"SKU";"1.00";"1";"11";""\n'
    '"D";"P-LAPTOP";"SKU";"399";"2";"11";"update"\n'
)


@pytest.fixture
def catalogue(sim):
    sim.add_product("P-PHONE", "Phone", "phones", ean="4006381333931")
    sim.add_product("P-LAPTOP", "Laptop", "laptops")
    return sim


def _upload(api, path, content, **data):
    return api.post(path, files={"file": ("upload.csv", content.encode("utf-8"))}, data=data)


def test_offer_import_moves_waiting_running_complete_on_polls(catalogue, api):
    created = _upload(api, "/api/offers/imports", OFFERS_CSV, import_mode="NORMAL")
    assert created.status_code == 201
    import_id = created.json()["import_id"]
    assert created.headers["Location"].endswith("/api/offers/imports/%d" % import_id)
    assert api.get("/api/offers").json()["total_count"] == 0  # nothing applied yet

    statuses = [api.get("/api/offers/imports/%d" % import_id).json() for _ in range(3)]
    assert [status["status"] for status in statuses] == ["RUNNING", "COMPLETE", "COMPLETE"]
    done = statuses[-1]
    assert (done["lines_read"], done["lines_in_success"], done["lines_in_error"]) == (4, 2, 2)
    assert (done["offer_inserted"], done["has_error_report"]) == (2, True)
    offers = {offer["shop_sku"]: offer for offer in api.get("/api/offers").json()["offers"]}
    assert sorted(offers) == ["A", "D"]
    assert (offers["A"]["price"], offers["A"]["quantity"], offers["A"]["product_sku"]) == (
        19.99,
        5,
        "P-PHONE",
    )


def test_offer_error_report_lists_rejected_rows_with_reasons(catalogue, api):
    import_id = _upload(api, "/api/offers/imports", OFFERS_CSV, import_mode="NORMAL").json()[
        "import_id"
    ]
    assert (
        api.get("/api/offers/imports/%d/error_report" % import_id).status_code == 404
    )  # not processed yet
    catalogue.move_clock(seconds=30)
    report = api.get("/api/offers/imports/%d/error_report" % import_id)
    assert report.status_code == 200
    lines = report.text.splitlines()
    assert lines[0].endswith('"error-line";"error-message"')
    assert lines[1].startswith('"B"') and '"3";"quantity must not be negative"' in lines[1]
    assert lines[2].startswith('"C"') and "does not exist" in lines[2]


def test_replace_mode_deletes_offers_missing_from_the_file(catalogue, api):
    catalogue.add_offer("OLD", "P-LAPTOP", 10, 3)
    _upload(api, "/api/offers/imports", OFFERS_CSV, import_mode="REPLACE")
    catalogue.move_clock(seconds=30)
    assert sorted(o["shop_sku"] for o in api.get("/api/offers").json()["offers"]) == ["A", "D"]
    status = api.get("/api/offers/imports", params={"mode": "REPLACE"}).json()["data"][0]
    assert status["offer_deleted"] == 1


def test_normal_mode_keeps_other_offers_and_unsent_columns(catalogue, api):
    catalogue.add_offer("KEEP", "P-LAPTOP", 10, 3)
    catalogue.add_offer("A", "P-PHONE", 15, 8, description="kept")
    _upload(api, "/api/offers/imports", '"sku";"price"\n"A";"17"\n', import_mode="NORMAL")
    catalogue.move_clock(seconds=30)
    offers = {o["shop_sku"]: o for o in api.get("/api/offers").json()["offers"]}
    assert sorted(offers) == ["A", "KEEP"]
    assert (offers["A"]["price"], offers["A"]["quantity"], offers["A"]["description"]) == (
        17.0,
        8,
        "kept",
    )


def test_delete_rows(catalogue, api):
    catalogue.add_offer("GONE", "P-LAPTOP", 10, 3)
    body = '"sku";"update-delete"\n"GONE";"delete"\n"NEVER";"delete"\n'
    import_id = _upload(api, "/api/offers/imports", body, import_mode="NORMAL").json()["import_id"]
    catalogue.move_clock(seconds=30)
    assert api.get("/api/offers").json()["total_count"] == 0
    assert (
        "The offer to delete does not exist"
        in api.get("/api/offers/imports/%d/error_report" % import_id).text
    )


def test_of24_replaces_each_offer_in_full(catalogue, api):
    catalogue.add_offer("A", "P-PHONE", 15, 8, description="old text")
    answer = api.post(
        "/api/offers",
        json={
            "offers": [
                {
                    "shop_sku": "A",
                    "product_id": "P-PHONE",
                    "product_id_type": "SKU",
                    "price": 21.5,
                    "state_code": "11",
                    "update_delete": "update",
                }
            ]
        },
    )
    assert answer.status_code == 201
    catalogue.move_clock(seconds=30)
    offer = api.get("/api/offers", params={"sku": "A"}).json()["offers"][0]
    # Fields left out of the body go back to their defaults: no quantity means 0.
    assert (offer["price"], offer["quantity"], offer["description"]) == (21.5, 0, "")
    status = api.get("/api/offers/imports/%d" % answer.json()["import_id"]).json()
    assert (status["status"], status["offer_updated"]) == ("COMPLETE", 1)


def test_same_pending_file_returns_the_same_import(catalogue, api):
    first = _upload(api, "/api/offers/imports", OFFERS_CSV, import_mode="NORMAL").json()[
        "import_id"
    ]
    again = _upload(api, "/api/offers/imports", OFFERS_CSV, import_mode="NORMAL").json()[
        "import_id"
    ]
    assert first == again
    assert (
        _upload(api, "/api/offers/imports", OFFERS_CSV, import_mode="REPLACE").json()["import_id"]
        != first
    )


def test_stock_import_and_its_error_report(catalogue, api):
    catalogue.add_offer("A", "P-PHONE", 15, 8)
    created = _upload(
        api, "/api/offers/stock/imports", '"offer-sku";"quantity"\n"A";"3"\n"Z";"1"\n"A";"-2"\n'
    )
    assert created.status_code == 201
    import_id = created.json()["import_id"]
    assert isinstance(import_id, str)
    first = api.get("/api/offers/stock/imports/%s/status" % import_id).json()
    assert first["status"] == "RUNNING" and "lines_in_error" not in first
    catalogue.move_clock(seconds=30)
    status = api.get("/api/offers/stock/imports/%s/status" % import_id).json()
    assert (status["status"], status["lines_in_success"], status["lines_in_error"]) == (
        "COMPLETE",
        1,
        2,
    )
    assert api.get("/api/offers", params={"sku": "A"}).json()["offers"][0]["quantity"] == 3
    report = api.get("/api/offers/stock/imports/%s/error_report" % import_id).text.splitlines()
    assert report[0] == '"error-line";"error-message";"offer-sku";"quantity"'
    assert report[1] == '"3";"Unknown offer \'Z\'";"Z";"1"'
    assert report[2] == '"4";"quantity must not be negative";"A";"-2"'


def test_price_import_replaces_prices_and_reports_bad_lines(catalogue, api):
    catalogue.add_offer("A", "P-PHONE", 15, 8)
    catalogue.add_offer("B", "P-LAPTOP", 300, 1)
    body = '"offer-sku";"price";"discount-price"\n"A";"18";"15"\n"B";"abc";""\n"A";"5";"9"\n'
    import_id = _upload(api, "/api/offers/pricing/imports", body).json()["import_id"]
    listed = api.get("/api/offers/pricing/imports", params={"import_id": import_id}).json()["data"]
    assert listed[0]["status"] == "RUNNING"
    listed = api.get("/api/offers/pricing/imports", params={"import_id": import_id}).json()["data"]
    assert (listed[0]["status"], listed[0]["offers_updated"], listed[0]["lines_in_error"]) == (
        "COMPLETE",
        1,
        2,
    )
    offer = api.get("/api/offers", params={"sku": "A"}).json()["offers"][0]
    assert (offer["price"], offer["applicable_pricing"]["unit_origin_price"]) == (15.0, 18.0)
    report = api.get("/api/offers/pricing/imports/%s/error_report" % import_id).text
    assert "'abc' is not a valid price" in report
    assert "discount-price must not exceed price" in report


def test_product_import_reports_integration_and_transformation_errors(catalogue, api):
    body = (
        '"sku";"title";"category"\n"N1";"New phone";"phones"\n"N2";"";"phones"\n"N3";"Car";"cars"\n'
    )
    import_id = _upload(api, "/api/products/imports", body).json()["import_id"]
    catalogue.move_clock(seconds=30)
    status = api.get("/api/products/imports/%d" % import_id).json()
    assert (
        status["import_status"],
        status["has_error_report"],
        status["has_transformation_error_report"],
    ) == ("COMPLETE", True, True)
    assert (
        "Unknown category 'cars'"
        in api.get("/api/products/imports/%d/error_report" % import_id).text
    )
    transformation = api.get(
        "/api/products/imports/%d/transformation_error_report" % import_id
    ).text
    assert "Missing required attribute(s): title" in transformation
    _upload(
        api,
        "/api/offers/imports",
        '"sku";"product-id";"product-id-type";"price"\n"X";"N1";"SHOP_SKU";"5"\n',
        import_mode="NORMAL",
    )
    catalogue.move_clock(seconds=30)
    assert api.get("/api/offers").json()["offers"][0]["product_title"] == "New phone"


def test_import_without_file_part_is_400_and_non_multipart_415(catalogue, api):
    assert (
        api.post(
            "/api/offers/imports", files={"other": ("x.csv", b"a")}, data={"import_mode": "NORMAL"}
        ).status_code
        == 400
    )
    assert api.post("/api/offers/imports", json={"file": "x"}).status_code == 415


def test_imports_complete_once_the_clock_passes_the_processing_time(catalogue, api):
    body = '"sku";"product-id";"product-id-type";"price"\n"A";"P-PHONE";"SKU";"5"\n'
    import_id = _upload(api, "/api/offers/imports", body, import_mode="NORMAL").json()["import_id"]
    catalogue.move_clock(seconds=29)
    assert api.get("/api/offers").json()["total_count"] == 0
    catalogue.move_clock(seconds=1)
    assert api.get("/api/offers").json()["total_count"] == 1
    assert api.get("/api/offers/imports/%d" % import_id).json()["status"] == "COMPLETE"


def test_a_file_without_its_key_columns_fails_as_a_whole(catalogue, api):
    import_id = _upload(
        api, "/api/offers/imports", '"price";"quantity"\n"1";"2"\n', import_mode="NORMAL"
    ).json()["import_id"]
    catalogue.move_clock(seconds=30)
    status = api.get("/api/offers/imports/%d" % import_id).json()
    assert (status["status"], status["reason_status"]) == ("FAILED", "Missing column(s): sku")
    stock_id = _upload(api, "/api/offers/stock/imports", '"sku";"quantity"\n"A";"1"\n').json()[
        "import_id"
    ]
    catalogue.move_clock(seconds=30)
    assert api.get("/api/offers/stock/imports/%s/status" % stock_id).json()["status"] == "FAILED"
