"""What we know of each Mirakl marketplace, as data (docs/operator-profiles.md).

Odoo-free: the instance form (models/mk_instance.py) offers the profiles as a selection and
pre-fills its fields from the chosen one; the operator can edit them afterwards. Operators
change their rules without notice, so each value is a starting point taken from the
operator's public seller pages, never a guarantee.

Keys of each profile:
    label                    shown in the instance form
    acceptance_window_hours  time the marketplace gives to accept an order before it
                             auto-refuses it (drives the acceptance alerts)
    carrier_codes            carrier codes the marketplace expects in OR23, in order of use
    invoice_upload_required  whether the seller must upload the customer invoice (OR74)
    multi_shipment           whether the operator runs Mirakl's multi-shipment API (ST*)
"""

GENERIC = "generic"

OPERATOR_PROFILES = {
    GENERIC: {
        "label": "Generic Mirakl marketplace",
        "acceptance_window_hours": 48,
        "carrier_codes": [],
        "invoice_upload_required": False,
        "multi_shipment": False,
    },
    "bestbuy": {
        "label": "Best Buy",
        "acceptance_window_hours": 48,
        "carrier_codes": ["UPS", "FEDEX", "CPC", "PUR"],
        "invoice_upload_required": False,
        "multi_shipment": False,
    },
    "carrefour": {
        "label": "Carrefour",
        "acceptance_window_hours": 48,
        "carrier_codes": ["COLISSIMO", "CHRONOPOST", "DPD", "GLS", "UPS"],
        "invoice_upload_required": True,
        "multi_shipment": False,
    },
    "macys": {
        "label": "Macy's",
        "acceptance_window_hours": 24,
        "carrier_codes": ["UPS", "FEDEX", "USPS"],
        "invoice_upload_required": False,
        "multi_shipment": True,
    },
    "leroy_merlin": {
        "label": "Leroy Merlin",
        "acceptance_window_hours": 48,
        "carrier_codes": ["COLISSIMO", "CHRONOPOST", "DPD", "GLS", "GEODIS"],
        "invoice_upload_required": True,
        "multi_shipment": True,
    },
    "decathlon": {
        "label": "Decathlon",
        "acceptance_window_hours": 48,
        "carrier_codes": ["COLISSIMO", "CHRONOPOST", "DPD", "GLS", "UPS", "DHL"],
        "invoice_upload_required": True,
        "multi_shipment": False,
    },
    "shop_apotheke": {
        "label": "Shop Apotheke",
        "acceptance_window_hours": 24,
        "carrier_codes": ["DHL", "DPD", "HERMES", "GLS"],
        "invoice_upload_required": True,
        "multi_shipment": False,
    },
    "target_plus": {
        "label": "Target Plus",
        "acceptance_window_hours": 24,
        "carrier_codes": ["USPS", "FEDEX", "UPS"],
        "invoice_upload_required": False,
        "multi_shipment": False,
    },
}


def get_profile(code):
    """The profile of ``code``; the generic one for no or an unknown code."""
    return OPERATOR_PROFILES.get(code or GENERIC, OPERATOR_PROFILES[GENERIC])
