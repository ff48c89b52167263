{
    "name": "ECOSIRE Licence Client",
    "summary": "Activate, verify and enforce signed ECOSIRE licences per Odoo domain",
    "version": "1.0.0",
    "category": "Administration",
    "license": "LGPL-3",
    "author": "ECOSIRE",
    "website": "https://github.com/ecosire/mirakl-connector",
    "depends": ["base", "web"],
    "external_dependencies": {"python": ["cryptography", "requests"]},
    "data": [
        "security/ir.model.access.csv",
        "data/ir_cron.xml",
        "views/ecosire_license_views.xml",
        "views/ecosire_license_offline_wizard_views.xml",
    ],
    "installable": True,
}
