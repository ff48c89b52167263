"""The call budget rows (mk.call.budget): what a shop spent of Mirakl's call frequencies, shared
by every process; read and written by ``call_budget_store.DatabaseBudgetStore``."""

from odoo import api, fields, models

from ..compat import sql_constraints


@sql_constraints(
    (
        "instance_operation_uniq",
        "UNIQUE(instance_id, operation)",
        "A shop has one call budget per Mirakl operation.",
    ),
)
class MkCallBudget(models.Model):
    """What a shop spent of Mirakl's published call frequencies, shared by all processes.
    Written only by call_budget_store.DatabaseBudgetStore through SQL; managers may read it."""

    _name = "mk.call.budget"
    _description = "Mirakl Call Budget"
    _log_access = False

    # An id, not a Many2one: the budget is written from its own transaction, which must neither
    # fail on a shop created in a transaction not committed yet (a foreign key would) nor wait on
    # that transaction's lock of the shop row. Rows of deleted shops go with the autovacuum.
    instance_id = fields.Integer(string="Shop (id)", required=True, readonly=True)
    # the shop's company when the row was made (for the company rule); empty for a shop whose
    # creation was not committed yet
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    operation = fields.Char(required=True, readonly=True)
    call_times = fields.Text(
        readonly=True,
        help="Database-clock times (epoch seconds) of the calls inside the longest window.",
    )
    paused_until = fields.Float(
        readonly=True, help="Mirakl asked (429 Retry-After) to make no call before this time."
    )

    @api.autovacuum
    def _gc_budgets_of_deleted_shops(self):
        self.env.cr.execute(
            "DELETE FROM mk_call_budget b"
            " WHERE NOT EXISTS (SELECT 1 FROM mk_instance i WHERE i.id = b.instance_id)"
        )
