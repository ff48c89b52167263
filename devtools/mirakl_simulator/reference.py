"""Operator master data (reasons, carriers, taxes, catalogue, shipping) and its endpoints."""

from .web import ApiError, Response

VERSION = "3.210.0-sim"


def _translations(label):
    return [{"locale": "en_US", "value": label}, {"locale": "fr_FR", "value": label}]


class ReferenceData:
    def __init__(self):
        self.reasons = [
            {"code": code, "label": label, "type": kind, "is_shop_right": True}
            for code, label, kind in (
                ("REFUSED_OUT_OF_STOCK", "Out of stock", "REFUSAL"),
                ("REFUSED_PRICE_ERROR", "Price error", "REFUSAL"),
                ("REF_DAMAGED", "Product damaged", "REFUND"),
                ("REF_NOT_RECEIVED", "Parcel not received", "REFUND"),
                ("REF_RETURNED", "Product returned", "REFUND"),
                ("CAN_OUT_OF_STOCK", "Out of stock", "CANCELATION"),
                ("CAN_CUSTOMER", "Customer request", "CANCELATION"),
                ("INC_NOT_RECEIVED", "Not received", "INCIDENT_OPEN"),
                ("INC_RESOLVED", "Incident resolved", "INCIDENT_CLOSE"),
                ("MSG_DELIVERY", "Delivery question", "ORDER_MESSAGING"),
                ("MSG_OTHER", "Other question", "MESSAGING"),
                ("RET_DAMAGED", "Damaged product", "RETURN"),
            )
        ]
        self.carriers = [
            {
                "code": "UPS",
                "label": "UPS",
                "standard_code": "UPS",
                "tracking_url": "https://www.ups.com/track?tracknum={trackingId}",
            },
            {
                "code": "DHL",
                "label": "DHL Express",
                "standard_code": "DHL",
                "tracking_url": "https://www.dhl.com/track?tracking-id={trackingId}",
            },
            {
                "code": "COLISSIMO",
                "label": "Colissimo",
                "standard_code": "COLISSIMO",
                "tracking_url": "https://www.laposte.fr/outils/suivre-vos-envois?code={trackingId}",
            },
            {
                "code": "USPS",
                "label": "USPS",
                "tracking_url": "https://tools.usps.com/go/TrackConfirmAction?tLabels={trackingId}",
            },
            {"code": "LOCAL", "label": "Local courier"},
        ]
        self.taxes = [
            {
                "code": "VAT_FR_20",
                "label": "VAT 20%",
                "tax_calculation_rule": "PROPORTIONAL_TO_AMOUNT",
            },
            {
                "code": "VAT_FR_5_5",
                "label": "VAT 5.5%",
                "tax_calculation_rule": "PROPORTIONAL_TO_AMOUNT",
            },
            {"code": "ECO_TAX", "label": "Eco-participation", "tax_calculation_rule": "NONE"},
            {
                "code": "US_STATE",
                "label": "State sales tax",
                "tax_calculation_rule": "PROPORTIONAL_TO_AMOUNT",
            },
            {
                "code": "US_CITY",
                "label": "City sales tax",
                "tax_calculation_rule": "PROPORTIONAL_TO_AMOUNT",
            },
        ]
        self.channels = [
            {"code": "WEB", "label": "Web shop", "description": "Main web storefront"},
            {"code": "APP", "label": "Mobile app", "description": "Mobile application"},
        ]
        self.hierarchies = [
            ("electronics", "Electronics", 1, ""),
            ("phones", "Phones", 2, "electronics"),
            ("laptops", "Laptops", 2, "electronics"),
            ("home", "Home", 1, ""),
            ("kitchen", "Kitchen", 2, "home"),
        ]
        self.attributes = [
            ("category", "Category", "LIST", "REQUIRED", None),
            ("title", "Title", "TEXT", "REQUIRED", None),
            ("brand", "Brand", "TEXT", "RECOMMENDED", None),
            ("color", "Colour", "LIST", "OPTIONAL", "colors"),
            ("ean", "EAN", "TEXT", "OPTIONAL", None),
        ]
        self.value_lists = {"colors": [("black", "Black"), ("white", "White"), ("red", "Red")]}
        self.shipping_zones = [
            {"code": "FR", "label": "France", "description": "Metropolitan France"},
            {"code": "EU", "label": "Europe", "description": "European Union"},
            {"code": "US", "label": "United States", "description": "Continental United States"},
        ]
        self.shipping_types = [
            {
                "code": "STD",
                "label": "Standard",
                "description": "Standard delivery",
                "click_and_collect": False,
                "delivery_by_operator": False,
                "mandatory_tracking": False,
            },
            {
                "code": "EXP",
                "label": "Express",
                "description": "Express delivery",
                "click_and_collect": False,
                "delivery_by_operator": False,
                "mandatory_tracking": True,
            },
            {
                "code": "PICKUP",
                "label": "Click and collect",
                "description": "Collect in store",
                "click_and_collect": True,
                "delivery_by_operator": False,
                "mandatory_tracking": False,
            },
        ]
        self.logistic_classes = [
            {"code": "S", "label": "Small", "description": "Letter box parcels"},
            {"code": "M", "label": "Medium", "description": "Standard parcels"},
            {"code": "L", "label": "Large", "description": "Bulky items"},
        ]
        self.additional_fields = [
            {
                "code": "gift-message",
                "label": "Gift message",
                "type": "STRING",
                "entity": "ORDER_LINE",
                "editable": True,
                "required": False,
            },
            {
                "code": "warranty-years",
                "label": "Warranty (years)",
                "type": "NUMERIC",
                "entity": "OFFER",
                "editable": True,
                "required": False,
            },
            {
                "code": "vat-number",
                "label": "VAT number",
                "type": "STRING",
                "entity": "SHOP",
                "editable": True,
                "required": False,
            },
        ]
        self.offer_states = [
            {"code": "11", "label": "New"},
            {"code": "1", "label": "Used - Like new"},
        ]

    def carrier(self, code):
        return next((carrier for carrier in self.carriers if carrier["code"] == code), None)

    def require_reason(self, code, reason_type):
        if not any(
            reason["code"] == code and reason["type"] == reason_type for reason in self.reasons
        ):
            raise ApiError(400, "Unknown %s reason code '%s'" % (reason_type, code))


