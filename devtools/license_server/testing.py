"""Run the licence server in a thread for tests: real HTTP on 127.0.0.1, a fresh key pair."""

import contextlib
import threading
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .server import LicenseRegistry, make_server, verifier


class RunningLicenseServer:
    def __init__(self, registry, httpd):
        self.registry = registry
        self.httpd = httpd
        self.url = "http://127.0.0.1:%d" % httpd.server_address[1]
        self.private_key = registry.private_key
        self.public_key = registry.public_key
        self.now = None  # when set, the server's clock (Unix seconds)

    def issue(self, **kwargs):
        kwargs.setdefault("customer", "Test Customer")
        kwargs.setdefault("products", ["mirakl_connector"])
        return self.registry.issue(**kwargs)

    def revoke(self, license_id):
        self.registry.revoke(license_id)

    def active_activations(self, key=None):
        """Activations in use, of the licence `key` when given."""
        lid = verifier.parse_license(key, self.registry.keys).license_id if key else None
        return [a for a in self.registry.activations.values()
                if a["active"] and lid in (None, a["lid"])]


@contextlib.contextmanager
def running_license_server(private_key=None, **options):
    """Yield a RunningLicenseServer; set `.now` to move its clock."""
    holder = {}
    options.setdefault("clock", lambda: holder["server"].now or time.time())
    registry = LicenseRegistry(private_key or Ed25519PrivateKey.generate(), **options)
    httpd = make_server(registry)
    server = holder["server"] = RunningLicenseServer(registry, httpd)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
