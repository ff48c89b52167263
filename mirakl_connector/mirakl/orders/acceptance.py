"""Auto-acceptance rules, evaluated on plain facts.

The Odoo side gathers one ``facts`` dict per order line (SKU, quantity, Mirakl unit price, Odoo
price, free stock per warehouse, destination country) and the instance's rules as dicts; these
functions decide, per line, ``accept``, ``refuse`` or ``manual`` (leave it to the operator) and
say which rule decided and why, so every automatic decision can be explained afterwards.
"""

from decimal import Decimal

ACCEPT, REFUSE, MANUAL = "accept", "refuse", "manual"

RULE_TYPES = ("stock", "price_drift", "max_quantity", "blocked_sku", "country")


def _split(text):
    return {p.strip().upper() for p in (text or "").replace("\n", ",").split(",") if p.strip()}


def _check(rule, facts):
    """(passed, reason) for one rule on one line; passed is None when it cannot tell."""
    kind = rule["type"]
    if kind == "stock":
        need, free = Decimal(facts["quantity"]), Decimal(str(facts.get("available") or 0))
        if free >= need:
            return True, "%s available for %s ordered" % (_num(free), _num(need))
        return False, "only %s available for %s ordered" % (_num(free), _num(need))
    if kind == "price_drift":
        odoo_price = Decimal(str(facts.get("odoo_price") or 0))
        if odoo_price <= 0:
            return None, "no Odoo price to compare with"
        drift = abs(Decimal(str(facts["unit_price"])) - odoo_price) / odoo_price * 100
        limit = Decimal(str(rule.get("max_drift") or 0))
        verdict = drift <= limit
        return verdict, "price %s vs Odoo %s: drift %s%% %s %s%%" % (
            _num(facts["unit_price"]), _num(odoo_price), _num(round(drift, 2)),
            "within" if verdict else "above", _num(limit),
        )
    if kind == "max_quantity":
        limit = int(rule.get("max_quantity") or 0)
        verdict = facts["quantity"] <= limit
        return verdict, "quantity %s %s the maximum %s" % (
            facts["quantity"], "within" if verdict else "above", limit
        )
    if kind == "blocked_sku":
        blocked = _split(rule.get("skus"))
        hit = [s for s in facts.get("skus") or [] if s.upper() in blocked]
        if hit:
            return False, "SKU %s is blocked" % hit[0]
        return True, "SKU not blocked"
    if kind == "country":
        country = (facts.get("country") or "").upper()
        if not country:
            return None, "destination country not known yet"
        allowed = _split(rule.get("countries"))
        verdict = country in allowed
        return verdict, "destination %s %s the allowed countries" % (
            country, "in" if verdict else "not in"
        )
    raise ValueError("unknown acceptance rule type %r" % kind)


def _num(value):
    text = format(Decimal(str(value)).normalize(), "f")
    return text


def evaluate(rules, lines_facts):
    """Decide every line: a list of ``{line_id, decision, rule, reason}``.

    Rules run in order. A line is accepted only when every rule passes; the first rule that
    fails decides (its ``on_fail`` is ``refuse`` or ``manual``); a rule that cannot tell
    (missing data) sends the line to manual review. With no rule the operator decides.
    """
    results = []
    for facts in lines_facts:
        if not rules:
            results.append(_result(facts, MANUAL, None, "no auto-acceptance rule configured"))
            continue
        reasons, decided = [], None
        for rule in rules:
            passed, reason = _check(rule, facts)
            if passed is None:
                decided = _result(facts, MANUAL, rule, reason)
                break
            if not passed:
                decision = REFUSE if rule.get("on_fail") == REFUSE else MANUAL
                decided = _result(facts, decision, rule, reason)
                break
            reasons.append("%s: %s" % (rule.get("name") or rule["type"], reason))
        results.append(decided or _result(facts, ACCEPT, None, "; ".join(reasons)))
    return results


def fallback(lines_facts):
    """Deadline fallback: accept what the stock covers, refuse the rest."""
    rule = {"type": "stock", "name": "deadline fallback"}
    results = []
    for facts in lines_facts:
        passed, reason = _check(rule, facts)
        results.append(_result(facts, ACCEPT if passed else REFUSE, rule, reason))
    return results


def order_decision(results):
    """What to send for the order: ``None`` while any line waits for the operator."""
    if not results or any(r["decision"] == MANUAL for r in results):
        return None
    return [{"id": r["line_id"], "accepted": r["decision"] == ACCEPT} for r in results]


def _result(facts, decision, rule, reason):
    return {
        "line_id": facts["line_id"],
        "decision": decision,
        "rule_id": rule.get("id") if rule else None,
        "rule": (rule.get("name") or rule["type"]) if rule else "",
        "reason": reason,
    }


def allocate_stock(lines, free_by_product):
    """Free stock seen by each line once earlier lines of the same product took theirs."""
    left = dict(free_by_product)
    available = []
    for product_id, quantity in lines:
        free = Decimal(str(left.get(product_id, 0)))
        available.append(free)
        left[product_id] = free - Decimal(quantity)
    return available
