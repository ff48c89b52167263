from . import mk_order_import_wizard
from . import mk_order_acceptance_wizard
from . import mk_offer_export_wizard
from . import mk_thread_reply_wizard
