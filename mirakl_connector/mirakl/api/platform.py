"""Account and platform calls: the shop itself and the operator's reference lists."""

from .params import build_query, segment


class PlatformApi:
    """The shop and the operator's reference data (A01, V01, CH11, RE01/RE02, SH11-SH31,
    AF01, H11, PM11, VL11, OF61, PC01)."""

    def get_account(self):
        """A01: the shop of this API key (shop_id, shop_name, currency_iso_code, shop_state…)."""
        return self._request("A01", "GET", "/api/account")

    def get_platform_configuration(self):
        """PC01: modules and features of the operator's platform (multi-shipment, order
        acceptance, returns, tax mode…) -> {platform_name, features, modules, …}."""
        return self._request("PC01", "GET", "/api/platform/configuration")

    def get_version(self):
        """V01: health check; the version as JSON ({"version": …}) or text, as served."""
        return self._request("V01", "GET", "/api/version", expect="auto")

    def list_channels(self, locale=None):
        """CH11: enabled sales channels."""
        return self._request("CH11", "GET", "/api/channels", params=build_query({"locale": locale}))

    def list_reasons(self, reason_type=None, locale=None):
        """RE01: reasons (refund, cancelation, incident, messaging…), optionally of one type."""
        body = self._request("RE01", "GET", "/api/reasons", params=build_query({"locale": locale}))
        if reason_type is not None:
            body = dict(body, reasons=[reason for reason in body.get("reasons", [])
                                       if reason.get("type") == reason_type])
            body["total_count"] = len(body["reasons"])
        return body

    def list_reasons_by_type(self, reason_type, locale=None):
        """RE02 (deprecated by Mirakl, kept for older platforms): reasons of one type."""
        return self._request("RE02", "GET", "/api/reasons/%s" % segment(reason_type),
                             params=build_query({"locale": locale}))

    def list_shipping_zones(self, locale=None):
        """SH11: active shipping zones."""
        return self._request("SH11", "GET", "/api/shipping/zones",
                             params=build_query({"locale": locale}))

    def list_shipping_types(self, locale=None):
        """SH12: active shipping methods."""
        return self._request("SH12", "GET", "/api/shipping/types",
                             params=build_query({"locale": locale}))

    def list_carriers(self):
        """SH21: carriers (codes for OR23/ST23 and tracking URL templates)."""
        return self._request("SH21", "GET", "/api/shipping/carriers")

    def list_logistic_classes(self, locale=None):
        """SH31: logistic classes."""
        return self._request("SH31", "GET", "/api/shipping/logistic_classes",
                             params=build_query({"locale": locale}))

    def list_additional_fields(self, entities=None, locale=None):
        """AF01: custom fields (entities e.g. ["OFFER", "ORDER_LINE"])."""
        return self._request("AF01", "GET", "/api/additional_fields",
                             params=build_query({"entities": entities, "locale": locale}))

    def list_hierarchies(self, hierarchy=None, max_level=None, locale=None):
        """H11: catalogue categories below ``hierarchy`` (all when None)."""
        return self._request("H11", "GET", "/api/hierarchies", params=build_query(
            {"hierarchy": hierarchy, "max_level": max_level, "locale": locale}))

    def list_product_attributes(self, hierarchy=None, max_level=None,
                                all_operator_attributes=None, with_roles=None, locale=None):
        """PM11: product attribute configuration."""
        return self._request("PM11", "GET", "/api/products/attributes", params=build_query({
            "hierarchy": hierarchy, "max_level": max_level,
            "all_operator_attributes": all_operator_attributes, "with_roles": with_roles,
            "locale": locale}))

    def list_value_lists(self, code=None, locale=None):
        """VL11: operator value lists (attribute enumerations)."""
        return self._request("VL11", "GET", "/api/values_lists",
                             params=build_query({"code": code, "locale": locale}))

    def list_offer_states(self, active=None, locale=None):
        """OF61: offer conditions (state codes for the ``state`` CSV column)."""
        return self._request("OF61", "GET", "/api/offers/states",
                             params=build_query({"active": active, "locale": locale}))
