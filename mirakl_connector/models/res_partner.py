from odoo import _, api, fields, models

from ..mirakl.orders import OrderDataError
from .mk_job import create_auto_key, create_or_retry


class ResPartner(models.Model):
    _inherit = "res.partner"

    mk_instance_id = fields.Many2one(
        "mk.instance",
        string="Mirakl Instance",
        index=True,
        copy=False,
        ondelete="set null",
    )
    mk_customer_id = fields.Char(string="Mirakl Customer", index=True, copy=False)
    mk_address_fingerprint = fields.Char(
        index=True,
        copy=False,
        help="Hash of the address as Mirakl sent it: the same customer at the same address "
        "is reused, a new address gets its own contact.",
    )

    def init(self):
        super().init()
        create_auto_key(
            self,
            "res_partner_mk_customer_uniq",
            "mk_instance_id, mk_customer_id, type, COALESCE(mk_address_fingerprint, '')",
            "mk_instance_id IS NOT NULL AND mk_customer_id IS NOT NULL",
        )

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    @api.model
    def _mk_find_or_create_customer(self, instance, customer, order_ref):
        """(customer, invoice address, delivery address) for one Mirakl customer.

        The customer is Mirakl's customer id within the shop, never a name. Each address is a
        child contact keyed by its fingerprint, so the same address is reused and a new one is
        added. While Mirakl hides the addresses the customer itself stands in for both.
        """
        parent = self._mk_get_company(instance, customer, order_ref)
        partner = self._mk_search(instance, customer["customer_id"], "contact", "")
        main_address = customer["billing"] or customer["shipping"]
        if not partner:
            values = self._mk_prepare_customer_values(instance, customer, order_ref)
            if main_address:
                values.update(self._mk_prepare_address_values(main_address, order_ref))
                values["name"] = customer["name"]
            partner = self._mk_create(values, order_ref)
        elif main_address and not partner.street:
            partner.write(self._mk_prepare_address_values(main_address, order_ref))
        if parent and partner.parent_id != parent:
            partner.parent_id = parent
        invoice = self._mk_get_address(
            instance,
            partner,
            customer,
            "invoice",
            customer["billing"],
            order_ref,
        )
        delivery = self._mk_get_address(
            instance,
            partner,
            customer,
            "delivery",
            customer["shipping"],
            order_ref,
        )
        return partner, invoice, delivery

    def _mk_search(self, instance, customer_id, kind, fingerprint, parent=None):
        domain = [
            ("mk_instance_id", "=", instance.id),
            ("mk_customer_id", "=", customer_id),
            ("type", "=", kind),
            ("mk_address_fingerprint", "=", fingerprint or False),
        ]
        if parent is not None:
            domain.append(("parent_id", "=", parent.id))
        return self.with_context(active_test=False).search(domain, limit=1)

    def _mk_get_address(self, instance, partner, customer, kind, address, order_ref):
        if not address:
            return partner
        fingerprint = customer["%s_fingerprint" % ("billing" if kind == "invoice" else "shipping")]
        child = self._mk_search(instance, customer["customer_id"], kind, fingerprint, partner)
        if child:
            return child
        values = self._mk_prepare_address_values(address, order_ref)
        values.update(
            {
                "parent_id": partner.id,
                "type": kind,
                "name": address["name"] or customer["name"],
                "mk_instance_id": instance.id,
                "mk_customer_id": customer["customer_id"],
                "mk_address_fingerprint": fingerprint,
            }
        )
        return self._mk_create(values, order_ref)

    def _mk_get_company(self, instance, customer, order_ref):
        if not (instance.order_create_company and customer["company"]):
            return self.browse()
        # organisations are told apart by their tax id, else by their name and address
        key = "org:%s" % (customer["vat"] or customer["company"].strip().lower())
        company = self.with_context(active_test=False).search(
            [
                ("mk_instance_id", "=", instance.id),
                ("mk_customer_id", "=", key),
                ("is_company", "=", True),
            ],
            limit=1,
        )
        if company:
            return company
        values = {
            "name": customer["company"],
            "is_company": True,
            "mk_instance_id": instance.id,
            "mk_customer_id": key,
            "company_id": instance.company_id.id,
        }
        if customer["billing"]:
            values.update(self._mk_prepare_address_values(customer["billing"], order_ref))
        return self._mk_create(values, order_ref)

    def _mk_create(self, values, order_ref):
        return create_or_retry(self, values, _(
            "The customer of Mirakl order %s is being created by another transaction; this "
            "import will be retried.", order_ref,
        ))

    def _mk_prepare_customer_values(self, instance, customer, order_ref):
        values = {
            "name": customer["name"],
            "type": "contact",
            "customer_rank": 1,
            "mk_instance_id": instance.id,
            "mk_customer_id": customer["customer_id"],
            "company_id": instance.company_id.id,
        }
        lang = self._mk_lang(customer["locale"])
        if lang:
            values["lang"] = lang
        return values

    def _mk_lang(self, locale):
        if not locale:
            return False
        langs = dict(self.env["res.lang"].get_installed())
        return locale if locale in langs else False

    def _mk_prepare_address_values(self, address, order_ref):
        country = self._mk_country(address, order_ref)
        state = self.env["res.country.state"]
        if address["state"]:
            state = state.search(
                [
                    ("country_id", "=", country.id),
                    "|",
                    ("code", "=ilike", address["state"]),
                    ("name", "=ilike", address["state"]),
                ],
                limit=1,
            )
        return {
            "street": address["street"],
            "street2": address["street2"] or False,
            "zip": address["zip"] or False,
            "city": address["city"],
            "country_id": country.id,
            "state_id": state.id or False,
            "phone": address["phone"] or False,
        }

    def _mk_country(self, address, order_ref):
        code = address["country_code"]
        country = (
            self.env["res.country"].search([("code", "=ilike", code)], limit=1)
            if code
            else self.env["res.country"]
        )
        if not country:
            raise OrderDataError(
                order_ref,
                _(
                    "unknown country %(iso)s (%(label)s) in the customer's address.",
                    iso=address["country_iso3"] or "-",
                    label=address["country_label"] or "-",
                ),
            )
        return country
