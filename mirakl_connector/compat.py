"""Every Odoo 17.0 / 18.0 / 19.0 difference this addon meets, in one place.

One tree ships for the three series. What we chose, after trying each option on the real
servers:

* Python: feature detection (a field or attribute present or not), never version numbers,
  except for the XML adapter switch below, which keys on the view-type selection.
* XML: our files are written in the 18/19 dialect only: ``<list>``, ``<chatter/>``,
  ``view_mode="list,form"`` and crons without ``numbercall``. On 17 an adapter rewrites
  *our own* records while they are loaded (``_load_records``, i.e. both at install and at
  ``-u``): ``<list>`` becomes ``<tree>``, ``<chatter/>`` becomes the ``oe_chatter`` block,
  ``list`` becomes ``tree`` in action view modes and ``//list`` in XPath expressions, and
  crons get ``numbercall=-1`` (17 defaults to 1, which would run them once). The adapter only
  touches records whose XML id belongs to a module named ``mirakl_connector*``, so core and
  third-party data are never changed. It lives in ``models/ir_ui_view.py``,
  ``models/ir_actions_act_window.py`` and ``models/ir_cron.py`` and calls the helpers below.
  We measured the alternatives: keeping two copies of each view file is impossible with a
  literal manifest; a ``<function>`` that creates crons works but leaves views unsolved;
  post-processing the arch at render time leaves 17's RNG validation rejecting ``<list>``
  at install. Rewriting at load time is the smallest change that holds on the three servers.
* SQL constraints: ``sql_constraints`` (a class decorator) declares ``models.Constraint``
  on 19 and ``_sql_constraints`` on 17/18, with the same database name on both.
* Field renames other addons' code must follow (the order flow uses them):
  ``sale_line_tax_field``, ``sale_line_uom_field``, ``user_groups_field``,
  ``group_users_field``, ``storable_product_vals``, ``service_product_vals``,
  ``tax_price_include_vals``.
* Access checks: ``check_access`` (18 merged 17's ``check_access_rights`` and
  ``check_access_rule`` into one method).
* Delivery methods: ``carrier_tracking_link_field`` (18 added ``tracking_url``).
* Stock: ``picking_moves``, ``move_done_quantity``, ``move_set_done_quantity`` (done
  quantities are ``quantity`` + ``picked`` since 17; 19 removed ``move_ids_without_package``).
* Tests: ``running_tests`` tells whether commits must be skipped (17 and 19 flag it
  differently); ``incoming_requests_allowed`` lets an HttpCase serve a request that is not
  its own (19 asks for a test cookie).
"""

import contextlib
import re
import threading

from lxml import etree

from odoo import models
from odoo.modules import module as odoo_module

# ------------------------------------------------------------------
# SQL CONSTRAINTS
# ------------------------------------------------------------------

HAS_CONSTRAINT_OBJECTS = hasattr(models, "Constraint")


def sql_constraints(*constraints):
    """Class decorator: ``(name, definition, message)`` SQL constraints, declared as this
    Odoo expects them. The database object is ``<table>_<name>`` on every series."""

    def decorate(cls):
        if HAS_CONSTRAINT_OBJECTS:
            for name, definition, message in constraints:
                attr = "_%s" % name
                constraint = models.Constraint(definition, message)
                setattr(cls, attr, constraint)
                constraint.__set_name__(cls, attr)
        else:
            cls._sql_constraints = list(cls.__dict__.get("_sql_constraints", [])) + list(
                constraints
            )
        return cls

    return decorate


# ------------------------------------------------------------------
# FIELD RENAMES
# ------------------------------------------------------------------


def sale_line_tax_field(env):
    """``tax_ids`` on 19, ``tax_id`` before."""
    return "tax_ids" if "tax_ids" in env["sale.order.line"]._fields else "tax_id"


def sale_line_uom_field(env):
    """``product_uom_id`` on 19, ``product_uom`` before."""
    return "product_uom_id" if "product_uom_id" in env["sale.order.line"]._fields else "product_uom"


def user_groups_field(env):
    """``res.users.group_ids`` on 19, ``groups_id`` before."""
    return "group_ids" if "group_ids" in env["res.users"]._fields else "groups_id"


def group_users_field(env):
    """``res.groups.user_ids`` on 19, ``users`` before."""
    return "user_ids" if "user_ids" in env["res.groups"]._fields else "users"


def storable_product_vals(env):
    """Values that make a product tracked in stock: ``is_storable`` from 18 on,
    ``detailed_type='product'`` on 17."""
    if "is_storable" in env["product.template"]._fields:
        return {"type": "consu", "is_storable": True}
    return {"detailed_type": "product"}


def storable_product_domain(env):
    """Products tracked in stock: ``is_storable`` from 18 on, ``type='product'`` on 17."""
    if "is_storable" in env["product.template"]._fields:
        return [("is_storable", "=", True)]
    return [("type", "=", "product")]


