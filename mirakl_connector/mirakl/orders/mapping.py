"""Turn one OR11 order object into plain, validated values.

``parse_order`` is the only place that knows the shape of Mirakl's order payload. It returns
dicts of Python values (``Decimal`` amounts, naive UTC datetimes, ISO country codes, per-line
SKUs, taxes and promotions) that the Odoo importer maps onto records, and raises
``OrderDataError`` with a message naming the field when the payload cannot be imported as it is.
"""

import hashlib
from decimal import Decimal

from ..dates import from_mirakl
from . import states
from .amounts import dec, quantize, spread

TAX_INCLUDED = "TAX_INCLUDED"
TAX_EXCLUDED = "TAX_EXCLUDED"

# ISO 3166-1 alpha-3 (what Mirakl sends in country_iso_code) -> alpha-2 (what Odoo stores).
ISO3_TO_ISO2 = {
    "ABW": "AW", "AFG": "AF", "AGO": "AO", "AIA": "AI", "ALA": "AX", "ALB": "AL", "AND": "AD",
    "ANT": "CW", "ARE": "AE", "ARG": "AR", "ARM": "AM", "ASC": "AC", "ASM": "AS", "ATA": "AQ",
    "ATF": "TF", "ATG": "AG", "AUS": "AU", "AUT": "AT", "AZE": "AZ", "BDI": "BI", "BEL": "BE",
    "BEN": "BJ", "BES": "BQ", "BFA": "BF", "BGD": "BD", "BGR": "BG", "BHR": "BH", "BHS": "BS",
    "BIH": "BA", "BLM": "BL", "BLR": "BY", "BLZ": "BZ", "BMU": "BM", "BOL": "BO", "BRA": "BR",
    "BRB": "BB", "BRN": "BN", "BTN": "BT", "BUR": "MM", "BVT": "BV", "BWA": "BW", "CAF": "CF",
    "CAN": "CA", "CCK": "CC", "CHE": "CH", "CHL": "CL", "CHN": "CN", "CIV": "CI", "CMR": "CM",
    "COD": "CD", "COG": "CG", "COK": "CK", "COL": "CO", "COM": "KM", "CPT": "CP", "CPV": "CV",
    "CRI": "CR", "CUB": "CU", "CUW": "CW", "CXR": "CX", "CYM": "KY", "CYP": "CY", "CZE": "CZ",
    "DDR": "DE", "DEU": "DE", "DGA": "DG", "DJI": "DJ", "DMA": "DM", "DNK": "DK", "DOM": "DO",
    "DZA": "DZ", "ECU": "EC", "EGY": "EG", "ERI": "ER", "ESH": "EH", "ESP": "ES", "EST": "EE",
    "ETH": "ET", "FIN": "FI", "FJI": "FJ", "FLK": "FK", "FRA": "FR", "FRO": "FO", "FSM": "FM",
    "FXX": "FR", "GAB": "GA", "GBR": "GB", "GEO": "GE", "GGY": "GG", "GHA": "GH", "GIB": "GI",
    "GIN": "GN", "GLP": "GP", "GMB": "GM", "GNB": "GW", "GNQ": "GQ", "GRC": "GR", "GRD": "GD",
    "GRL": "GL", "GTM": "GT", "GUF": "GF", "GUM": "GU", "GUY": "GY", "HKG": "HK", "HMD": "HM",
    "HND": "HN", "HRV": "HR", "HTI": "HT", "HUN": "HU", "IDN": "ID", "IMN": "IM", "IND": "IN",
    "IOT": "IO", "IRL": "IE", "IRN": "IR", "IRQ": "IQ", "ISL": "IS", "ISR": "IL", "ITA": "IT",
    "JAM": "JM", "JEY": "JE", "JOR": "JO", "JPN": "JP", "KAZ": "KZ", "KEN": "KE", "KGZ": "KG",
    "KHM": "KH", "KIR": "KI", "KNA": "KN", "KOR": "KR", "KWT": "KW", "LAO": "LA", "LBN": "LB",
    "LBR": "LR", "LBY": "LY", "LCA": "LC", "LIE": "LI", "LKA": "LK", "LSO": "LS", "LTU": "LT",
    "LUX": "LU", "LVA": "LV", "MAC": "MO", "MAF": "MF", "MAR": "MA", "MCO": "MC", "MDA": "MD",
    "MDG": "MG", "MDV": "MV", "MEX": "MX", "MHL": "MH", "MKD": "MK", "MLI": "ML", "MLT": "MT",
    "MMR": "MM", "MNE": "ME", "MNG": "MN", "MNP": "MP", "MOZ": "MZ", "MRT": "MR", "MSR": "MS",
    "MTQ": "MQ", "MUS": "MU", "MWI": "MW", "MYS": "MY", "MYT": "YT", "NAM": "NA", "NCL": "NC",
    "NER": "NE", "NFK": "NF", "NGA": "NG", "NIC": "NI", "NIU": "NU", "NLD": "NL", "NOR": "NO",
    "NPL": "NP", "NRU": "NR", "NTZ": "SA", "NZL": "NZ", "OMN": "OM", "PAK": "PK", "PAN": "PA",
    "PCN": "PN", "PER": "PE", "PHL": "PH", "PLW": "PW", "PNG": "PG", "POL": "PL", "PRI": "PR",
    "PRK": "KP", "PRT": "PT", "PRY": "PY", "PSE": "PS", "PYF": "PF", "QAT": "QA", "REU": "RE",
    "ROU": "RO", "RUS": "RU", "RWA": "RW", "SAU": "SA", "SCG": "RS", "SDN": "SD", "SEN": "SN",
    "SGP": "SG", "SGS": "GS", "SHN": "SH", "SJM": "SJ", "SLB": "SB", "SLE": "SL", "SLV": "SV",
    "SMR": "SM", "SOM": "SO", "SPM": "PM", "SRB": "RS", "SSD": "SS", "STP": "ST", "SUN": "RU",
    "SUR": "SR", "SVK": "SK", "SVN": "SI", "SWE": "SE", "SWZ": "SZ", "SXM": "SX", "SYC": "SC",
    "SYR": "SY", "TAA": "TA", "TCA": "TC", "TCD": "TD", "TGO": "TG", "THA": "TH", "TJK": "TJ",
    "TKL": "TK", "TKM": "TM", "TLS": "TL", "TMP": "TL", "TON": "TO", "TTO": "TT", "TUN": "TN",
    "TUR": "TR", "TUV": "TV", "TWN": "TW", "TZA": "TZ", "UGA": "UG", "UKR": "UA", "UMI": "UM",
    "URY": "UY", "USA": "US", "UZB": "UZ", "VAT": "VA", "VCT": "VC", "VEN": "VE", "VGB": "VG",
    "VIR": "VI", "VNM": "VN", "VUT": "VU", "WLF": "WF", "WSM": "WS", "XKX": "XK", "YEM": "YE",
    "YMD": "YE", "YUG": "RS", "ZAF": "ZA", "ZAR": "CD", "ZMB": "ZM", "ZWE": "ZW",
}


