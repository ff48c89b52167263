{
    "name": "Mirakl Connector",
    "summary": "Run your shops on Mirakl marketplaces (Best Buy, Carrefour, Decathlon, "
    "Target Plus…) from Odoo: orders, acceptance, shipping, offers, stock and prices",
    "version": "1.0.0",
    "category": "Sales/Sales",
    "license": "LGPL-3",
    "author": "ECOSIRE",
    "website": "https://github.com/ecosire/mirakl-connector",
    "depends": [
        "sale_management",
        "sale_stock",
        "stock_delivery",
        "account",
        "ecosire_license_client",
    ],
    "external_dependencies": {"python": ["requests", "lxml"]},
    "data": [
        "security/mirakl_security.xml",
        "security/ir.model.access.csv",
        "security/ir_rules.xml",
        "data/ir_cron_data.xml",
        # sections first: each views file below adds its own menu entries under them
        "views/mirakl_menus.xml",
        "views/mk_instance_views.xml",
        "views/mk_instance_flow_views.xml",
        "views/mk_job_views.xml",
        "views/mk_sync_log_views.xml",
    ],
    "installable": True,
    "application": True,
}
