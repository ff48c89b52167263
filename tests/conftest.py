"""Odoo-free test setup: the core is importable as the top-level package `mirakl`
(it uses relative imports only) and the dev tools (simulator, licence server) from devtools/."""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
for path in (REPO / "mirakl_connector", REPO / "ecosire_license_client", REPO / "devtools"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