class OrderDataError(ValueError):
    """The order payload cannot be imported; the message names the order and the field."""

    def __init__(self, order_id, message):
        self.order_id = order_id
        super().__init__("Mirakl order %s: %s" % (order_id or "?", message))


def _get(data, *path):
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _datetime(order_id, payload, field):
    try:
        return from_mirakl(payload.get(field))
    except ValueError:
        raise OrderDataError(order_id, "%s %r is not an ISO-8601 date"
                             % (field, payload.get(field)))


def _amount(order_id, value, field):
    try:
        return quantize(dec(value, field))
    except ValueError as error:
        raise OrderDataError(order_id, str(error))


def _taxes(order_id, taxes, field):
    result = []
    for index, tax in enumerate(taxes or []):
        code = (tax or {}).get("code")
        if not code:
            raise OrderDataError(order_id, "%s[%d].code is missing" % (field, index))
        rate = tax.get("rate")
        result.append({
            "code": str(code),
            "rate": None if rate is None else dec(rate, "%s[%d].rate" % (field, index)),
            "amount": _amount(order_id, tax.get("amount"), "%s[%d].amount" % (field, index)),
        })
    return result


def address_values(address):
    """Plain address values, or None when Mirakl hides the address (before acceptance)."""
    if not address or not (address.get("street_1") or address.get("city")):
        return None
    iso3 = (address.get("country_iso_code") or "").upper()
    first, last = address.get("firstname") or "", address.get("lastname") or ""
    return {
        "name": " ".join(p for p in (first, last) if p).strip(),
        "company": address.get("company") or "",
        "street": address.get("street_1") or "",
        "street2": " ".join(
            p for p in (address.get("street_2"), address.get("additional_info")) if p
        ),
        "zip": address.get("zip_code") or "",
        "city": address.get("city") or "",
        "state": address.get("state") or "",
        "country_iso3": iso3,
        "country_code": ISO3_TO_ISO2.get(iso3, iso3 if len(iso3) == 2 else ""),
        "country_label": address.get("country") or "",
        "phone": address.get("phone") or address.get("phone_secondary") or "",
    }


