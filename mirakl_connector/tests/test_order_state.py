from odoo.tests import tagged

from .common import OrderCase


@tagged("post_install", "-at_install", "mirakl_connector")
class TestOrderStateSync(OrderCase):

    def _accepted(self, state="WAITING_DEBIT_PAYMENT", lines=None, **extra):
        sim_order = self.create_sim_order(
            lines or [self.sim_line("SKU-1", 3, 10.0, shipping_price=3.0),
                      self.sim_line("SKU-2", 1, 7.5)],
            state=state, **extra,
        )
        order = self.import_ids(sim_order["order_id"])
        self.env["mk.job"]._run_pending()  # the financial rule confirms it
        return sim_order, order

    def _reimport(self, order):
        order.action_mk_reimport()
        return order

    def test_order_follows_mirakl_states(self):
        sim_order, order = self._accepted()
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.mk_paid)
        self.sim.advance(sim_order["order_id"], "debit")
        self._reimport(order)
        self.assertEqual(order.mk_state, "SHIPPING")
        self.assertTrue(order.mk_paid)
        self.assertTrue(order.mk_shipping_deadline)
        self.sim.advance(sim_order["order_id"], "ship")
        self.sim.advance(sim_order["order_id"], "receive")
        self._reimport(order)
        self.assertEqual(order.mk_state, "RECEIVED")
        self.assertTrue(order.mk_received_date)
        self.sim.advance(sim_order["order_id"], "close")
        self._reimport(order)
        self.assertEqual(order.mk_state, "CLOSED")
        self.assertTrue(order.mk_closed_date)
        self.assertEqual(order.state, "sale")

    def test_cancellation_after_acceptance_cancels_order_and_transfers(self):
        sim_order, order = self._accepted()
        self.assertTrue(order.picking_ids)
        self.sim.advance(sim_order["order_id"], "cancel")
        self._reimport(order)
        self.assertEqual(order.mk_state, "CANCELED")
        self.assertEqual(order.state, "cancel")
        self.assertEqual(set(order.picking_ids.mapped("state")), {"cancel"})
        self.assertEqual(order.mk_acceptance_state, "accepted")
        messages = order.message_ids.mapped("body")
        self.assertTrue(any("SIM_CANCELED" in (body or "") for body in messages), messages)

    def test_refused_on_mirakl_cancels_the_quotation(self):
        sim_order = self.create_sim_order([self.sim_line()])
        order = self.import_ids(sim_order["order_id"])
        self.sim.advance(sim_order["order_id"], "auto_refuse")
        self._reimport(order)
        self.assertEqual(order.state, "cancel")
        self.assertEqual(order.mk_acceptance_state, "refused")
        self.assertEqual(order.mk_state_reason, "Not accepted before the acceptance deadline")
        self.assertTrue(any("is REFUSED (Not accepted before the acceptance deadline)"
                            in str(message.body) for message in order.message_ids))

    def test_line_cancellation_reduces_the_quantity(self):
        sim_order, order = self._accepted()
        line = sim_order["order_lines"][0]
        client = self.instance._get_client()
        client.cancel_order_lines([{
            "order_line_id": line["order_line_id"], "amount": 10.0, "shipping_amount": 1.0,
            "quantity": 1, "reason_code": "CAN_OUT_OF_STOCK",
        }])
        self._reimport(order)
        sale_line = order.order_line.filtered(lambda ol: ol.mk_line_id == line["order_line_id"])
        self.assertEqual(sale_line.product_uom_qty, 2)
        self.assertEqual(sale_line.mk_canceled_qty, 1)
        self.assertAlmostEqual(order.order_line.filtered("is_delivery").price_unit, 2.0)
        self.assertTotalsMatch(order)
        self.assertTrue(any("3.0 → 2.0" in str(m.body) for m in order.message_ids))

    def test_refund_reduces_the_quantity(self):
        sim_order, order = self._accepted(state="SHIPPED")
        order.locked = True  # "Lock confirmed sales": Mirakl's changes still apply
        line = sim_order["order_lines"][0]
        self.instance._get_client().refund_order_lines([{
            "order_line_id": line["order_line_id"], "amount": 10.0, "shipping_amount": 0.0,
            "quantity": 1, "reason_code": "REF_DAMAGED",
        }])
        self._reimport(order)
        sale_line = order.order_line.filtered(lambda ol: ol.mk_line_id == line["order_line_id"])
        self.assertEqual(sale_line.product_uom_qty, 2)
        self.assertEqual(sale_line.mk_refunded_qty, 1)
        self.assertTotalsMatch(order)
        self.assertTrue(order.locked)


@tagged("post_install", "-at_install", "mirakl_connector")
class TestOrderFinancial(OrderCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.instance.financial_rule_ids.unlink()
        cls.bank = cls.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", cls.company.id)], limit=1,
        )
        cls.term = cls.env.ref("account.account_payment_term_30days")
        cls.paid_rule = cls.env["mk.financial.rule"].create({
            "name": "Card, paid", "instance_id": cls.instance.id, "sequence": 1,
            "payment_type": "credit_card", "paid_status": "paid", "confirm_order": True,
            "create_invoice": True, "post_invoice": True, "register_payment": True,
            "journal_id": cls.bank.id, "payment_term_id": cls.term.id,
        })
        cls.unpaid_rule = cls.env["mk.financial.rule"].create({
            "name": "Card, not paid yet", "instance_id": cls.instance.id, "sequence": 2,
            "payment_type": "CREDIT_CARD", "paid_status": "unpaid", "confirm_order": True,
        })

    def _import(self, state, **extra):
        sim_order = self.create_sim_order([self.sim_line("SKU-1", 2, 10.0)], state=state, **extra)
        order = self.import_ids(sim_order["order_id"])
        self.env["mk.job"]._run_pending()
        return sim_order, order

    def test_paid_order_is_confirmed_invoiced_and_paid(self):
        __, order = self._import("SHIPPING")
        self.assertEqual(order.mk_financial_rule_id, self.paid_rule)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.payment_term_id, self.term)
        invoice = order.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertAlmostEqual(invoice.amount_total, order.mk_total, places=2)
        # running the workflow again changes nothing: one invoice, one payment
        self.env["mk.order.financial"]._apply(order)
        self.assertEqual(len(order.invoice_ids), 1)

    def test_unpaid_order_is_only_confirmed_then_paid_later(self):
        sim_order, order = self._import("WAITING_DEBIT_PAYMENT")
        self.assertEqual(order.mk_financial_rule_id, self.unpaid_rule)
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.invoice_ids)
        self.sim.advance(sim_order["order_id"], "debit")
        order.action_mk_reimport()
        self.env["mk.job"]._run_pending()
        self.assertEqual(order.mk_financial_rule_id, self.paid_rule)
        self.assertEqual(order.invoice_ids.state, "posted")

    def test_no_matching_rule_fails_the_job_naming_the_payment_type(self):
        __, order = self._import("SHIPPING", payment_type="BANK_WIRE")
        job = self.env["mk.job"].search([("job_type", "=", "order_financial"),
                                         ("res_id", "=", order.id)])
        self.assertEqual(job.state, "failed")
        self.assertIn('payment type "BANK_WIRE"', job.error)
        self.assertEqual(order.state, "draft", "the order itself is imported and kept")
