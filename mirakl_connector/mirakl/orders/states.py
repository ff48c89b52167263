"""Mirakl's order and order line states (OR11 ``order_state`` / ``order_line_state``), the one
vocabulary the connector uses for them (api-reference §4.2). The simulator keeps its own list
on purpose: it models Mirakl, not this code."""

STAGING = "STAGING"
WAITING_ACCEPTANCE = "WAITING_ACCEPTANCE"
WAITING_DEBIT = "WAITING_DEBIT"
WAITING_DEBIT_PAYMENT = "WAITING_DEBIT_PAYMENT"
SHIPPING = "SHIPPING"
SHIPPED = "SHIPPED"
TO_COLLECT = "TO_COLLECT"
RECEIVED = "RECEIVED"
CLOSED = "CLOSED"
REFUSED = "REFUSED"
CANCELED = "CANCELED"
# states only an order line takes
INCIDENT_OPEN = "INCIDENT_OPEN"
REFUNDED = "REFUNDED"

# In the spec's order, with the labels Odoo shows (selection values).
ORDER_STATES = (
    (STAGING, "Staging"),
    (WAITING_ACCEPTANCE, "Waiting acceptance"),
    (WAITING_DEBIT, "Waiting debit"),
    (WAITING_DEBIT_PAYMENT, "Waiting debit payment"),
    (SHIPPING, "Shipping"),
    (SHIPPED, "Shipped"),
    (TO_COLLECT, "To collect"),
    (RECEIVED, "Received"),
    (CLOSED, "Closed"),
    (REFUSED, "Refused"),
    (CANCELED, "Canceled"),
)
LINE_STATES = ORDER_STATES + ((INCIDENT_OPEN, "Incident open"), (REFUNDED, "Refunded"))
ORDER_STATE_CODES = tuple(code for code, _label in ORDER_STATES)

# Before the shop's decision: acceptance_decision_date is still the deadline.
BEFORE_ACCEPTANCE = (STAGING, WAITING_ACCEPTANCE)
# The shop has accepted the order and it lives on.
ACCEPTED_STATES = (
    WAITING_DEBIT, WAITING_DEBIT_PAYMENT, SHIPPING, SHIPPED, TO_COLLECT, RECEIVED, CLOSED,
)
# Mirakl no longer expects anything from the shop: the Odoo order is cancelled.
ENDED_UNSOLD = (CANCELED, REFUSED)
# The customer has the goods: the order's end of life is recorded.
END_OF_LIFE = (RECEIVED, CLOSED)
# What a new shop imports unless told otherwise.
DEFAULT_IMPORTED = (WAITING_ACCEPTANCE, WAITING_DEBIT, WAITING_DEBIT_PAYMENT, SHIPPING)