def address_fingerprint(values):
    """Stable hash of what makes an address the same place, case and spacing insensitive."""
    if not values:
        return ""
    parts = [values.get(k, "") for k in ("name", "company", "street", "street2", "zip", "city")]
    parts.append(values.get("country_iso3", ""))
    text = "|".join(" ".join(str(p).lower().split()) for p in parts)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def _customer(order_id, payload):
    customer = payload.get("customer")
    if not isinstance(customer, dict) or not customer.get("customer_id"):
        raise OrderDataError(order_id, "customer.customer_id is missing")
    name = " ".join(
        p for p in (customer.get("firstname"), customer.get("lastname")) if p
    ).strip()
    billing = address_values(customer.get("billing_address"))
    shipping = address_values(customer.get("shipping_address"))
    organization = customer.get("organization") or {}
    company = organization.get("name") or (billing or {}).get("company") or ""
    return {
        "customer_id": str(customer["customer_id"]),
        "name": name or (billing or shipping or {}).get("name") or str(customer["customer_id"]),
        "locale": customer.get("locale") or "",
        "email": payload.get("customer_notification_email") or "",
        "company": company,
        "vat": organization.get("tax_identification_number") or "",
        "billing": billing,
        "shipping": shipping,
        "billing_fingerprint": address_fingerprint(billing),
        "shipping_fingerprint": address_fingerprint(shipping),
    }


def _promotions(order_id, promotions, field):
    result = []
    for index, promo in enumerate(promotions or []):
        config = promo.get("configuration") or {}
        result.append({
            "id": str(promo.get("id") or ""),
            "type": config.get("type") or "",
            "description": config.get("internal_description") or "",
            "deduced_amount": _amount(
                order_id, promo.get("deduced_amount"), "%s[%d].deduced_amount" % (field, index)
            ),
            "offered_quantity": promo.get("offered_quantity") or 0,
            "promo_code": promo.get("promo_code") or "",
        })
    return result


