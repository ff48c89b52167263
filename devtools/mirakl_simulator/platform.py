"""PC01, the platform configuration: one answer per shop (each shop stands for an operator)."""

import copy

from .web import Response


def default_configuration(shop):
    """What a classic marketplace platform answers; tests switch features per shop."""
    return {
        "platform_name": "Simulated marketplace %s" % shop.zone,
        "tenant_name": "sim-%s" % shop.zone.lower(),
        "timezone": "Europe/Paris" if shop.currency == "EUR" else "America/Chicago",
        "platform_configuration": {
            "customer_model": {"b2b": False, "b2c": True},
            "enhanced_seller_invoicing": {"enabled": False},
            "platform_model": {"drop_ship": False, "marketplace": True, "one_creditor": False},
        },
        "modules": {
            "mirakl_catalog_integrator": False,
            "mirakl_catalog_manager": False,
            "mirakl_catalog_transformer": False,
            "mirakl_platform_services": False,
            "offer_management": True,
            "offer_management_mode": "SIMPLE",
            "order_management": True,
            "order_management_mode": "SIMPLE",
            "promotions": False,
            "quotes": False,
            "tax_manager": {
                "activated": False,
                "tax_provider": {"avalara": False, "vertex": False},
            },
        },
        "features": {
            "catalog": {
                "allow_shop_contribution_to_all_channels": False,
                "exclude_invalid_products": False,
                "list_of_multiple_values_separator": "|",
                "product_acceptance_by_channel": False,
                "product_data_validation_by_channel": False,
                "product_import_only_on_leaf": True,
            },
            "circular_economy_data_collection": False,
            "competitive_pricing_tool": False,
            "direct_payment_customer_store": {
                "activated": False,
                "refund_cancel_authorized": False,
            },
            "disable_seller_alternative_carrier": False,
            "dropship": {"retail_pricing_edition_enabled": "NO", "retail_pricing_enabled": False},
            "kyc_status_per_seller": False,
            "lead_time_to_ship_by_sellers_enabled": "YES",
            "multi_currency": False,
            "multi_payout_psp_per_seller": False,
            "no_reply_needed": False,
            "offer_prices_decimals": "2",
            "operator_csv_delimiter": "SEMICOLON",
            "order_conditions": {
                "lead_time_to_ship": True,
                "maximum_order_quantity": False,
                "minimum_order_quantity": False,
                "package_order_quantity": False,
            },
            "order_tax_mode": shop.tax_mode,
            "order_workflows": {
                "no_customer_payment_confirmation": False,
                "order_acceptance": "NOT_AUTOMATIC",
                "pause_debit_workflow": False,
                "pay_on_due_date": False,
                "pay_on_shipment": False,
                "sellers_edit_shipping_origin": False,
                "shipping_and_billing_details_before_acceptance": False,
            },
            "payment_confirmation": False,
            "pricing": {
                "channel_pricing": "DISABLED",
                "discount_period_required": False,
                "discount_price_creation_in_the_past_blocked": False,
                "scheduled_pricing": False,
                "volume_discount": False,
                "volume_pricing": False,
            },
            "product_data_validation_by_channel": False,
            "promotion": {
                "cart_promotion_campaign": False,
                "discount_campaign": False,
                "seller_promotion": False,
            },
            "returns": {"drop_ship": False, "marketplace": False, "one_creditor": False},
            "shipment": {"multi_part_item_shipment": False, "multi_shipment": True},
            "shop_tax_options": {
                "local_tax_number": {"mandatory": False, "validation_regex": ""},
                "tax_identification_number": {"mandatory": False, "validation_regex": ""},
            },
            "tax_collection": {
                "activated": "NO",
                "product_tax_code_mandatory": False,
                "tax_collection_by_operator": False,
            },
            "tax_id_number": {"mandatory": False, "validation_regex": ""},
            "warehouses": {"geolocation": False, "restricted_countries": []},
        },
    }


def merge(target, changes):
    """Deep-merge ``changes`` into ``target`` (dicts merge, anything else replaces)."""
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
    return target


def multi_shipment(shop):
    return bool(shop.platform["features"]["shipment"]["multi_shipment"])


def get_platform_configuration(sim, shop, request):
    """PC01."""
    return Response.json(shop.platform)


def register(router):
    router.add("GET", "/api/platform/configuration", "PC01", get_platform_configuration)
