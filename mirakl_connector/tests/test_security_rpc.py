"""What a logged-in user can call over RPC: every public method of our models is a button
that checks its caller before anything reaches Mirakl, the licence server or the queue."""

import base64
import json

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import MiraklCase

OUR_MODULES = ("odoo.addons.mirakl_connector.", "odoo.addons.ecosire_license_client.")
# ORM entry points our classes override; the ORM checks access on them itself
ORM_METHODS = {"create", "write", "unlink", "copy", "read", "init", "default_get"}


def our_public_methods(env):
    """{model: {method}} for the public methods our addons define (tests aside)."""
    found = {}
    for model in env.registry:
        for klass in type(env[model]).__mro__:
            module = getattr(klass, "__module__", "") or ""
            if not module.startswith(OUR_MODULES) or ".tests" in module:
                continue
            for name, value in vars(klass).items():
                if callable(value) and not name.startswith("_") and name not in ORM_METHODS:
                    found.setdefault(model, set()).add(name)
    return found


class EntryPointCase(MiraklCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Mirakl B RPC"})
        cls.portal = new_test_user(cls.env, login="mk_portal", groups="base.group_portal")
        cls.employee = new_test_user(cls.env, login="mk_employee", groups="base.group_user")
        cls.user_a = new_test_user(
            cls.env, login="mk_rpc_user",
            groups="base.group_user,mirakl_connector.group_mirakl_user",
        )
        cls.user_b = new_test_user(
            cls.env, login="mk_rpc_user_b",
            groups="base.group_user,mirakl_connector.group_mirakl_user",
            company_id=cls.company_b.id, company_ids=[(6, 0, cls.company_b.ids)],
        )
        cls.job = cls.env["mk.job"]._enqueue(
            cls.instance, "rpc", "mk.instance.flow", "_job_run_flow",
            payload={"flow_id": cls.instance.flow_ids[:1].id},
        )
        cls.order = cls.env["sale.order"].create({
            "partner_id": cls.env["res.partner"].create({"name": "RPC customer"}).id,
            "mk_instance_id": cls.instance.id, "mk_order_id": "RPC-1",
            "mk_state": "WAITING_ACCEPTANCE", "mk_acceptance_state": "pending",
        })
        licence = cls.env["ecosire.license"].search([], limit=1)
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        delivery = cls.env["stock.picking"].create({
            "picking_type_id": warehouse.out_type_id.id,
            "location_id": warehouse.lot_stock_id.id,
            "location_dest_id": cls.env.ref("stock.stock_location_customers").id,
        })
        method = cls.env["delivery.carrier"].create({
            "name": "RPC carrier",
            "product_id": cls.env["product.product"].create({"name": "RPC shipping"}).id,
        })
        carrier = cls.env["mk.carrier"].create(
            {"instance_id": cls.instance.id, "code": "RPC", "label": "RPC"}
        )
        cls.records = {
            "mk.instance": cls.instance,
            "mk.instance.flow": cls.instance.flow_ids.filtered(lambda f: f.flow == "account"),
            "mk.job": cls.job,
            "sale.order": cls.order,
            "mk.order.import.wizard": cls.env["mk.order.import.wizard"].create(
                {"instance_id": cls.instance.id, "mode": "ids", "order_ids": "RPC-1"}
            ),
            "mk.order.acceptance.wizard": cls.env["mk.order.acceptance.wizard"].create(
                {"order_id": cls.order.id}
            ),
            "stock.picking": delivery,
            "mk.carrier.map": cls.env["mk.carrier.map"].create({
                "instance_id": cls.instance.id, "delivery_carrier_id": method.id,
                "mk_carrier_id": carrier.id, "auto_matched": True,
            }),
            "mk.offer.export.wizard": cls.env["mk.offer.export.wizard"].create(
                {"instance_id": cls.instance.id}
            ),
            "ecosire.license": licence,
            "ecosire.license.offline.wizard": cls.env["ecosire.license.offline.wizard"].create(
                {"license_id": licence.id, "receipt_file": base64.b64encode(b"not a receipt")}
            ),
            "mk.webhook.event": cls.env["mk.webhook.event"].create({
                "instance_id": cls.instance.id, "fingerprint": "id:RPC",
                "received_at": "2026-01-01 00:00:00", "state": "failed"}),
        }
        cls.records["mk.thread"] = cls.env["mk.thread"].create(
            {"instance_id": cls.instance.id, "mirakl_thread_id": "THR-RPC"})
        cls.records["mk.thread.reply.wizard"] = cls.env["mk.thread.reply.wizard"].create(
            {"thread_id": cls.records["mk.thread"].id, "body": "forged reply"})


@tagged("post_install", "-at_install", "mirakl_connector")
class TestSecurityEntryPoints(EntryPointCase):
    def test_every_public_method_is_a_button(self):
        # anything else (a queue or import entry point) must be _private: RPC cannot call it
        for model, methods in our_public_methods(self.env).items():
            for name in methods:
                with self.subTest(model=model, method=name):
                    self.assertTrue(name.startswith("action_"),
                                    "%s.%s is callable over RPC" % (model, name))

    def test_buttons_refuse_who_may_not_press_them_before_doing_anything(self):
        methods = our_public_methods(self.env)
        self.assertIn("action_mk_reimport", methods["sale.order"])
        for model, names in methods.items():
            record = self.records.get(model) or self.env[model].search([], limit=1)
            self.assertTrue(record, "no %s record to press %s on" % (model, sorted(names)))
            for person in (self.portal, self.employee, self.user_b):
                for name in sorted(names):
                    with self.subTest(person=person.login, model=model, button=name):
                        with self.assertRaises(AccessError):
                            getattr(record.with_user(person), name)()
        self.assertFalse(self.sim.request_log(), "nothing reached Mirakl")
        self.assertEqual(self.job.state, "pending")
        self.assertEqual(self.env["mk.job"].search_count([]), 1)

    def test_manager_buttons_refuse_a_mirakl_user(self):
        instance = self.instance.with_user(self.user_a)
        for name in ("action_test_connection", "action_activate", "action_set_draft"):
            with self.subTest(button=name), self.assertRaises(AccessError):
                getattr(instance, name)()
        self.assertFalse(self.sim.request_log("A01"), "no call to Mirakl with the shop's key")
        self.assertEqual(self.instance.state, "draft")


@tagged("post_install", "-at_install", "mirakl_connector")
class TestSecurityJsonRpc(EntryPointCase, HttpCase):
    """The web client's own endpoint, as a portal user who logged in."""

    def _call(self, model, method, *args):
        """call_kw as the logged-in user; returns the error Odoo answered (or None)."""
        body = json.dumps({
            "jsonrpc": "2.0", "method": "call", "id": 1,
            "params": {"model": model, "method": method, "args": list(args), "kwargs": {}},
        })
        with self.assertLogs("odoo.http", level="WARNING"):  # Odoo logs each refusal
            answer = self.url_open(
                "/web/dataset/call_kw/%s/%s" % (model, method), data=body,
                headers={"Content-Type": "application/json"},
            ).json()
        return answer.get("error", {}).get("data", {})

    def test_portal_user_cannot_run_or_fill_the_queue(self):
        self.authenticate("mk_portal", "mk_portal")
        error = self._call("mk.job", "_run_pending")
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self.assertIn("Private methods", error.get("message"))
        error = self._call("mk.job", "_enqueue", False, "forged", "mk.instance.flow",
                           "_job_run_flow")
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        error = self._call("mk.order.importer", "_import_order_ids", self.instance.id, ["X"])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self.job.invalidate_recordset()
        self.assertEqual(self.job.state, "pending", "the queued job did not run")
        self.assertFalse(self.env["mk.job"].search([("name", "=", "forged")]))
        self.assertFalse(self.sim.request_log())

    def test_portal_user_cannot_press_our_buttons(self):
        self.authenticate("mk_portal", "mk_portal")
        for model, method in (("mk.instance", "action_test_connection"),
                              ("mk.instance.flow", "action_run_now"),
                              ("mk.job", "action_retry"),
                              ("sale.order", "action_mk_reimport")):
            with self.subTest(method=method):
                record = self.records[model]
                error = self._call(model, method, record.ids)
                self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self.assertFalse(self.sim.request_log(), "nothing reached Mirakl")
        self.assertEqual(self.env["mk.job"].search_count([]), 1)