def _line(order_id, index, line):
    field = "order_lines[%d]" % index
    line_id = line.get("order_line_id")
    if not line_id:
        raise OrderDataError(order_id, "%s.order_line_id is missing" % field)
    state = line.get("order_line_state") or ""
    quantity = line.get("quantity")
    # Mirakl sends a cancelled line with quantity 0: nothing is left to sell on it.
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0 or (
        quantity == 0 and state not in states.ENDED_UNSOLD and not line.get("cancelations")
    ):
        raise OrderDataError(order_id, "line %s: quantity %r is not a positive integer"
                             % (line_id, quantity))
    skus = []
    for key in ("offer_sku", "product_shop_sku", "product_sku"):
        value = line.get(key)
        if value and value not in skus:
            skus.append(str(value))
    if not skus:
        raise OrderDataError(order_id, "line %s has no offer_sku nor product_sku" % line_id)
    price = _amount(order_id, line.get("price"), "line %s price" % line_id)
    price_unit = _amount(order_id, line.get("price_unit"), "line %s price_unit" % line_id)
    promotions = _promotions(order_id, line.get("promotions"), "line %s promotions" % line_id)
    deduced = sum((p["deduced_amount"] for p in promotions), Decimal(0))
    cancelations = line.get("cancelations") or []
    refunds = line.get("refunds") or []
    canceled = sum(int(c.get("quantity") or 0) for c in cancelations)
    refunded = sum(int(r.get("quantity") or 0) for r in refunds)
    removed = _removed(order_id, line_id, cancelations + refunds)
    dropped = state in states.ENDED_UNSOLD or quantity == 0
    fees = {} if dropped else _fees(order_id, line_id, line, cancelations + refunds)
    # Mirakl's line price is after every promotion (spec: price = what the line costs). What
    # the promotions took off shows as the gap to the catalogue price (price_unit x quantity),
    # whether the promotion is listed on the line or only at order level (basket promotions).
    catalogue = price_unit * quantity
    gross = catalogue if catalogue >= price else price + deduced
    return {
        "line_id": str(line_id),
        "index": line.get("order_line_index") or index + 1,
        "state": state,
        "state_reason": line.get("order_line_state_reason_label")
        or line.get("order_line_state_reason_code") or "",
        "skus": skus,
        "offer_sku": line.get("offer_sku") or "",
        "product_sku": line.get("product_sku") or "",
        "title": line.get("product_title") or skus[0],
        "quantity": quantity,
        "price_unit": price_unit,
        "price": price,
        "gross": gross,
        "promotions": promotions,
        "discount_amount": deduced,
        "taxes": _taxes(order_id, line.get("taxes"), "line %s taxes" % line_id),
        "shipping_price": _amount(
            order_id, line.get("shipping_price") or 0, "line %s shipping_price" % line_id
        ),
        "shipping_taxes": _taxes(
            order_id, line.get("shipping_taxes"), "line %s shipping_taxes" % line_id
        ),
        "commission": _amount(order_id, line.get("total_commission") or 0, "commission"),
        "canceled_qty": canceled,
        "refunded_qty": refunded,
        # what the shop still sells on this line once refusals, cancellations and refunds
        # are taken out; the Odoo line follows these quantities and amounts
        "effective_qty": 0 if dropped else max(quantity - canceled - refunded, 0),
        "dropped": dropped,
        # what the line's fees (spec: order_lines[].fees, in total_price) still charge, per code
        "fee_amounts": fees,
        "fees": sum(fees.values(), Decimal(0)),
        "removed": removed,
        "cancelations": cancelations,
        "refunds": refunds,
    }


def _removed(order_id, line_id, records):
    """Amounts taken off a line by its cancellations and refunds."""
    removed = {
        "amount": Decimal(0), "shipping_amount": Decimal(0), "taxes": Decimal(0),
        "shipping_taxes": Decimal(0),
    }
    for record in records:
        label = "line %s %s" % (line_id, record.get("id") or "cancelation/refund")
        removed["amount"] += _amount(order_id, record.get("amount") or 0, label + " amount")
        removed["shipping_amount"] += _amount(
            order_id, record.get("shipping_amount") or 0, label + " shipping_amount"
        )
        for kind in ("taxes", "shipping_taxes"):
            for tax in record.get(kind) or []:
                removed[kind] += _amount(order_id, tax.get("amount") or 0, label + " tax amount")
    return removed


def _fees(order_id, line_id, line, records):
    """Fee amount per code, less what cancellations and refunds took back."""
    fees = {}
    label = "line %s fees" % line_id
    for fee in line.get("fees") or []:
        code = str(fee.get("code") or "")
        fees[code] = fees.get(code, Decimal(0)) + _amount(order_id, fee.get("amount"), label)
    for record in records:
        for fee in record.get("fees") or []:
            code = str(fee.get("code") or "")
            fees[code] = fees.get(code, Decimal(0)) - _amount(
                order_id, fee.get("amount") or 0, label
            )
    return {code: amount for code, amount in fees.items() if amount}


