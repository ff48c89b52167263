"""Mirakl's seller OpenAPI document: where to find it and how to check traffic against it.

The document is Mirakl's, not ours, so it is read at run time from ../shared/mirakl/ beside the
repository (or $MIRAKL_OPENAPI_SPEC) and never copied into the tree.
"""

import json
import os
from pathlib import Path

SPEC_ENV = "MIRAKL_OPENAPI_SPEC"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SPEC_PATH = REPO_ROOT.parent / "shared" / "mirakl" / "mmp-seller-openapi.json"


def spec_path():
    return Path(os.environ.get(SPEC_ENV) or DEFAULT_SPEC_PATH)


def load_spec(path=None):
    """The parsed document, or None when it is not on this machine."""
    path = Path(path) if path else spec_path()
    if not path.is_file():
        return None
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)
