"""Odoo-free order logic: payload mapping, money arithmetic and acceptance rules."""

from .acceptance import ACCEPT, MANUAL, REFUSE, allocate_stock, evaluate, fallback, order_decision
from .amounts import differs, line_terms, spread
from .mapping import TAX_EXCLUDED, TAX_INCLUDED, OrderDataError, address_fingerprint, parse_order
