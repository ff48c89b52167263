import json
import logging
from datetime import timedelta
from decimal import Decimal

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..compat import sale_line_tax_field, sale_line_uom_field, service_product_vals
from ..mirakl import errors
from ..mirakl.dates import from_mirakl, from_mirakl_exact
from ..mirakl.orders import OrderDataError, line_terms, parse_order, states
from ..mirakl.orders.mapping import TAX_INCLUDED
from ..models.mk_job import RetryableJobError, create_or_retry

_logger = logging.getLogger(__name__)

ORDER_IDS_PER_CALL = 100
UNKNOWN_PRODUCT_CODE = "MIRAKL-UNKNOWN-SKU"
FEE_PRODUCT_CODE = "MIRAKL-FEES"
# what a done import job keeps of the OR11 order it read (no personal data)
KEPT_ORDER_KEYS = ("order_id", "order_state", "last_updated_date")


class ConcurrentImport(RetryableJobError):
    """Another transaction is importing the same order: retry in a new transaction, whose
    snapshot will show that transaction's work (Odoo runs in REPEATABLE READ, so waiting for
    the lock and going on would not see the order it created)."""


def same_version(known, updated):
    """Whether ``known`` (an order's mk_version, or its mk_last_updated when it has none)
    is the version ``updated`` (Mirakl's last_updated_date text)."""
    if not known or not updated:
        return False
    if isinstance(known, str):
        return from_mirakl_exact(known) == from_mirakl_exact(updated)
    return False  # mapped before versions were kept exactly: map it again, once


class MkOrderImportListener(models.AbstractModel):
    """What a capability inherits to hear of every imported order (new or changed). The
    importer calls each listener in ``_order_listener_sequence`` order; the listener owns
    its condition, so the importer never learns what acceptance, money or shipping need."""

    _name = "mk.order.import.listener"
    _description = "Mirakl Order Import Listener"
    _order_listener_sequence = 50

    @api.model
    def _on_order_imported(self, order, data, previous_state):
        """``order`` was just created or updated from ``data`` (parse_order's dict);
        ``previous_state`` is the Mirakl state it had before (False when new)."""


