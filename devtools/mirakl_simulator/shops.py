"""Shops, their API keys and the A01 account endpoint."""

import itertools

from . import platform
from .clock import format_datetime
from .web import ApiError, Response

# Two operators' worth of shops: a French EUR shop and a US USD shop, plus one key that reaches
# both (Mirakl keys belong to users, and a user may manage several shops).
DEFAULT_SHOPS = (
    {
        "shop_id": 2001,
        "api_key": "sim-eur-0001",
        "shop_name": "Simulated Boutique FR",
        "currency_iso_code": "EUR",
        "tax_mode": "TAX_INCLUDED",
        "zone": "FR",
        "zone_label": "France",
        "country_iso": "FRA",
        "country_label": "France",
        "city": "Paris",
        "zip_code": "75002",
        "locale": "fr_FR",
    },
    {
        "shop_id": 2002,
        "api_key": "sim-usd-0002",
        "shop_name": "Simulated Store US",
        "currency_iso_code": "USD",
        "tax_mode": "TAX_EXCLUDED",
        "zone": "US",
        "zone_label": "United States",
        "country_iso": "USA",
        "country_label": "United States",
        "city": "Austin",
        "zip_code": "73301",
        "locale": "en_US",
    },
)
MULTI_SHOP_KEY = "sim-multi-0003"


class Shop:
    def __init__(self, config, created):
        self.shop_id = config["shop_id"]
        self.api_key = config["api_key"]
        self.name = config["shop_name"]
        self.currency = config["currency_iso_code"]
        self.tax_mode = config["tax_mode"]
        self.zone, self.zone_label = config["zone"], config["zone_label"]
        self.country_iso, self.country_label = config["country_iso"], config["country_label"]
        self.city, self.zip_code, self.locale = config["city"], config["zip_code"], config["locale"]
        self.channels = [{"code": "WEB", "label": "Web shop"}]
        self.created = created
        self.orders = {}
        self.offers = {}
        self.imports = {}
        self.documents = {}
        self.threads = {}
        self.invoices = []
        self.transactions = []
        self.shipments = {}
        self.returns = []
        self.exports = {}
        self._counters = {}
        self.platform = platform.default_configuration(self)

    def next_id(self, kind):
        counter = self._counters.setdefault(kind, itertools.count(1))
        return "%d%05d" % (self.shop_id, next(counter))

    def order(self, order_id):
        order = self.orders.get(order_id)
        if order is None:
            raise ApiError(
                404, "ORDER_NOT_FOUND: order %s does not exist" % order_id, code="ORDER_NOT_FOUND"
            )
        return order

    def describe(self):
        return {
            "shop_id": self.shop_id,
            "api_key": self.api_key,
            "shop_name": self.name,
            "currency_iso_code": self.currency,
            "order_tax_mode": self.tax_mode,
        }


def get_account(sim, shop, request):
    """A01."""
    contact = {
        "city": shop.city,
        "country": shop.country_label,
        "email": "seller-%d@sim.mirakl.local" % shop.shop_id,
        "lastname": "Seller",
        "firstname": "Sam",
        "street1": "1 Market Street",
        "zip_code": shop.zip_code,
    }
    registration = {
        "city": shop.city,
        "country_iso_code": shop.country_iso,
        "street_1": "1 Market Street",
    }
    return Response.json(
        {
            "shop_id": shop.shop_id,
            "shop_name": shop.name,
            "shop_state": "OPEN",
            "currency_iso_code": shop.currency,
            "date_created": format_datetime(shop.created),
            "last_updated_date": format_datetime(shop.created),
            "is_professional": True,
            "premium": False,
            "free_shipping": False,
            "payment_method_mandatory": False,
            "channels": [channel["code"] for channel in shop.channels],
            "domains": ["PRODUCT"],
            "contact_informations": contact,
            "billing_info": {
                "owner": shop.name,
                "iban": "FR7600000000000000000000000",
                "bic": "SIMUFRPP",
            },
            "default_billing_information": {
                "id": "BI-%d" % shop.shop_id,
                "default_language": shop.locale[:2],
                "registration_address": registration,
            },
            "pro_details": {
                "corporate_name": shop.name,
                "identification_number": "SIM%d" % shop.shop_id,
            },
            "payment_details": {
                "paid_balance": 0.0,
                "payable_balance": 0.0,
                "pending_balance": 0.0,
            },
            "shipping": {"lead_time_to_ship": 2},
            "shipping_types": ["STD", "EXP"],
            "shipping_zones": [shop.zone],
            "shippings": [
                {
                    "shipping_type_code": code,
                    "shipping_type_label": label,
                    "shipping_zone_code": shop.zone,
                    "shipping_zone_label": shop.zone_label,
                }
                for code, label in (("STD", "Standard"), ("EXP", "Express"))
            ],
            "shop_additional_fields": [],
            "evaluations_count": 0,
            "orders_count": len(shop.orders),
            "offers_count": len(shop.offers),
            "kyc": {"status": "APPROVED"},
            "approval_delay": 3600,
            "approval_rate": 98.5,
        }
    )


def register(router):
    router.add("GET", "/api/account", "A01", get_account)