def service_product_vals(env):
    """Values of a service product: ``type`` from 18 on, ``detailed_type`` on 17 (whose
    ``type`` is computed from it)."""
    if "detailed_type" in env["product.template"]._fields:
        return {"detailed_type": "service"}
    return {"type": "service"}


def tax_price_include_vals(env, price_include):
    """Values that make a tax included in (or excluded from) the price: 18 added
    ``price_include_override`` (``price_include`` became computed from it), 17 has only
    ``price_include``."""
    if "price_include_override" in env["account.tax"]._fields:
        return {"price_include_override": "tax_included" if price_include else "tax_excluded"}
    return {"price_include": price_include}


# ------------------------------------------------------------------
# STOCK
# ------------------------------------------------------------------


def carrier_tracking_link_field(env):
    """A delivery method's tracking link template: ``tracking_url`` from 18 on; 17 has none,
    so our ``mk_tracking_url`` stands in."""
    fields = env["delivery.carrier"]._fields
    return "tracking_url" if "tracking_url" in fields else "mk_tracking_url"


def picking_moves(picking):
    """Every move of a picking: ``move_ids`` on 17-19 (19 removed
    ``move_ids_without_package``, which older code used for the same list)."""
    return picking.move_ids


def move_done_quantity(move):
    """What a done move delivered, in its own unit: ``quantity`` on 17-19 (17 dropped
    ``quantity_done``); a move not picked delivered nothing."""
    if move.state != "done":
        return 0.0
    return move.quantity


def move_set_done_quantity(move, quantity):
    """Set the quantity a person picked (``quantity`` + ``picked`` since 17)."""
    move.quantity = quantity
    move.picked = True


# ------------------------------------------------------------------
# ACCESS CHECKS
# ------------------------------------------------------------------


def check_access(records, operation):
    """Raise AccessError unless the current user may ``operation`` these records: the access
    rights of the model and the record rules."""
    if hasattr(records, "has_access"):  # 18+
        records.check_access(operation)
    else:
        records.check_access_rights(operation)
        records.check_access_rule(operation)


# ------------------------------------------------------------------
# CRONS
# ------------------------------------------------------------------


def cron_needs_numbercall(env):
    """17 runs a cron ``numbercall`` times (default 1); 18 removed the field."""
    return "numbercall" in env["ir.cron"]._fields


def running_tests():
    """True while Odoo runs tests, whose transaction must never be committed: 17 flags
    the thread (``current_test`` is only set for at-install tests), 19 only sets
    ``current_test``, 18 does both."""
    return bool(odoo_module.current_test) or getattr(threading.current_thread(), "testing", False)


def incoming_requests_allowed(http_case):
    """Context in which an HttpCase's server serves requests that do not come from its own
    opener (e.g. the simulator posting a webhook): 19 serves only requests carrying its test
    cookie unless told otherwise; 17 and 18 serve them all."""
    allow = getattr(http_case, "allow_requests", None)
    return allow(all_requests=True) if allow else contextlib.nullcontext()


# ------------------------------------------------------------------
# THE 17 XML ADAPTER
# ------------------------------------------------------------------

ADAPTED_MODULE_PREFIX = "mirakl_connector"
_CHATTER_FIELDS = ("message_follower_ids", "activity_ids", "message_ids")
_XPATH_LIST = re.compile(r"(?<![\w-])list(?![\w-])")


def is_ours(xml_id):
    return bool(xml_id) and xml_id.split(".", 1)[0].startswith(ADAPTED_MODULE_PREFIX)


def list_view_is_tree(env):
    """True on 17, whose list views are still ``<tree>`` (view type ``tree``)."""
    selection = env["ir.ui.view"]._fields["type"].selection
    return "tree" in dict(selection) if isinstance(selection, list) else False


def arch_to_17(arch):
    """Rewrite an 18/19 arch (``<list>``, ``<chatter/>``, XPath on ``list``) for 17."""
    if not arch or ("list" not in arch and "chatter" not in arch):
        return arch
    root = etree.fromstring(arch.encode() if isinstance(arch, str) else arch)
    for node in root.iter():
        if node.tag == "list":
            node.tag = "tree"
        elif node.tag == "chatter":
            node.tag = "div"
            node.attrib.clear()
            node.set("class", "oe_chatter")
            for name in _CHATTER_FIELDS:
                etree.SubElement(node, "field", name=name)
        if node.tag == "xpath" and node.get("expr"):
            node.set("expr", _XPATH_LIST.sub("tree", node.get("expr")))
    return etree.tostring(root, encoding="unicode")


def view_mode_to_17(view_mode):
    if not view_mode:
        return view_mode
    return ",".join("tree" if mode == "list" else mode for mode in view_mode.split(","))