class MkOrderImporter(models.AbstractModel):
    """OR11 → sale.order. Every step is a ``_prepare_*`` or ``_get_*`` hook to extend."""

    _name = "mk.order.importer"
    _description = "Mirakl Order Importer"

    # ------------------------------------------------------------------
    # ENTRY POINTS: POLL (FLOW), WIZARD, RE-IMPORT, JOB
    # ------------------------------------------------------------------

    @api.model
    def _flow_poll_orders(self, instance, log):
        """Scheduled flow: orders updated since the last poll (minus the overlap); once a
        day it also queues the deep re-scan of the last days, as jobs of their own."""
        now = fields.Datetime.now()
        if not instance.order_last_deep_scan or (
            instance.order_last_deep_scan <= now - timedelta(days=1)
        ):
            self._enqueue_deep_scan(instance, now)
            instance.order_last_deep_scan = now
        start = (instance.order_last_update or now) - timedelta(
            minutes=instance.order_poll_overlap
        )
        seen = self._enqueue_orders(instance, log=log, start_update_date=start)
        if seen:
            instance.order_last_update = max(seen + [instance.order_last_update or seen[0]])
        return seen

    @api.model
    def _enqueue_deep_scan(self, instance, now):
        """The deep re-scan (every order updated in the last days), split by creation day:
        one job per day, plus one for the orders created before. A window that fails stays a
        failed job to retry and stops neither the other windows nor the poll. Creation dates
        never change, so an order updated while a window pages cannot leave it and push an
        unread one off the pages (an end bound on the update date could)."""
        since = now - timedelta(days=instance.order_deep_scan_days)
        days = [since + timedelta(days=day) for day in range(1, instance.order_deep_scan_days)]
        # (created from, created to): before the window, each day, then open-ended
        bounds = list(zip([None, since] + days, [since] + days + [None], strict=True))
        jobs = self.env["mk.job"]
        for created_from, created_to in bounds:
            window = {
                "since": fields.Datetime.to_string(since),
                "created_from": created_from and fields.Datetime.to_string(created_from),
                "created_to": created_to and fields.Datetime.to_string(created_to),
            }
            jobs |= self.env["mk.job"]._enqueue(
                instance, "order_deep_scan", self._name, "_job_deep_scan",
                payload=window, priority=30,
                identity_key="deep:%s:%s:%s" % (
                    instance.id, window["since"], window["created_from"] or "-"
                ),
            )
        return jobs

    @api.model
    def _job_deep_scan(self, job):
        window = job.payload
        filters = {"start_update_date": fields.Datetime.to_datetime(window["since"])}
        if window.get("created_from"):
            filters["start_date"] = fields.Datetime.to_datetime(window["created_from"])
        if window.get("created_to"):
            filters["end_date"] = fields.Datetime.to_datetime(window["created_to"])
        seen = self._enqueue_orders(job.instance_id, **filters)
        return {"read": len(seen)}

    @api.model
    def _enqueue_orders(self, instance, log=None, **filters):
        """Read OR11 with ``filters`` and queue one import job per new or changed order.
        Returns the last update dates seen."""
        states = instance._get_order_states_to_import()
        client = instance._get_client()
        seen = []
        payloads = client.iter_orders(order_tax_mode=instance.order_tax_mode, **filters)
        for page in self._pages(payloads):
            known = self._known_versions(instance, [p.get("order_id") for p in page])
            for payload in page:
                order_id = payload.get("order_id")
                updated = payload.get("last_updated_date")
                if updated:
                    seen.append(from_mirakl(updated))
                if log:
                    log._add(fetched=1)
                if order_id not in known and payload.get("order_state") not in states:
                    continue
                if same_version(known.get(order_id), updated):
                    continue  # already mapped from this very version
                self._enqueue_import(instance, payload)
        return seen

    @api.model
    def _pages(self, payloads, size=ORDER_IDS_PER_CALL):
        """The orders in pages of ``size``, as OR11 sends them, so each page's lookups
        read only its own orders."""
        page = []
        for payload in payloads:
            page.append(payload)
            if len(page) == size:
                yield page
                page = []
        if page:
            yield page

    @api.model
    def _enqueue_import(self, instance, payload):
        """One job per version of an order: a version that failed is not queued again by
        every poll and deep scan (Retry, or the next version, reads it again)."""
        key = self._import_identity_key(instance, payload)
        failed = self.env["mk.job"].sudo().search(
            [("identity_key", "=", key), ("state", "=", "failed")], limit=1,
        )
        if failed:
            return failed.sudo(False)
        return self.env["mk.job"]._enqueue(
            instance, "order_import", self._name, "_job_import_order",
            payload={"order": payload}, identity_key=key, priority=10,
        )

    @api.model
    def _import_identity_key(self, instance, payload):
        return "order:%s:%s:%s" % (
            instance.id, payload.get("order_id") or "?", payload.get("last_updated_date") or ""
        )

    @api.model
    def _known_versions(self, instance, order_ids):
        """{Mirakl order id: the version it was mapped from} for these orders of the shop."""
        orders = self.env["sale.order"].with_context(active_test=False).search_read(
            [("mk_instance_id", "=", instance.id), ("mk_order_id", "in", order_ids)],
            ["mk_order_id", "mk_version", "mk_last_updated"],
        )
        return {o["mk_order_id"]: o["mk_version"] or o["mk_last_updated"] for o in orders}

    @api.model
    def _import_order_ids(self, instance, order_ids):
        """Import these Mirakl orders now, without the queue (wizard, re-import button).
        Returns ``(orders, problems)``; a problem does not stop the other orders."""
        order_ids = [i.strip() for i in order_ids if i and i.strip()]
        client = instance._get_client()
        payloads = {}
        for start in range(0, len(order_ids), ORDER_IDS_PER_CALL):
            chunk = order_ids[start:start + ORDER_IDS_PER_CALL]
            try:
                for payload in client.iter_orders(
                    order_ids=chunk, order_tax_mode=instance.order_tax_mode
                ):
                    payloads[payload.get("order_id")] = payload
            except errors.MiraklError as error:
                raise UserError(instance._describe_error(error)) from None
        orders, problems = self.env["sale.order"], []
        for order_id in order_ids:
            payload = payloads.get(order_id)
            if payload is None:
                problems.append(_("Mirakl order %s: Mirakl does not know this order.", order_id))
                continue
            try:
                with self.env.cr.savepoint():
                    orders |= self._import_order(instance, payload, force=True)
            except RetryableJobError as error:
                problems.append(error.message)
            except (UserError, OrderDataError) as error:
                problems.append(str(error.args[0] if error.args else error))
        return orders, problems

    @api.model
    def _job_import_order(self, job):
        order = self._import_order(job.instance_id, job.payload["order"])
        if order:
            job.res_model, job.res_id = order._name, order.id
        return {"order": order.name or False, "mirakl_order": job.payload["order"].get("order_id")}

    @api.model
    def _on_job_retry(self, job):
        """Retry maps the order as Mirakl has it now, not the payload that failed."""
        if job.method_name != "_job_import_order":
            return
        instance = job.instance_id
        order_id = job.payload["order"].get("order_id")
        try:
            current = next(iter(instance._get_client().iter_orders(
                order_ids=[order_id], order_tax_mode=instance.order_tax_mode,
            )), None)
        except errors.MiraklError as error:
            raise UserError(instance._describe_error(error)) from None
        if not current:
            raise UserError(_("Mirakl no longer knows order %s.", order_id))
        job.sudo().write({
            "payload": {"order": current},
            "identity_key": self._import_identity_key(instance, current),
        })

    @api.model
    def _on_job_failure(self, job, message):
        """An order waiting for acceptance that failed to import is invisible in Odoo while
        its deadline runs: tell the shop's responsible now."""
        payload = (job.payload or {}).get("order") or {}
        if job.method_name == "_job_import_order" and job.instance_id:
            self._alert_failed_waiting(job.instance_id, payload, message)

    @api.model
    def _failed_waiting_payloads(self, instance):
        """The newest failed version of each order that waits for acceptance on Mirakl and
        exists in Odoo only as failed import jobs."""
        jobs = self.env["mk.job"].sudo().search([
            ("instance_id", "=", instance.id), ("job_type", "=", "order_import"),
            ("state", "=", "failed"),
        ], order="id desc")
        payloads = {}
        for job in jobs:
            payload = (job.payload or {}).get("order") or {}
            order_id = payload.get("order_id")
            if order_id and order_id not in payloads:
                payloads[order_id] = payload
        existing = set(self._known_versions(instance, list(payloads)))
        return [
            payload for order_id, payload in payloads.items()
            if order_id not in existing and payload.get("order_state") == states.WAITING_ACCEPTANCE
        ]

    @api.model
    def _alert_failed_waiting(self, instance, payload, message=None):
        """An activity for the shop's responsible, due at the acceptance deadline, once per
        order. Returns whether one was scheduled."""
        order_id = payload.get("order_id")
        if not order_id or payload.get("order_state") != states.WAITING_ACCEPTANCE:
            return False
        summary = _("Mirakl order %s failed to import: accept or refuse it", order_id)
        instance = instance.sudo()
        if instance.activity_ids.filtered(lambda activity: activity.summary == summary):
            return False
        deadline = self._acceptance_deadline(
            instance,
            from_mirakl(payload.get("acceptance_decision_date")),
            from_mirakl(payload.get("created_date")),
        )
        instance.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=fields.Date.to_date(deadline) if deadline else fields.Date.today(),
            summary=summary,
            note=_(
                "Mirakl refuses this order automatically at %(deadline)s (UTC) if the shop has "
                "not decided. The import failed: %(error)s. Fix the cause and press Retry on "
                "the job, or decide in Mirakl's back office.",
                deadline=deadline or _("(unknown)"), error=message or _("see the failed job"),
            ),
            user_id=(instance.user_id or instance.create_uid).id,
        )
        return True

    @api.model
    def _acceptance_deadline(self, instance, decision_date, created_date):
        """While an order waits: Mirakl's acceptance_decision_date, else its creation plus
        the marketplace's acceptance window (naive UTC datetimes)."""
        if not decision_date and created_date and instance.acceptance_window_hours:
            return created_date + timedelta(hours=instance.acceptance_window_hours)
        return decision_date

    @api.model
    def _job_done_payload(self, job):
        """What a done import keeps of its request: which order version it read, not the
        customer's name and addresses (the sale order holds those, under its own rules)."""
        order = job.payload.get("order") or {}
        return {"order": {key: order.get(key) for key in KEPT_ORDER_KEYS}}

    # ------------------------------------------------------------------
    # IMPORT OF ONE ORDER
    # ------------------------------------------------------------------

    @api.model
    def _import_order(self, instance, payload, force=False):
        """Create or update the sale order of one OR11 payload; returns it (or nothing when
        the instance does not import orders in that state). Safe to run concurrently."""
        try:
            data = parse_order(payload)
        except OrderDataError as error:
            raise UserError(str(error)) from None
        self._lock_order(instance, data["order_id"])
        order = self._find_order(instance, data["order_id"])
        if not order and data["state"] not in instance._get_order_states_to_import() and not force:
            return order
        updated = from_mirakl_exact(payload.get("last_updated_date"))
        mapped = from_mirakl_exact(order.mk_version) or order.mk_last_updated
        if order and not force and mapped and updated and updated < mapped:
            return order  # an older version than the one already mapped
        previous_state = order.mk_state
        line_problem = None
        try:
            if order:
                line_problem = self._update_order(order, instance, data, payload)
            else:
                order = self._create_order(instance, data, payload)
        except OrderDataError as error:
            raise UserError(str(error)) from None
        self._flag_import_problems(order)
        if line_problem:
            order.mk_import_error = "\n".join(filter(None, [order.mk_import_error, line_problem]))
        self._after_import(order, data, previous_state)
        return order

    def _flag_import_problems(self, order):
        """An order with lines on the unknown-product placeholder is imported (the acceptance
        deadline runs) but flagged, with an activity naming the SKUs; once every SKU is
        known (linked, then re-imported) the flag and the activity go away."""
        placeholder = self._unknown_product(order.company_id, create=False)
        unknown = order.order_line.filtered(
            lambda line: line.mk_line_id and placeholder and line.product_id == placeholder
        )
        summary = _("Unknown Mirakl SKU on order %s", order.mk_order_id)
        activities = order.activity_ids.filtered(lambda a: a.summary == summary)
        if not unknown:
            order.mk_import_error = False
            if activities:
                activities.action_feedback(feedback=_("Every SKU is now known."))
            return
        skus = ", ".join(unknown.mapped("mk_offer_sku"))
        message = _(
            "Unknown SKU %(skus)s: no offer SKU link, internal reference or barcode has it. The "
            "line is kept on the product \"%(product)s\"; link the SKU (Mirakl › Offers › Offer "
            "SKUs) or create the product, then re-import the order.",
            skus=skus, product=placeholder.display_name,
        )
        order.mk_import_error = message
        if not activities:
            order.activity_schedule(
                "mail.mail_activity_data_todo", summary=summary, note=message,
                user_id=order.user_id.id or self.env.uid,
            )

    def _after_import(self, order, data, previous_state):
        """Tell every capability that listens (state sync, acceptance, financial rules …)."""
        for listener in self._order_listeners():
            listener._on_order_imported(order, data, previous_state)

    @api.model
    def _order_listeners(self):
        base = "mk.order.import.listener"
        names = self.env.registry.descendants([base], "_inherit") - {base}
        listeners = [self.env[name] for name in names if not self.env[name]._transient]
        return sorted(listeners, key=lambda m: (m._order_listener_sequence, m._name))

    def _lock_order(self, instance, mirakl_order_id):
        """One import of a Mirakl order at a time (cron, wizard, webhook, workers), until the
        end of the transaction. The loser does not wait: it retries in a fresh transaction."""
        self.env.cr.execute(
            "SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))",
            ["mk.order:%s:%s" % (instance.id, mirakl_order_id)],
        )
        if not self.env.cr.fetchone()[0]:
            raise self._concurrent(mirakl_order_id)

    def _concurrent(self, mirakl_order_id):
        return ConcurrentImport(_(
            "Mirakl order %s is being imported by another transaction; this import will be "
            "retried.", mirakl_order_id,
        ))

    def _find_order(self, instance, mirakl_order_id):
        return self.env["sale.order"].with_context(active_test=False).search(
            [("mk_instance_id", "=", instance.id), ("mk_order_id", "=", mirakl_order_id)],
            limit=1,
        )

    def _create_order(self, instance, data, payload):
        company = instance.company_id
        SaleOrder = self.env["sale.order"].with_company(company).with_context(
            mail_create_nosubscribe=True, tracking_disable=True,
        )
        values = self._prepare_order_values(instance, data, payload)
        try:
            with self.env.cr.savepoint():
                order = SaleOrder.create(values)
        except psycopg2.errors.UniqueViolation:
            # committed by another transaction after ours began: invisible to our snapshot
            raise self._concurrent(data["order_id"]) from None
        order.order_line = self._prepare_line_commands(order, instance, data)
        order.message_post(body=_(
            "Imported from Mirakl (%(instance)s), order %(order)s in state %(state)s.",
            instance=instance.name, order=data["order_id"], state=data["state"],
        ))
        return order

    def _update_order(self, order, instance, data, payload):
        values = self._prepare_header_values(instance, data, payload)
        hidden_before = order.mk_addresses_hidden
        if hidden_before and not values["mk_addresses_hidden"]:
            values.update(self._prepare_partner_values(instance, data))
            # a new partner makes Odoo pick the partner's pricelist, in the company's currency:
            # the currency of a Mirakl order is always Mirakl's
            values["pricelist_id"] = self._get_pricelist(instance, data).id
            fiscal_position = self._get_fiscal_position(instance)
            if fiscal_position is not None:  # a new address must not re-pick it
                values["fiscal_position_id"] = fiscal_position.id
            order.message_post(body=_("Mirakl revealed the customer's addresses."))
        order.write(values)
        if order.state == "cancel":
            return None
        before = {line.id: line.product_uom_qty for line in order.order_line}
        try:
            # one change that cannot be mapped, or that Odoo refuses, must not hold back the
            # order's state and later versions: the header is written, the lines wait
            with self.env.cr.savepoint():
                commands = self._prepare_line_commands(order, instance, data)
                commands = self._keep_delivered(order, commands)
                if commands:
                    self._write_lines(order, commands)
        except (UserError, ValidationError, OrderDataError) as error:
            problem = _(
                "Mirakl's changes to the lines could not be applied: %s Fix the cause (or "
                "the lines by hand) and re-import; the order still follows Mirakl's state.",
                error.args[0] if error.args else error,
            )
            order.message_post(body=problem)
            return problem
        reduced = [
            "%s: %s → %s" % (line.mk_offer_sku or line.name, before[line.id], line.product_uom_qty)
            for line in order.order_line.filtered("mk_line_id")
            if line.id in before and line.product_uom_qty < before[line.id]
        ]
        if reduced:
            order.message_post(body=_(
                "Quantities reduced after refusals, cancellations or refunds on Mirakl: %s",
                "; ".join(reduced),
            ))
        return None

    def _write_lines(self, order, commands):
        # Mirakl is the truth for what was sold: a locked order still follows it
        locked = order.locked
        if locked:
            order.locked = False
        order.write({"order_line": commands})
        if locked:
            order.locked = True

    def _keep_delivered(self, order, commands):
        """A refund or cancellation on Mirakl after delivery does not lower a line below what
        left the warehouse (Odoo refuses it, and the goods did leave): the delivered quantity
        stays, the refunded one is kept on the line (mk_refunded_qty), and the salesperson
        gets an activity to credit it (credit note) or receive the return."""
        kept = []
        for command in commands:
            if command[0] != fields.Command.UPDATE or "product_uom_qty" not in command[2]:
                continue
            line = order.order_line.browse(command[1])
            if command[2]["product_uom_qty"] < line.qty_delivered:
                kept.append("%s: %s → %s" % (
                    line.mk_offer_sku or line.name, command[2]["product_uom_qty"],
                    line.qty_delivered,
                ))
                command[2]["product_uom_qty"] = line.qty_delivered
        if kept:
            note = _(
                "Mirakl refunded or cancelled delivered quantities; the delivered quantity stays "
                "on the order (%s). Credit the customer with a credit note, or receive the "
                "return.", "; ".join(kept),
            )
            order.message_post(body=note)
            order.activity_schedule(
                "mail.mail_activity_data_todo", note=note,
                summary=_("Mirakl refund after delivery on order %s", order.mk_order_id),
                user_id=order.user_id.id or self.env.uid,
            )
        return commands

    # ------------------------------------------------------------------
    # VALUES
    # ------------------------------------------------------------------

    def _prepare_order_values(self, instance, data, payload):
        values = self._prepare_header_values(instance, data, payload)
        values.update(self._prepare_partner_values(instance, data))
        values.update({
            "mk_instance_id": instance.id,
            "mk_order_id": data["order_id"],
            "mk_commercial_id": data["commercial_id"],
            "mk_acceptance_state": "pending",
            "company_id": instance.company_id.id,
            "client_order_ref": data["reference_for_customer"] or data["order_id"],
            "origin": data["order_id"],
            "date_order": data["created_date"] or fields.Datetime.now(),
            "pricelist_id": self._get_pricelist(instance, data).id,
        })
        if instance.warehouse_id:
            values["warehouse_id"] = instance.warehouse_id.id
        if instance.team_id:
            values["team_id"] = instance.team_id.id
        if instance.user_id:
            values["user_id"] = instance.user_id.id
        if instance.payment_term_id:
            values["payment_term_id"] = instance.payment_term_id.id
        fiscal_position = self._get_fiscal_position(instance)
        if fiscal_position is not None:
            values["fiscal_position_id"] = fiscal_position.id
        return values

    def _prepare_header_values(self, instance, data, payload):
        state = data["state"]
        deadline = data["acceptance_decision_date"]
        values = {
            "mk_state": state,
            "mk_state_reason": data["state_reason"],
            "mk_last_updated": data["last_updated_date"],
            "mk_version": payload.get("last_updated_date") or False,
            "mk_payload": json.dumps(payload, sort_keys=True),
            "mk_tax_mode": data["tax_mode"],
            "mk_channel_code": data["channel_code"],
            "mk_channel_label": data["channel_label"],
            "mk_shipping_zone": data["shipping_zone_label"] or data["shipping_zone_code"],
            "mk_shipping_type": data["shipping_type_label"] or data["shipping_type_code"],
            "mk_payment_type": data["payment_type"],
            "mk_payment_workflow": data["payment_workflow"],
            "mk_paid": data["paid"],
            "mk_commission": float(data["commission"]),
            "mk_created_date": data["created_date"],
            "mk_shipping_deadline": data["shipping_deadline"],
            "mk_total": float(data["mirakl_total"]),
            "mk_addresses_hidden": not data["customer"]["shipping"],
            "mk_import_error": False,
        }
        # While the order waits, Mirakl's acceptance_decision_date is the deadline; afterwards
        # it is when the decision was made.
        if state in states.BEFORE_ACCEPTANCE:
            values["mk_acceptance_deadline"] = self._acceptance_deadline(
                instance, deadline, data["created_date"]
            )
        else:
            values["mk_acceptance_decision_date"] = deadline
        return values

    def _prepare_partner_values(self, instance, data):
        partner, invoice, shipping = self.env["res.partner"]._mk_find_or_create_customer(
            instance, data["customer"], data["order_id"],
        )
        return {
            "partner_id": partner.id,
            "partner_invoice_id": invoice.id,
            "partner_shipping_id": shipping.id,
        }

    def _prepare_line_commands(self, order, instance, data):
        """Create commands for new Mirakl lines, update commands for changed ones, and the
        shipping line; nothing for lines that already match."""
        existing = {line.mk_line_id: line for line in order.order_line if line.mk_line_id}
        commands = []
        for line_data in data["lines"]:
            line = existing.get(line_data["line_id"])
            values = self._prepare_line_values(order, instance, data, line_data, line)
            if not line:
                commands.append(fields.Command.create(values))
            else:
                changed = self._changed_values(line, values)
                if changed:
                    commands.append(fields.Command.update(line.id, changed))
        commands += self._prepare_shipping_commands(order, instance, data)
        commands += self._prepare_fee_commands(order, data)
        return commands

    def _prepare_fee_commands(self, order, data):
        """One line per Mirakl fee code (spec: order_lines[].fees, charged in total_price on
        top of the prices; Mirakl gives them no tax)."""
        existing = {line.mk_fee_code: line for line in order.order_line if line.mk_fee_code}
        commands = []
        for code in sorted(set(existing) | set(data["fees"])):
            amount = data["fees"].get(code, Decimal(0))
            line = existing.get(code)
            values = {
                "price_unit": float(amount),
                "product_uom_qty": 1 if amount else 0,
                "discount": 0.0,
                sale_line_tax_field(self.env): [fields.Command.clear()],
            }
            if line:
                changed = self._changed_values(line, values)
                if changed:
                    commands.append(fields.Command.update(line.id, changed))
                continue
            product = self._fee_product(order.company_id)
            commands.append(fields.Command.create(dict(
                values, product_id=product.id, name=_("Mirakl fee %s", code or "?"),
                mk_fee_code=code or "?", **{sale_line_uom_field(self.env): product.uom_id.id},
            )))
        return commands

    def _fee_product(self, company):
        Product = self.env["product.product"].with_context(active_test=False)
        product = Product.search([
            ("default_code", "=", FEE_PRODUCT_CODE), ("company_id", "=", company.id),
        ], limit=1)
        return product or Product.create({
            **service_product_vals(self.env),
            "name": _("Mirakl fees"),
            "default_code": FEE_PRODUCT_CODE,
            "company_id": company.id,
            "sale_ok": False,
            "purchase_ok": False,
            "list_price": 0.0,
            "taxes_id": [fields.Command.clear()],
        })

    def _prepare_line_values(self, order, instance, data, line_data, line=None):
        product = line.product_id if line else None
        if not product or product == self._unknown_product(order.company_id, create=False):
            product = self._get_product(instance, line_data, order)
        gross = line_data["gross"]
        net = line_data["net"]
        if line_data["quantity"]:
            digits = self.env["decimal.precision"].precision_get("Product Price")
            discount_digits = self.env["decimal.precision"].precision_get("Discount")
            price_unit, discount, _exact = line_terms(
                gross, net, line_data["quantity"], digits, discount_digits,
                order.currency_id.decimal_places,
            )
        else:  # cancelled down to nothing: Mirakl's unit price, quantity 0
            price_unit, discount = line_data["price_unit"], Decimal(0)
        promotions = line_data["promotions"] or (
            [p for p in data["promotions"] if not any(
                other["promotions"] for other in data["lines"])] if gross > net else []
        )
        price_include = data["tax_mode"] == TAX_INCLUDED
        taxes = self._get_taxes(order, instance, product, line_data["taxes"], net, price_include)
        values = {
            "product_id": product.id,
            "name": self._prepare_line_name(product, line_data),
            "product_uom_qty": line_data["effective_qty"],
            "price_unit": float(price_unit),
            "discount": float(discount),
            sale_line_tax_field(self.env): [fields.Command.set(taxes.ids)],
            "mk_line_id": line_data["line_id"],
            "mk_line_state": line_data["state"] or False,
            "mk_offer_sku": line_data["offer_sku"] or line_data["skus"][0],
            "mk_ordered_qty": line_data["quantity"],
            "mk_canceled_qty": line_data["canceled_qty"],
            "mk_refunded_qty": line_data["refunded_qty"],
            "mk_price": float(net),
            "mk_promotion_type": ", ".join(sorted({p["type"] for p in promotions if p["type"]}))
            or False,
            "mk_promotion_ref": ", ".join(p["id"] for p in promotions if p["id"]) or False,
            "mk_promotion_amount": float(gross - net) if line_data["quantity"] else 0.0,
            "mk_promotion_details": json.dumps(
                [dict(p, deduced_amount=str(p["deduced_amount"])) for p in promotions]
            ) if promotions else False,
        }
        values.update(self._prepare_line_tax_amount(instance, taxes, line_data["tax_amount"]))
        if not line:
            values[sale_line_uom_field(self.env)] = product.uom_id.id
        return values

    def _prepare_line_tax_amount(self, instance, taxes, mirakl_tax):
        """With the marketplace's own taxes, the line's tax is Mirakl's amount to the cent
        (its per-line, per-code amounts are the truth of a marketplace order); Odoo's
        computation from the rate would differ by a cent with tax-included prices or global
        rounding. Through a fiscal position or with the product's taxes, Odoo computes."""
        fixed = instance.order_tax_source == "marketplace" and bool(taxes)
        return {"mk_fixed_tax": fixed, "mk_tax_amount": float(mirakl_tax) if fixed else 0.0}

    def _prepare_line_name(self, product, line_data):
        return "[%s] %s" % (line_data["offer_sku"] or line_data["skus"][0], line_data["title"])

    def _prepare_shipping_commands(self, order, instance, data):
        shipping = data["shipping"]
        line = order.order_line.filtered("is_delivery")[:1]
        if not line and not shipping["price"] and not shipping["taxes"]:
            return []
        carrier = order.carrier_id or self._get_carrier(instance, data, order)
        if not order.carrier_id:
            order.carrier_id = carrier
        price_include = data["tax_mode"] == TAX_INCLUDED
        taxes = self._get_taxes(
            order, instance, carrier.product_id, shipping["taxes"], shipping["price"],
            price_include,
        )
        values = {
            "product_id": carrier.product_id.id,
            "name": carrier.name,
            "product_uom_qty": 1,
            "price_unit": float(shipping["price"]),
            "discount": 0.0,
            "is_delivery": True,
            sale_line_tax_field(self.env): [fields.Command.set(taxes.ids)],
        }
        values.update(self._prepare_line_tax_amount(instance, taxes, shipping["tax_amount"]))
        if not line:
            values[sale_line_uom_field(self.env)] = carrier.product_id.uom_id.id
            return [fields.Command.create(values)]
        changed = self._changed_values(line, values)
        return [fields.Command.update(line.id, changed)] if changed else []

    def _changed_values(self, line, values):
        """Only what differs, so that a re-import of an unchanged order writes nothing. The
        price terms travel together: Odoo recomputes prices when a quantity or the product moves
        alone."""
        changed = {}
        for name, value in values.items():
            field = line._fields[name]
            if field.type == "many2many":
                if set(line[name].ids) != set(value[0][2]):
                    changed[name] = value
            elif field.type == "many2one":
                if line[name].id != value:
                    changed[name] = value
            elif field.type == "float" or field.type == "monetary":
                if abs((line[name] or 0.0) - (value or 0.0)) > 1e-6:
                    changed[name] = value
            elif (line[name] or False) != (value or False):
                changed[name] = value
        if changed.keys() & {"product_id", "product_uom_qty", "price_unit", "discount"}:
            for name in ("product_uom_qty", "price_unit", "discount"):
                if name in values:
                    changed[name] = values[name]
            tax_field = sale_line_tax_field(self.env)
            changed.setdefault(tax_field, values.get(tax_field) or [fields.Command.set(
                line[tax_field].ids)])
        return changed

    # ------------------------------------------------------------------
    # LOOKUPS: PRODUCTS HERE; TAXES, CARRIERS, PRICELISTS BESIDE THEIR MODELS
    # ------------------------------------------------------------------

    def _get_product(self, instance, line_data, order):
        product = self._find_product(instance, line_data)
        if product:
            return product
        if instance.order_create_products:
            values = dict(self._prepare_product_values(instance, line_data), mk_auto_created=True)
            return create_or_retry(self.env["product.product"], values, _(
                "Product %s is being created by another transaction; this import will be "
                "retried.", values["default_code"],
            ))
        # the order must not wait for the catalogue: the line goes on a placeholder and the
        # order is flagged (see _flag_import_problems)
        return self._unknown_product(instance.company_id)

    def _unknown_product(self, company, create=True):
        """The company's "Unknown Mirakl product", created on first use."""
        Product = self.env["product.product"].with_context(active_test=False)
        product = Product.search([
            ("default_code", "=", UNKNOWN_PRODUCT_CODE), ("company_id", "=", company.id),
        ], limit=1)
        if product or not create:
            return product
        return Product.create({
            **service_product_vals(self.env),
            "name": _("Unknown Mirakl product"),
            "default_code": UNKNOWN_PRODUCT_CODE,
            "company_id": company.id,
            "sale_ok": False,
            "purchase_ok": False,
            "list_price": 0.0,
            "taxes_id": [fields.Command.clear()],
        })

    def _find_product(self, instance, line_data):
        """Offer SKU, then product SKU: through the shop's offer SKU links (mk.offer.binding),
        then the internal reference, then the barcode."""
        Product = self.env["product.product"].with_company(instance.company_id)
        company_domain = [("company_id", "in", (False, instance.company_id.id))]
        for sku in line_data["skus"]:
            bound = self.env["mk.offer.binding"]._find_product(instance, sku)
            if bound:
                return bound
            for field_name in ("default_code", "barcode"):
                product = Product.search([(field_name, "=", sku)] + company_domain, limit=1)
                if product:
                    return product
        return Product

    def _prepare_product_values(self, instance, line_data):
        return {
            "name": line_data["title"],
            "default_code": line_data["offer_sku"] or line_data["skus"][0],
            "list_price": float(line_data["price_unit"]),
            "sale_ok": True,
            "taxes_id": [fields.Command.clear()],
        }

    def _get_taxes(self, order, instance, product, mirakl_taxes, base, price_include):
        mode = instance.order_tax_source
        if mode == "product":
            taxes = product.taxes_id.filtered(
                lambda t: t.company_id == instance.company_id
            )
            return order.fiscal_position_id.map_tax(taxes)
        taxes = self.env["account.tax"]
        for tax in mirakl_taxes:
            taxes |= self._get_mapped_tax(instance, tax, base, price_include, order)
        if mode == "marketplace_fpos":
            taxes = order.fiscal_position_id.map_tax(taxes)
        return taxes

    def _get_mapped_tax(self, instance, tax, base, price_include, order):
        return self.env["mk.tax.mapping"]._mk_get_tax(
            instance, tax, base, price_include, order.mk_order_id
        )

    def _get_fiscal_position(self, instance):
        """None: let Odoo choose from the customer's address."""
        if instance.order_tax_source == "marketplace":
            return self.env["account.fiscal.position"]  # taxes are Mirakl's own: never remap
        if instance.fiscal_position_id:
            return instance.fiscal_position_id
        return None

    def _get_pricelist(self, instance, data):
        return instance._get_order_pricelist(data["currency"], data["order_id"])

    def _get_carrier(self, instance, data, order):
        return self.env["delivery.carrier"]._mk_find_or_create(
            instance,
            data["shipping_type_code"] or "MIRAKL",
            data["shipping_type_label"],
            order.partner_shipping_id.country_id,
        )
