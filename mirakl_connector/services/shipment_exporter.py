"""Done deliveries of Mirakl orders -> shipments on Mirakl, exactly once.

Multi-shipment platforms get one ST01 shipment per delivery (a partial delivery and its
backorder are two shipments). Other platforms ship whole orders: OR23 sends the tracking and
OR24 ships once the delivery covers what is left of the order.

Mirakl writes carry no idempotency key, so a send that may have reached Mirakl without an
answer is checked before it is tried again: ST11 for a shipment with the same lines, OR11 for
an order already shipped.
"""

import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .. import compat
from ..mirakl import errors
from ..mirakl.orders import states

_logger = logging.getLogger(__name__)

# Mirakl order states in which the order has left the shop (api-reference §4.2).
SHIPPED_STATES = (states.SHIPPED, states.TO_COLLECT, states.RECEIVED, states.CLOSED)
# OR72 takes a list of order ids; keep each URL short
DOCUMENT_ORDERS_PER_CALL = 50


class ShipmentExporter(models.AbstractModel):
    _name = "mk.shipment.exporter"
    _description = "Mirakl Shipment Exporter"

    # ------------------------------------------------------------------
    # QUEUE
    # ------------------------------------------------------------------

    @api.model
    def _enqueue_send(self, picking, priority=10, verify=False):
        """``verify``: check on Mirakl first whether an earlier send already went through."""
        return self.env["mk.job"]._enqueue(
            picking.mk_instance_id,
            "shipment",
            self._name,
            "_job_send_shipment",
            payload={"picking_id": picking.id, "verify": verify},
            identity_key="shipment:%s" % picking.id,
            record=picking,
            priority=priority,
            name=_("Ship %(picking)s (%(order)s)", picking=picking.name, order=picking.mk_order_id),
        )

    @api.model
    def _enqueue_tracking_update(self, picking):
        return self.env["mk.job"]._enqueue(
            picking.mk_instance_id,
            "shipment_tracking",
            self._name,
            "_job_update_tracking",
            payload={"picking_id": picking.id},
            identity_key="shipment-tracking:%s" % picking.id,
            record=picking,
            name=_("Tracking of %s", picking.name),
        )

    @api.model
    def _enqueue_ship_whole_order(self, picking):
        return self.env["mk.job"]._enqueue(
            picking.mk_instance_id,
            "shipment",
            self._name,
            "_job_ship_whole_order",
            payload={"picking_id": picking.id},
            identity_key="shipment-whole:%s" % picking.sale_id.id,
            record=picking,
            priority=5,
            name=_("Ship order %s", picking.mk_order_id),
        )

    @api.model
    def _job_ship_whole_order(self, job):
        picking = self.env["stock.picking"].browse(job.payload["picking_id"]).exists()
        if not picking:
            return {"skipped": "delivery deleted"}
        client = self._get_client(picking.mk_instance_id)
        return self._ship_order(client, picking, picking.mk_sent_tracking and {
            "tracking_number": picking.mk_sent_tracking})

    @api.model
    def _job_send_shipment(self, job):
        picking = self.env["stock.picking"].browse(job.payload["picking_id"]).exists()
        if not picking:
            return {"skipped": "delivery deleted"}
        if picking.mk_shipment_state in ("sent", "not_needed"):
            return {"skipped": "already %s" % picking.mk_shipment_state}
        # a person's retry, or the queue's: the earlier attempt may have reached Mirakl
        verify = job.attempts > 1 or picking.mk_shipment_state == "failed" or bool(
            job.payload.get("verify")
        )
        return self._send(picking, verify=verify)

    @api.model
    def _job_update_tracking(self, job):
        picking = self.env["stock.picking"].browse(job.payload["picking_id"]).exists()
        if not picking or picking.mk_shipment_state != "sent":
            return {"skipped": "not sent"}
        return self._update_tracking(picking)

    @api.model
    def _on_job_failure(self, job, message):
        picking = self.env["stock.picking"].browse((job.payload or {}).get("picking_id")).exists()
        if not picking:
            return
        if job.method_name == "_job_send_shipment":
            picking.sudo().write({"mk_shipment_state": "failed", "mk_shipment_error": message})
        else:
            picking.sudo().mk_shipment_error = message
        picking.message_post(body=_("Mirakl shipment failed: %s", message))
        self._schedule_failure_activity(picking, message)

    # ------------------------------------------------------------------
    # SEND
    # ------------------------------------------------------------------

    @api.model
    def _fulfilled_elsewhere(self, picking):
        """Why the connector does not confirm this delivery (dropship/3PL centre), or None."""
        data = picking.sale_id._mk_payload()
        center = ((data.get("fulfillment") or {}).get("center") or {}).get("code")
        if center and center in picking.mk_instance_id._mk_skip_centers():
            return _(
                "Mirakl has order %(order)s fulfilled by centre %(center)s (dropship or 3PL): "
                "its shipment is confirmed there, not by Odoo.",
                order=picking.mk_order_id,
                center=center,
            )
        return None

    @api.model
    def _check_before_send(self, picking):
        """Why this delivery cannot be sent as it is (before any call), or None."""
        order = picking.sale_id
        if order.mk_state in SHIPPED_STATES:
            return None
        shipping_type = picking.mk_instance_id._mk_shipping_type(self._shipping_type_code(order))
        if shipping_type.mandatory_tracking and not picking.carrier_tracking_ref:
            return _(
                "Mirakl needs a tracking number for shipping type %(type)s: enter the tracking "
                "reference of %(picking)s; it is sent to Mirakl as soon as it is saved.",
                type=shipping_type.label or shipping_type.code,
                picking=picking.name,
            )
        return None

    @api.model
    def _send(self, picking, verify=False):
        instance = picking.mk_instance_id
        problem = self._check_before_send(picking)
        if problem:
            raise UserError(problem)
        if picking.sale_id.mk_state in SHIPPED_STATES and not verify:
            return self._mark(
                picking, "not_needed", note=_("Mirakl already shows the order shipped.")
            )
        client = self._get_client(instance)
        tracking = self._prepare_tracking(picking)
        if instance._mk_uses_multi_shipment():
            try:
                return self._send_shipment(client, picking, tracking, verify)
            except errors.MiraklValidationError as error:
                if not self._is_multi_shipment_refused(error):
                    raise
                instance._mk_remember_multi_shipment_refused(error.message)
        return self._send_whole_order(client, picking, tracking, verify)

    @api.model
    def _send_shipment(self, client, picking, tracking, verify):
        """ST01: one shipment with this delivery's lines, shipped at once."""
        lines = self._prepare_shipment_lines(picking)
        if not lines:
            return self._mark(picking, "not_needed", note=_("No Mirakl order line delivered."))
        if verify:
            found = self._find_shipment(client, picking, lines)
            if found:
                if found.get("status") == states.SHIPPING:
                    client.mark_shipments_shipped([{"id": found["id"]}])
                return self._mark(
                    picking, "sent", mode="st01", shipment_id=found["id"], tracking=tracking,
                    note=_("Found on Mirakl: the earlier attempt had gone through."),
                )
        shipment = self._prepare_shipment(picking, lines, tracking)
        try:
            answer = client.create_shipments([shipment])
        except errors.MiraklError as error:
            if isinstance(error, (errors.MiraklNetworkError, errors.MiraklServerError)):
                # no answer: the queue tries again, and ST11 tells first whether this one landed
                error.retryable = True
            raise
        refused = answer.get("shipment_errors") or []
        if refused:
            message = refused[0].get("message") or _("no reason given")
            if self._order_state(client, picking) in SHIPPED_STATES:
                return self._mark(
                    picking, "not_needed", mode="st01",
                    note=_("Mirakl already shows the order shipped."),
                )
            raise UserError(_("Mirakl refused the shipment (ST01): %s", message))
        created = (answer.get("shipment_success") or [{}])[0]
        self._mark(picking, "sent", mode="st01", shipment_id=created.get("id"), tracking=tracking)
        self._post_sent(picking, "ST01", shipment, created.get("id"))
        return {"shipment_id": created.get("id"), "lines": lines}

    @api.model
    def _send_whole_order(self, client, picking, tracking, verify):
        """OR23 then OR24. Mirakl ships the whole order: OR24 only once nothing is left."""
        order = picking.sale_id
        if verify and self._order_state(client, picking) in SHIPPED_STATES:
            return self._mark(
                picking, "sent", mode="or24", tracking=tracking,
                note=_("Mirakl already shows the order shipped."),
            )
        if tracking:
            client.update_tracking(order.mk_order_id, **self._prepare_or23_values(tracking))
        complete = self._covers_rest_of_order(picking) or self.env.context.get(
            "mk_ship_whole_order"
        )
        if not complete:
            note = _(
                "Tracking sent. This marketplace ships whole orders: the order is confirmed "
                "shipped on Mirakl with its last delivery."
            )
            self._mark(picking, "sent", mode="or24", tracking=tracking, note=note)
            self._post_sent(picking, "OR23", tracking, None, note=note)
            return {"tracking": tracking, "shipped": False}
        return self._ship_order(client, picking, tracking)

    @api.model
    def _ship_order(self, client, picking, tracking):
        """OR24; on an order already SHIPPED (an earlier attempt, or the operator) it is
        success, which OR11 tells."""
        order = picking.sale_id
        try:
            client.mark_shipped(order.mk_order_id)
        except errors.MiraklValidationError:
            if self._order_state(client, picking) not in SHIPPED_STATES:
                raise
        self._mark(picking, "sent", mode="or24", tracking=tracking)
        order.sudo().mk_state = states.SHIPPED
        self._post_sent(picking, "OR23/OR24" if tracking else "OR24", tracking, None)
        return {"tracking": tracking, "shipped": True}

    @api.model
    def _update_tracking(self, picking):
        """A tracking number corrected after sending: ST23 on the shipment, else OR23."""
        client = self._get_client(picking.mk_instance_id)
        tracking = self._prepare_tracking(picking)
        if not tracking:
            return {"skipped": "no tracking"}
        if picking.mk_shipment_mode == "st01" and picking.mk_shipment_id:
            answer = client.update_shipment_tracking(
                [{"id": picking.mk_shipment_id, "tracking": tracking}]
            )
            refused = answer.get("shipment_errors") or []
            if refused:
                raise UserError(
                    _("Mirakl refused the tracking update (ST23): %s", refused[0].get("message"))
                )
            operation = "ST23"
        else:
            client.update_tracking(
                picking.sale_id.mk_order_id, **self._prepare_or23_values(tracking)
            )
            operation = "OR23"
        picking.sudo().write(
            {"mk_sent_tracking": tracking.get("tracking_number") or False,
             "mk_shipment_error": False}
        )
        picking.sale_id.message_post(
            body=_(
                "Tracking of %(picking)s corrected on Mirakl (%(op)s): %(tracking)s",
                picking=picking.name, op=operation, tracking=self._describe_tracking(tracking),
            )
        )
        return {"operation": operation, "tracking": tracking}

    # ------------------------------------------------------------------
    # CHECKS AGAINST MIRAKL
    # ------------------------------------------------------------------

    @api.model
    def _find_shipment(self, client, picking, lines):
        """ST11: a shipment of the order with exactly these lines that no other delivery
        claims, i.e. what an earlier unanswered ST01 of this delivery created."""
        claimed = set(
            self.env["stock.picking"].sudo().search(
                [("sale_id", "=", picking.sale_id.id), ("id", "!=", picking.id),
                 ("mk_shipment_id", "!=", False)]
            ).mapped("mk_shipment_id")
        )
        wanted = sorted((line["order_line_id"], line["quantity"]) for line in lines)
        for shipment in client.iter_shipments(order_id=[picking.sale_id.mk_order_id]):
            if shipment.get("id") in claimed or shipment.get("status") == "CANCELED":
                continue
            got = sorted(
                (line.get("order_line_id"), int(line.get("quantity") or 0))
                for line in shipment.get("shipment_lines") or []
            )
            if got == wanted:
                return shipment
        return None

    @api.model
    def _order_state(self, client, picking):
        """OR11 by order id (not held to the polling budget): Mirakl's state of the order."""
        order = picking.sale_id
        for data in client.iter_orders(order_ids=[order.mk_order_id]):
            if data.get("order_id") == order.mk_order_id:
                state = data.get("order_state")
                if state and order.mk_state != state:
                    order.sudo().mk_state = state
                return state
        return None

    @api.model
    def _is_multi_shipment_refused(self, error):
        text = (error.message or "").lower().replace("_", "-").replace(" ", "-")
        return error.operation == "ST01" and "multi-shipment" in text

    # ------------------------------------------------------------------
    # PREPARE (EXTENSION POINTS)
    # ------------------------------------------------------------------

    @api.model
    def _prepare_shipment_lines(self, picking):
        """[{order_line_id, quantity}] from the delivered moves, in the sale line's unit."""
        quantities = {}
        uom_field = compat.sale_line_uom_field(self.env)
        for move in compat.picking_moves(picking):
            line = move.sale_line_id
            done = compat.move_done_quantity(move)
            if not line.mk_line_id or not done:
                continue
            quantity = move.product_uom._compute_quantity(done, line[uom_field])
            quantities[line.mk_line_id] = quantities.get(line.mk_line_id, 0.0) + quantity
        return [
            {"order_line_id": line_id, "quantity": int(round(quantity))}
            for line_id, quantity in sorted(quantities.items())
            if round(quantity) >= 1
        ]

    @api.model
    def _prepare_shipment(self, picking, lines, tracking):
        shipment = {
            "order_id": picking.sale_id.mk_order_id,
            "shipment_lines": lines,
            "shipped": True,
        }
        if tracking:
            shipment["tracking"] = tracking
        shipping_from = self._prepare_shipping_from(picking)
        if shipping_from:
            shipment["shipping_from"] = shipping_from
        return shipment

    @api.model
    def _prepare_shipping_from(self, picking):
        """ST01 ``shipping_from``: the delivery's warehouse, by code, when PC01 lets sellers set
        the ship-from. ST01 takes only ``warehouse.code``; Mirakl answers with the address it
        holds for that warehouse. Operators that do not allow it refuse the shipment."""
        if not picking.mk_instance_id.platform_edit_shipping_origin:
            return None
        warehouse = picking.picking_type_id.warehouse_id
        if not warehouse.code:
            return None
        return {"warehouse": {"code": warehouse.code}}

    @api.model
    def _prepare_tracking(self, picking):
        """ST01/ST23 tracking: a Mirakl carrier by code, any other by name and tracking URL."""
        number = (picking.carrier_tracking_ref or "").strip()
        carrier = picking.carrier_id
        if not carrier and not number:
            return {}
        tracking = {}
        mapping = carrier._mk_get_carrier_map(picking.mk_instance_id) if carrier else None
        if mapping and mapping.mk_carrier_id:
            tracking["carrier_code"] = mapping.mk_carrier_id.code
        else:
            tracking["carrier_name"] = carrier.name if carrier else picking.company_id.name
            url = False
            if carrier and number:
                # the provider's own link (integrated carriers) when it is one plain URL
                provided = picking.carrier_tracking_url or ""
                url = carrier._mk_tracking_link(number) or (
                    provided if provided.startswith("http") else False
                )
            if url:
                tracking["tracking_url"] = url
        if number:
            tracking["tracking_number"] = number
        return tracking

    @api.model
    def _prepare_or23_values(self, tracking):
        values = {
            "carrier_code": tracking.get("carrier_code"),
            "carrier_name": tracking.get("carrier_name"),
            "carrier_url": tracking.get("tracking_url"),
            "tracking_number": tracking.get("tracking_number"),
        }
        return {key: value for key, value in values.items() if value}

    # ------------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------------

    @api.model
    def _get_client(self, instance):
        """No in-process retry: the queue retries with backoff, and reads Mirakl first."""
        return instance._get_client(max_retries=0)

    @api.model
    def _shipping_type_code(self, order):
        return order._mk_payload().get("shipping_type_code")

    @api.model
    def _covers_rest_of_order(self, picking):
        """Nothing left to deliver: no other delivery of the order waits."""
        others = picking.sale_id.picking_ids.filtered(
            lambda other: other != picking
            and other.picking_type_code == "outgoing"
            and other.state not in ("done", "cancel")
        )
        return not others

    @api.model
    def _mark(self, picking, state, mode=None, shipment_id=None, tracking=None, note=None):
        values = {
            "mk_shipment_state": state,
            "mk_shipment_error": False,
            "mk_shipment_note": note or False,
            "mk_shipment_date": fields.Datetime.now(),
        }
        if mode:
            values["mk_shipment_mode"] = mode
        if shipment_id:
            values["mk_shipment_id"] = shipment_id
        if tracking is not None:
            values["mk_sent_tracking"] = tracking.get("tracking_number") or False
        picking.sudo().write(values)
        return {"state": state, "shipment_id": shipment_id, "note": note}

    @api.model
    def _describe_tracking(self, tracking):
        if not tracking:
            return _("no tracking")
        carrier = tracking.get("carrier_code") or tracking.get("carrier_name") or "?"
        parts = [carrier, tracking.get("tracking_number") or _("no number")]
        if tracking.get("tracking_url"):
            parts.append(tracking["tracking_url"])
        return " / ".join(parts)

    @api.model
    def _post_sent(self, picking, operation, payload, shipment_id, note=None):
        tracking = payload.get("tracking", payload) if payload else {}
        body = _(
            "%(picking)s sent to Mirakl (%(op)s)%(shipment)s: %(lines)s; tracking %(tracking)s.",
            picking=picking.name,
            op=operation,
            shipment=(" " + _("as shipment %s", shipment_id)) if shipment_id else "",
            lines=", ".join(
                "%s x %s" % (line["quantity"], line["order_line_id"])
                for line in self._prepare_shipment_lines(picking)
            ) or "-",
            tracking=self._describe_tracking(tracking),
        )
        if note:
            body = "%s %s" % (body, note)
        picking.sale_id.message_post(body=body)

    @api.model
    def _schedule_failure_activity(self, picking, message):
        order = picking.sale_id
        user = order.user_id or picking.mk_instance_id.user_id or self.env.user
        order.sudo().activity_schedule(
            "mail.mail_activity_data_todo",
            summary=_("Mirakl shipment of %s failed", picking.name),
            note=message,
            user_id=user.id,
        )

    # ------------------------------------------------------------------
    # WATCHDOG (THE SHOP'S SHIPPING FLOW)
    # ------------------------------------------------------------------

    @api.model
    def _flow_watch_shipments(self, instance, log):
        """Re-send done deliveries whose order Mirakl still does not show shipped after the
        shop's delay; remind the salesperson of orders close to their shipping deadline."""
        now = fields.Datetime.now()
        Picking = self.env["stock.picking"].sudo()
        stale = Picking.search(
            [
                ("mk_instance_id", "=", instance.id),
                ("state", "=", "done"),
                ("picking_type_code", "=", "outgoing"),
                ("mk_shipment_state", "in", ("to_send", "failed")),
                ("date_done", "<=", now - timedelta(minutes=instance.shipping_resend_minutes)),
            ]
        )
        resent = 0
        for picking in stale:
            if self._check_before_send(picking):
                continue  # waits for a person: the picking and its activity say why
            if self.env["mk.job"]._find_live("shipment:%s" % picking.id):
                continue
            picking.mk_shipment_state = "to_send"
            self._enqueue_send(picking, verify=True)
            resent += 1
        alerted = self._alert_shipping_deadlines(instance, now)
        documents = self._fetch_documents(instance)
        log._add(fetched=len(stale), updated=resent, created=documents)
        log.message = _(
            "%(resent)s deliveries sent again, %(alerted)s orders near their shipping deadline, "
            "%(documents)s marketplace documents downloaded.",
            resent=resent, alerted=alerted, documents=documents,
        )

    @api.model
    def _fetch_documents(self, instance, orders=None):
        """OR72 for the shop's orders still to ship, OR73 for each document not downloaded
        yet; each lands once on the order and its deliveries. Returns how many."""
        if orders is None:
            orders = self.env["sale.order"].sudo().search(
                [("mk_instance_id", "=", instance.id), ("mk_state", "=", states.SHIPPING)]
            )
        if not orders:
            return 0
        client = self._get_client(instance)
        Document = self.env["mk.order.document"].sudo()
        by_mirakl_id = {order.mk_order_id: order for order in orders}
        ids = list(by_mirakl_id)
        count = 0
        for start in range(0, len(ids), DOCUMENT_ORDERS_PER_CALL):
            answer = client.list_order_documents(ids[start:start + DOCUMENT_ORDERS_PER_CALL])
            items = answer.get("order_documents") or []
            known = set(
                Document.search(
                    [("instance_id", "=", instance.id),
                     ("mirakl_document_id", "in", [str(item.get("id")) for item in items])]
                ).mapped("mirakl_document_id")
            )
            for item in items:
                order = by_mirakl_id.get(item.get("order_id"))
                if not order or str(item.get("id")) in known:
                    continue
                mirakl_file = client.download_order_documents(document_ids=[item["id"]])
                Document._store(instance, order, item, mirakl_file)
                known.add(str(item["id"]))
                count += 1
        return count

    @api.model
    def _alert_shipping_deadlines(self, instance, now):
        horizon = now + timedelta(hours=instance.shipping_alert_hours)
        orders = self.env["sale.order"].sudo().search(
            [
                ("mk_instance_id", "=", instance.id),
                ("mk_state", "=", states.SHIPPING),
                ("mk_shipping_deadline", "!=", False),
                ("mk_shipping_deadline", "<=", horizon),
            ]
        )
        summary = _("Ship before the Mirakl deadline")
        count = 0
        for order in orders:
            if order.activity_ids.filtered(lambda activity: activity.summary == summary):
                continue
            order.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=fields.Date.to_date(order.mk_shipping_deadline),
                summary=summary,
                note=_(
                    "Mirakl expects %(order)s shipped by %(deadline)s UTC.",
                    order=order.mk_order_id, deadline=order.mk_shipping_deadline,
                ),
                user_id=(order.user_id or instance.user_id or self.env.user).id,
            )
            count += 1
        return count
