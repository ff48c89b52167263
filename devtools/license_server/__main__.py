"""PYTHONPATH=devtools python -m license_server [--port 8970] [--key-file PATH] [--state-file PATH]

Serves the reference licence server. The private key is read from --key-file (standard base64
of the 32 raw bytes), or created there when the file does not exist; it must live outside the
repository (the default is .local/license_server/demo_key). The public key is printed: give it
to Odoo as `ecosire_license_demo_public_key` in the server config, never to the database.

    python -m license_server issue --customer "Demo" --products mirakl_connector
prints a licence key signed with the same private key instead of serving, and

    python -m license_server receipt --license-key ECO1.… --db-uuid … --domain erp.example.com
uses one activation of that key and prints an offline receipt (the file a customer uploads in
Settings › Licences › Offline Activation).
"""

import argparse
import base64
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from .server import LicenseRegistry, LicenseServerError, make_server, verifier

DEFAULT_DIR = Path(__file__).resolve().parents[2] / ".local" / "license_server"


def load_or_create_key(path):
    path = Path(path)
    if path.exists():
        raw = base64.b64decode(path.read_text().strip())
        return Ed25519PrivateKey.from_private_bytes(raw)
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    path.write_text(base64.b64encode(raw).decode() + "\n")
    path.chmod(0o600)
    return key


def main(argv=None):
    parser = argparse.ArgumentParser(prog="license_server", description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", default="serve",
                        choices=["serve", "issue", "receipt"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8970)
    parser.add_argument("--key-file", default=str(DEFAULT_DIR / "demo_key"))
    parser.add_argument("--state-file", default=str(DEFAULT_DIR / "state.json"))
    parser.add_argument("--check-interval", type=int, default=verifier.DAY,
                        help="seconds a receipt stays valid before the client must check again")
    parser.add_argument("--customer", default="Demo Customer")
    parser.add_argument("--products", default="mirakl_connector", help="comma-separated")
    parser.add_argument("--max-activations", type=int, default=3)
    parser.add_argument("--expires", default=None, help="ISO date")
    parser.add_argument("--updates-until", default=None, help="ISO date")
    parser.add_argument("--license-key", help="receipt: the licence key to activate")
    parser.add_argument("--db-uuid", help="receipt: the customer's database UUID")
    parser.add_argument("--domain", help="receipt: the host of the customer's web.base.url")
    args = parser.parse_args(argv)

    key = load_or_create_key(args.key_file)
    Path(args.state_file).parent.mkdir(parents=True, exist_ok=True)
    registry = LicenseRegistry(key, check_interval=args.check_interval,
                               state_file=args.state_file)
    if args.command == "issue":
        print(registry.issue(args.customer, args.products.split(","), args.max_activations,
                             args.expires, args.updates_until))
        return 0
    if args.command == "receipt":
        try:
            answer = registry.activate(args.license_key, args.db_uuid, args.domain, offline=True)
        except LicenseServerError as error:
            print(f"refused ({error.code}): {error.message}", file=sys.stderr)
            return 1
        print(answer["receipt"])
        return 0
    httpd = make_server(registry, args.host, args.port)
    print(f"licence server on http://{args.host}:{httpd.server_address[1]}", flush=True)
    print(f"ecosire_license_demo_public_key = {verifier.public_key_b64(key)}", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