def get_version(sim, shop, request):
    """V01."""
    return Response.json({"version": VERSION})


def list_reasons(sim, shop, request):
    """RE01: every reason; clients pick a type (REFUND, CANCELATION, INCIDENT_CLOSE…) themselves."""
    reasons = sim.reference.reasons
    return Response.json({"reasons": reasons, "total_count": len(reasons)})


def list_reasons_of_type(sim, shop, request):
    """RE02 (deprecated)."""
    wanted = request.path_params["reason_type"]
    reasons = [
        {"code": r["code"], "label": r["label"]}
        for r in sim.reference.reasons
        if r["type"] == wanted
    ]
    return Response.json({"reasons": reasons, "total_count": len(reasons)})


def list_hierarchies(sim, shop, request):
    """H11: ``hierarchy`` selects a subtree, ``max_level`` limits its depth below that node."""
    nodes = sim.reference.hierarchies
    root = request.arg("hierarchy")
    max_level = request.int_arg("max_level", minimum=0)
    if root:
        if not any(code == root for code, *_ in nodes):
            raise ApiError(404, "Unknown hierarchy '%s'" % root)
        nodes = [node for node in nodes if node[0] == root or node[3] == root]
    if max_level is not None:
        nodes = [node for node in nodes if node[2] <= max_level]
    return Response.json(
        {
            "hierarchies": [
                {
                    "code": code,
                    "label": label,
                    "label_translations": _translations(label),
                    "level": level,
                    "parent_code": parent,
                }
                for code, label, level, parent in nodes
            ]
        }
    )


def list_attributes(sim, shop, request):
    """PM11."""
    return Response.json(
        {
            "attributes": [
                {
                    "code": code,
                    "label": label,
                    "label_translations": _translations(label),
                    "description": label,
                    "description_translations": _translations(label),
                    "type": kind,
                    "type_parameter": values_list or "",
                    "type_parameters": (
                        [{"name": "LIST_CODE", "value": values_list}] if values_list else []
                    ),
                    "requirement_level": level,
                    "required": level == "REQUIRED",
                    "roles": [],
                    "variant": False,
                    "hierarchy_code": "",
                    **({"values_list": values_list} if values_list else {}),
                }
                for code, label, kind, level, values_list in sim.reference.attributes
            ]
        }
    )


def list_value_lists(sim, shop, request):
    """VL11."""
    wanted = request.arg("code")
    return Response.json(
        {
            "values_lists": [
                {
                    "code": code,
                    "label": code.title(),
                    "label_translations": _translations(code.title()),
                    "values": [
                        {"code": v, "label": label, "label_translations": _translations(label)}
                        for v, label in values
                    ],
                }
                for code, values in sim.reference.value_lists.items()
                if not wanted or code == wanted
            ]
        }
    )


def _static(attribute, key, with_count=False):
    def handler(sim, shop, request):
        items = getattr(sim.reference, attribute)
        payload = {key: items}
        if with_count:
            payload["total_count"] = len(items)
        return Response.json(payload)

    return handler


def list_additional_fields(sim, shop, request):
    """AF01, filtered by ``entities``."""
    entities = set(request.args("entities"))
    fields = [
        field
        for field in sim.reference.additional_fields
        if not entities or field["entity"] in entities
    ]
    return Response.json({"additional_fields": fields, "total_count": len(fields)})


def register(router):
    router.add("GET", "/api/version", "V01", get_version)
    router.add("GET", "/api/reasons", "RE01", list_reasons)
    router.add("GET", "/api/reasons/{reason_type}", "RE02", list_reasons_of_type)
    router.add("GET", "/api/hierarchies", "H11", list_hierarchies)
    router.add("GET", "/api/products/attributes", "PM11", list_attributes)
    router.add("GET", "/api/values_lists", "VL11", list_value_lists)
    router.add("GET", "/api/channels", "CH11", _static("channels", "channels"))
    router.add("GET", "/api/shipping/zones", "SH11", _static("shipping_zones", "shipping_zones"))
    router.add("GET", "/api/shipping/types", "SH12", _static("shipping_types", "shipping_types"))
    router.add("GET", "/api/shipping/carriers", "SH21", _static("carriers", "carriers"))
    router.add(
        "GET",
        "/api/shipping/logistic_classes",
        "SH31",
        _static("logistic_classes", "logistic_classes"),
    )
    router.add("GET", "/api/additional_fields", "AF01", list_additional_fields)
    router.add(
        "GET",
        "/api/offers/states",
        "OF61",
        _static("offer_states", "offer_states", with_count=True),
    )
