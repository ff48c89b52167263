{
    "name": "ECOSIRE Licence Client",
    "summary": "Activate, verify and enforce signed ECOSIRE licences per Odoo domain (up to 3 activations)",
    "version": "1.0.0",
    "category": "Administration",
    "license": "LGPL-3",
    "author": "ECOSIRE",
    "website": "https://github.com/ecosire/mirakl-connector",
    "depends": ["base", "base_setup", "mail"],
    "external_dependencies": {"python": ["cryptography", "requests"]},
    "data": [],
    "installable": True,
}
