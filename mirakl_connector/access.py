"""Who may press a button, and as whom its work runs (docs/architecture.md, Security).

A button runs in two parts: the check of what the person who clicked may do, as that person,
then the work itself as the connector (superuser, in the shop's company), because the work
reaches records the person's rules hide (another salesperson's order, the shop's key, the
queue) and must see all of them to stay correct.
"""

from odoo import _
from odoo.exceptions import AccessError

from . import compat

USER = "mirakl_connector.group_mirakl_user"
MANAGER = "mirakl_connector.group_mirakl_manager"


def check_caller(records, group=USER, operation="read"):
    """The person calling is in ``group`` and may ``operation`` these records. Code that already
    runs as superuser (crons, jobs) is not a caller to check."""
    env = records.env
    if env.su:
        return
    if not env.user.has_group(group):
        cr, uid = env.cr, env.uid  # noqa: F841 - how _() finds the user's language outside a model
        raise AccessError(
            _(
                "Only members of the group %(group)s may do this (%(model)s).",
                group=env.ref(group).sudo().name,
                model=records._description,
            )
        )
    compat.check_access(records, operation)


def as_connector(records, company):
    """These records as the connector works on them: superuser, in ``company``, whose
    warehouses, journals and taxes the work uses. The user id stays, so messages posted
    are still signed by the person who clicked."""
    return records.sudo().with_company(company)
