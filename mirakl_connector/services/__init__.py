from . import order_importer
from . import order_state_sync
from . import order_acceptance
from . import order_financial
from . import offer_export
from . import offer_stock_export
from . import offer_price_export
