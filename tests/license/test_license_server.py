"""The reference licence server over real HTTP: the 3-activation limit, deactivation,
validation, revocation and offline receipts, checked with the client's own verifier."""

import json
import urllib.error
import urllib.request

import pytest
import verifier
from license_server.testing import running_license_server

DAY = verifier.DAY
NOW = 1_800_000_000


def post(url, path, payload):
    request = urllib.request.Request(url + path, data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def server():
    with running_license_server() as srv:
        srv.now = NOW
        yield srv


def keys(server):
    return {server.public_key.kid: server.public_key}


def activate(server, key, n):
    return post(server.url, "/api/v1/activate", {"key": key, "db_uuid": f"db-{n}",
                                                 "domain": f"erp{n}.example.com"})


def test_three_activations_then_refused_then_freed(server):
    key = server.issue()
    receipts = []
    for n in range(3):
        status, body = activate(server, key, n)
        assert status == 200
        receipts.append(body["receipt"])
        verdict = verifier.evaluate(key, body["receipt"], keys(server), product="mirakl_connector",
                                    db_uuid=f"db-{n}", domain=f"erp{n}.example.com", now=NOW)
        assert verdict.state == verifier.VALID
    status, body = activate(server, key, 3)
    assert status == 409 and body["error"] == verifier.NO_ACTIVATIONS
    assert body["max_activations"] == 3 and len(body["domains"]) == 3

    status, body = post(server.url, "/api/v1/deactivate", {"key": key, "receipt": receipts[0],
                                                       "db_uuid": "db-0"})
    assert status == 200 and body["ok"]
    assert activate(server, key, 3)[0] == 200


def test_reactivating_the_same_database_keeps_its_slot(server):
    key = server.issue(max_activations=1)
    assert activate(server, key, 0)[0] == 200
    assert activate(server, key, 0)[0] == 200
    assert len(server.active_activations()) == 1


def test_validate_renews_the_receipt_with_server_time(server):
    key = server.issue()
    receipt = activate(server, key, 0)[1]["receipt"]
    server.now = NOW + 5 * DAY
    status, body = post(server.url, "/api/v1/validate", {"key": key, "receipt": receipt,
                                                     "db_uuid": "db-0"})
    assert status == 200
    renewed = verifier.parse_receipt(body["receipt"], keys(server))
    assert renewed.issued_at == NOW + 5 * DAY and renewed.check_by == NOW + 6 * DAY


def test_revoked_and_deactivated_answers_are_signed(server):
    key = server.issue()
    receipt = activate(server, key, 0)[1]["receipt"]
    held = {"key": key, "receipt": receipt, "db_uuid": "db-0"}
    post(server.url, "/api/v1/deactivate", held)
    body = post(server.url, "/api/v1/validate", held)[1]
    assert verifier.parse_receipt(body["receipt"], keys(server)).status == "deactivated"

    receipt = activate(server, key, 1)[1]["receipt"]
    server.revoke(verifier.parse_license(key, keys(server)).license_id)
    held = {"key": key, "receipt": receipt, "db_uuid": "db-1"}
    body = post(server.url, "/api/v1/validate", held)[1]
    assert verifier.parse_receipt(body["receipt"], keys(server)).status == "revoked"
    status, body = activate(server, key, 2)
    assert status == 403 and body["error"] == verifier.REVOKED


def test_a_copied_database_cannot_renew_or_free_the_original_activation(server):
    key = server.issue()
    receipt = activate(server, key, 0)[1]["receipt"]
    for path in ("/api/v1/validate", "/api/v1/deactivate"):
        status, body = post(server.url, path, {"key": key, "receipt": receipt, "db_uuid": "copy"})
        assert status == 403 and body["error"] == verifier.WRONG_DOMAIN
    assert len(server.active_activations(key)) == 1


def test_expired_and_foreign_keys_are_refused(server):
    status, body = activate(server, server.issue(expires="2026-01-01"), 0)
    assert status == 403 and body["error"] == verifier.EXPIRED
    with running_license_server() as other:
        status, body = activate(server, other.issue(), 0)
    assert status == 400 and body["error"] == "invalid_key"


def test_offline_receipt_lasts_a_year(server):
    key = server.issue()
    status, body = post(server.url, "/api/v1/activate", {"key": key, "db_uuid": "db", "domain": "d",
                                                     "offline": True})
    rec = verifier.parse_receipt(body["receipt"], keys(server))
    assert status == 200 and rec.offline and rec.check_by == NOW + 365 * DAY


def test_bad_requests_are_answered_in_json(server):
    request = urllib.request.Request(server.url + "/api/v1/activate", data=b"[1]")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 400
    assert json.loads(caught.value.read())["error"] == "invalid_request"
    status, body = post(server.url, "/api/v1/activate", {"key": "nonsense"})
    assert status == 400 and body["error"] == "invalid_request"


def test_issue_over_http_and_state(server):
    status, body = post(server.url, "/_admin/issue", {"customer": "ACME", "products": ["x"]})
    assert status == 200
    assert verifier.parse_license(body["key"], keys(server)).customer == "ACME"
    with urllib.request.urlopen(server.url + "/_admin/state", timeout=10) as response:
        state = json.loads(response.read())
    assert state["kid"] == server.public_key.kid and len(state["licenses"]) == 1


def test_cli_keeps_its_key_outside_the_repo_and_issues_with_it(tmp_path, capsys):
    from license_server.__main__ import main

    key_file = tmp_path / "key"
    args = ["issue", "--key-file", str(key_file), "--state-file", str(tmp_path / "state.json"),
            "--customer", "Demo", "--products", "mirakl_connector,other"]
    assert main(args) == 0
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    token = capsys.readouterr().out.strip()
    assert main(args) == 0  # the same key is reused
    second = capsys.readouterr().out.strip()
    from license_server.__main__ import load_or_create_key

    public = verifier.public_key_from_b64(verifier.public_key_b64(load_or_create_key(key_file)))
    for text in (token, second):
        lic = verifier.parse_license(text, {public.kid: public})
        assert lic.products == ("mirakl_connector", "other")
    assert len(json.loads((tmp_path / "state.json").read_text())["licenses"]) == 2


def test_cli_serves_over_http(tmp_path):
    import os
    import re
    import subprocess
    import sys
    from pathlib import Path

    devtools = Path(__file__).resolve().parents[2] / "devtools"
    args = ["--key-file", str(tmp_path / "key"), "--state-file", str(tmp_path / "state.json")]
    env = dict(os.environ, PYTHONPATH=str(devtools))
    key = subprocess.check_output([sys.executable, "-m", "license_server", "issue", *args],
                                  env=env, text=True).strip()
    process = subprocess.Popen([sys.executable, "-m", "license_server", "--port", "0", *args],
                               env=env, stdout=subprocess.PIPE, text=True)
    try:
        url = re.search(r"on (http://\S+)", process.stdout.readline()).group(1)
        public = process.stdout.readline().split(" = ")[1].strip()
        status, body = post(url, "/api/v1/activate", {"key": key, "db_uuid": "db",
                                                      "domain": "erp.example.com"})
        assert status == 200
        trusted = verifier.public_key_from_b64(public, demo=True)
        rec = verifier.parse_receipt(body["receipt"], {trusted.kid: trusted})
        assert rec.demo and rec.domain == "erp.example.com"
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def test_cli_writes_offline_receipts_within_the_activation_limit(tmp_path, capsys):
    from license_server.__main__ import load_or_create_key, main

    args = ["--key-file", str(tmp_path / "key"), "--state-file", str(tmp_path / "state.json")]
    assert main(["issue", "--max-activations", "1", *args]) == 0
    key = capsys.readouterr().out.strip()
    receipt_args = ["receipt", "--license-key", key, "--domain", "erp.example.com", *args]
    assert main([*receipt_args, "--db-uuid", "db-1"]) == 0
    receipt = capsys.readouterr().out.strip()
    public = verifier.public_key_from_b64(
        verifier.public_key_b64(load_or_create_key(tmp_path / "key")))
    rec = verifier.parse_receipt(receipt, {public.kid: public})
    assert rec.offline and rec.db_uuid == "db-1" and rec.domain == "erp.example.com"
    assert main([*receipt_args, "--db-uuid", "db-2"]) == 1
    assert "no_activations" in capsys.readouterr().err
