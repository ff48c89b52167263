{
    "name": "Mirakl Connector",
    "summary": "Run your shops on Mirakl marketplaces (Best Buy, Carrefour, Decathlon, Target Plus…) "
    "from Odoo: orders, acceptance, shipping, offers, stock and prices",
    "version": "1.0.0",
    "category": "Sales/Sales",
    "license": "LGPL-3",
    "author": "ECOSIRE",
    "website": "https://github.com/ecosire/mirakl-connector",
    "depends": ["sale_management", "sale_stock", "stock_delivery", "account", "ecosire_license_client"],
    "external_dependencies": {"python": ["requests", "cryptography", "lxml"]},
    "data": [],
    "installable": True,
    "application": True,
}
