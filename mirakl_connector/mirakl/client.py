"""HTTP client of the Mirakl seller (shop) API: contract 1 in docs/architecture.md.

``MiraklClient`` is composed of one class per API domain (``api/``), the listing helpers
(``paging.py``) and the transport (``transport.py``: session, retries, governor, error mapping).
The public methods are thin and named after what they do, with the Mirakl code in the docstring;
a new domain adds its module under ``api/`` and its class to the bases below.
"""

from .api.accounting import AccountingApi
from .api.messages import MessagesApi
from .api.offers import OffersApi
from .api.orders import OrdersApi
from .api.params import build_query
from .api.platform import PlatformApi
from .api.products import ProductsApi
from .api.returns import ReturnsApi
from .api.shipments import ShipmentsApi
from .paging import MAX_PAGE_SIZE, Paging
from .transport import MiraklFile, Transport, validate_base_url

__all__ = ["MAX_PAGE_SIZE", "MiraklClient", "MiraklFile", "build_query", "validate_base_url"]


class MiraklClient(PlatformApi, OrdersApi, ShipmentsApi, OffersApi, ProductsApi, AccountingApi,
                   MessagesApi, ReturnsApi, Paging, Transport):
    """Client of one Mirakl shop. See docs/architecture.md (contract 1)."""
