"""Licences for Odoo tests: a key pair made for the test, trusted only while tests run.

Any addon gated by ``ecosire.license.mixin`` gets a valid licence with::

    from odoo.addons.ecosire_license_client.tests.common import install_test_license

    install_test_license(cls.env, products=("mirakl_connector",))
"""

import contextlib
import sys
import time
import uuid
from pathlib import Path
from unittest.mock import patch

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from odoo.addons.ecosire_license_client import verifier
from odoo.addons.ecosire_license_client.models import ecosire_license

DEVTOOLS = Path(__file__).resolve().parents[2] / "devtools"
DAY = verifier.DAY
# The product of the test-only model in licensed_job.py.
TEST_PRODUCT = "ecosire_test_product"


def trusted_test_key():
    """A new Ed25519 private key whose public key the client trusts while tests run."""
    private_key = Ed25519PrivateKey.generate()
    ecosire_license.TEST_KEYS.append(
        verifier.public_key_from_b64(verifier.public_key_b64(private_key))
    )
    return private_key


def sign_license(private_key, products=("mirakl_connector",), customer="Test Customer",
                 max_activations=3, expires=None, updates_until=None, issued_at=None):
    return verifier.sign_token({
        "lid": f"TEST-{uuid.uuid4().hex[:8]}",
        "customer": customer,
        "products": list(products),
        "max_activations": max_activations,
        "iat": int(issued_at if issued_at is not None else time.time()),
        "expires": expires,
        "updates_until": updates_until,
    }, private_key, "license")


def sign_receipt(private_key, license_token, db_uuid, domain, issued_at, check_by,
                 status="active", offline=False):
    parsed = verifier.parse_license(license_token, {
        k.kid: k for k in ecosire_license.TEST_KEYS
    })
    return verifier.sign_token({
        "aid": f"ACT-{uuid.uuid4().hex[:8]}",
        "lid": parsed.license_id,
        "lic": verifier.token_hash(license_token),
        "db": db_uuid,
        "domain": domain,
        "iat": int(issued_at),
        "check_by": int(check_by),
        "status": status,
        "offline": offline,
    }, private_key, "receipt")


def install_test_license(env, products=("mirakl_connector",), valid_days=3650):
    """Store a licence for `products`, activated on this database for `valid_days`.

    Returns the ``ecosire.license`` record. The signing key is trusted only while Odoo runs
    tests, never in production.
    """
    private_key = trusted_test_key()
    licences = env["ecosire.license"].sudo()
    now = int(licences._license_now())
    token = sign_license(private_key, products=products)
    db_uuid, domain = licences._license_binding()
    receipt = sign_receipt(private_key, token, db_uuid, domain, now - 60, now + valid_days * DAY)
    return licences.create({"key": token, "receipt": receipt, "server_url": "http://127.0.0.1:9"})


@contextlib.contextmanager
def license_clock(env, when):
    """Make the licence client see the Unix time `when` (a number or a callable)."""
    clock = when if callable(when) else (lambda: when)
    env["ecosire.license"]._license_cache_clear()
    with patch.object(type(env["ecosire.license"]), "_license_now", lambda self: clock()):
        yield
    env["ecosire.license"]._license_cache_clear()


@contextlib.contextmanager
def running_license_server(**options):
    """The reference licence server from devtools/, on 127.0.0.1 in a thread."""
    if str(DEVTOOLS) not in sys.path:
        sys.path.append(str(DEVTOOLS))
    from license_server.testing import running_license_server as running

    with running(**options) as server:
        yield server


def register_licensed_job_model(test_class):
    """Add the test model `ecosire.license.test.job` to the registry for `test_class` only.

    Import licensed_job nowhere else: defining its class queues it for the addon's registry.
    """
    from odoo.models import MetaModel

    from . import licensed_job

    env, model_def = test_class.env, licensed_job.EcosireLicenseTestJob
    registry, cr = env.registry, env.cr
    by_module = getattr(MetaModel, "_module_to_models__", None) or MetaModel.module_to_models
    # Defining the class queued it for every later registry load of the addon: undo that.
    with contextlib.suppress(ValueError):
        by_module[model_def._module].remove(model_def)
    try:
        from odoo.orm.model_classes import add_to_registry  # 19.0
    except ImportError:
        model_def._build_model(registry, cr)
    else:
        add_to_registry(registry, model_def)
    _setup_registry(registry, cr)
    registry.init_models(cr, [model_def._name], {"module": "ecosire_license_client"})

    def unregister():
        model_cls = registry.models.pop(model_def._name)
        for parent in model_cls._inherit:
            registry[parent]._inherit_children.discard(model_def._name)
        _setup_registry(registry, cr)

    test_class.addClassCleanup(unregister)
    return env[model_def._name]


def _setup_registry(registry, cr):
    if hasattr(registry, "_setup_models__"):  # 19.0
        registry._setup_models__(cr)
    else:
        registry.setup_models(cr)