def _group_taxes(taxes):
    grouped = {}
    for tax in taxes:
        key = (tax["code"], tax["rate"])
        grouped.setdefault(key, {"code": tax["code"], "rate": tax["rate"], "amount": Decimal(0)})
        grouped[key]["amount"] += tax["amount"]
    return list(grouped.values())


def parse_order(payload):
    """Validate one OR11 order and return its values; raises OrderDataError."""
    if not isinstance(payload, dict):
        raise OrderDataError(None, "the order is not a JSON object")
    order_id = payload.get("order_id")
    if not order_id:
        raise OrderDataError(None, "order_id is missing")
    lines_payload = payload.get("order_lines")
    if not lines_payload:
        raise OrderDataError(order_id, "the order has no order_lines")
    tax_mode = payload.get("order_tax_mode") or TAX_EXCLUDED
    if tax_mode not in (TAX_INCLUDED, TAX_EXCLUDED):
        raise OrderDataError(order_id, "unknown order_tax_mode %r" % tax_mode)
    currency = payload.get("currency_iso_code")
    if not currency:
        raise OrderDataError(order_id, "currency_iso_code is missing")
    lines = [_line(order_id, i, line) for i, line in enumerate(lines_payload)]
    total_price = _amount(order_id, payload.get("total_price"), "total_price")
    order_price = _amount(order_id, payload.get("price"), "price")
    shipping_price = _amount(order_id, payload.get("shipping_price") or 0, "shipping_price")
    order_promotions = _promotions(
        order_id, _get(payload, "promotions", "applied_promotions"), "promotions"
    )
    kept = [line for line in lines if not line["dropped"]]
    for line in lines:
        _line_amounts(line)
    _reconcile_order_taxes(order_id, payload, lines, kept)
    # What the lines still carry: prices and shipping after cancellations and refunds, fees.
    carried = sum(
        (line["remaining"] + line["remaining_shipping"] + line["fees"] for line in kept),
        Decimal(0),
    )
    # The spec puts every promotion in the line prices (total_price = their sum + shipping +
    # fees); only a total_price below what the lines carry is a deduction they lack.
    order_discount = max(carried - total_price, Decimal(0))
    shares = [Decimal(0)] * len(kept)
    if order_discount:
        # total_price is below what the lines still carry: a deduction Mirakl did not put in
        # the line prices. Spread it over the lines, to the cent.
        shares = spread(order_discount, [max(line["remaining"], Decimal(0)) for line in kept])
    for line in lines:
        line["order_discount_share"] = Decimal(0)
    for line, share in zip(kept, shares, strict=True):
        line["order_discount_share"] = share
    for line in lines:
        line["net"] = line["price"] - line["order_discount_share"]
    shipping_taxes = [t for line in kept for t in line["shipping_taxes"]]
    tax_amount = sum((line["tax_amount"] + line["shipping_tax_amount"] for line in kept),
                     Decimal(0))
    # What the customer pays for the order as it stands, from Mirakl's own line amounts:
    # refused and cancelled lines owe nothing, cancellations and refunds are taken off, the
    # taxes are Mirakl's per line and per code (added in TAX_EXCLUDED mode only).
    mirakl_total = carried - order_discount
    if tax_mode == TAX_EXCLUDED:
        mirakl_total += tax_amount
    customer = _customer(order_id, payload)
    return {
        "order_id": str(order_id),
        "commercial_id": payload.get("commercial_id") or "",
        "state": payload.get("order_state") or "",
        "state_reason": payload.get("order_state_reason_label")
        or payload.get("order_state_reason_code") or "",
        "created_date": _datetime(order_id, payload, "created_date"),
        "last_updated_date": _datetime(order_id, payload, "last_updated_date"),
        "acceptance_decision_date": _datetime(order_id, payload, "acceptance_decision_date"),
        "shipping_deadline": _datetime(order_id, payload, "shipping_deadline"),
        "customer_debited_date": _datetime(order_id, payload, "customer_debited_date"),
        "paid": bool(payload.get("customer_debited_date")),
        "currency": currency,
        "tax_mode": tax_mode,
        "payment_type": payload.get("payment_type") or payload.get("paymentType") or "",
        "payment_workflow": payload.get("payment_workflow") or "",
        "channel_code": _get(payload, "channel", "code") or "",
        "channel_label": _get(payload, "channel", "label") or "",
        "shipping_type_code": payload.get("shipping_type_code") or "",
        "shipping_type_label": payload.get("shipping_type_label") or "",
        "shipping_zone_code": payload.get("shipping_zone_code") or "",
        "shipping_zone_label": payload.get("shipping_zone_label") or "",
        "commission": _amount(order_id, payload.get("total_commission") or 0, "total_commission"),
        "reference_for_customer": _get(payload, "references", "order_reference_for_customer")
        or "",
        "customer": customer,
        "lines": lines,
        "shipping": {
            "price": sum((line["remaining_shipping"] for line in kept), Decimal(0)),
            "taxes": _group_taxes(shipping_taxes),
            "tax_amount": sum((line["shipping_tax_amount"] for line in kept), Decimal(0)),
        },
        "fees": _sum_fees(kept),
        "promotions": order_promotions,
        "order_discount": order_discount,
        "price": order_price,
        "shipping_price": shipping_price,
        "total_price": total_price,
        "tax_amount": tax_amount,
        "mirakl_total": mirakl_total,
    }


def _line_amounts(line):
    """What the line still carries once its cancellations and refunds are taken off."""
    removed = line["removed"]
    if line["dropped"]:
        line.update(remaining=Decimal(0), remaining_shipping=Decimal(0), tax_amount=Decimal(0),
                    shipping_tax_amount=Decimal(0))
        return
    line.update(
        remaining=line["price"] - removed["amount"],
        remaining_shipping=line["shipping_price"] - removed["shipping_amount"],
        tax_amount=sum((t["amount"] for t in line["taxes"]), Decimal(0)) - removed["taxes"],
        shipping_tax_amount=sum((t["amount"] for t in line["shipping_taxes"]), Decimal(0))
        - removed["shipping_taxes"],
    )


def _sum_fees(lines):
    fees = {}
    for line in lines:
        for code, amount in line["fee_amounts"].items():
            fees[code] = fees.get(code, Decimal(0)) + amount
    return fees


def _reconcile_order_taxes(order_id, payload, lines, kept):
    """With Mirakl's *order level tax calculation*, ``order_taxes`` holds the order's tax per
    code and rate (rounded once for the order): it is the truth, so a cent of difference with
    the line taxes goes on the line carrying most of that code, and a code no line carries goes
    on the largest line. Only for an order with nothing refused, cancelled or refunded, whose
    order_taxes describe exactly the lines we have."""
    order_taxes = payload.get("order_taxes") or []
    if not order_taxes or not kept or len(kept) != len(lines) or any(
        line["cancelations"] or line["refunds"] for line in lines
    ):
        return
    for index, tax in enumerate(order_taxes):
        field = "order_taxes[%d]" % index
        code = (tax or {}).get("code")
        if not code:
            raise OrderDataError(order_id, "%s.code is missing" % field)
        rate = None if tax.get("rate") is None else dec(tax["rate"], field + ".rate")
        target = _amount(order_id, tax.get("total_amount"), field + ".total_amount")
        holders = [
            (line, kind, entry)
            for line in kept for kind in ("taxes", "shipping_taxes") for entry in line[kind]
            if entry["code"] == str(code) and entry["rate"] == rate
        ]
        delta = target - sum((entry["amount"] for _l, _k, entry in holders), Decimal(0))
        if not delta:
            continue
        if holders:
            line, kind, entry = max(holders, key=lambda h: h[2]["amount"])
            entry["amount"] += delta
        else:
            line, kind = max(kept, key=lambda line: line["price"]), "taxes"
            line[kind].append({"code": str(code), "rate": rate, "amount": delta})
        amount_key = "tax_amount" if kind == "taxes" else "shipping_tax_amount"
        line[amount_key] += delta
