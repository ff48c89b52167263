"""Product (catalogue) import calls."""

from .params import build_query, segment


class ProductsApi:
    """Catalogue calls (P41, P42, P44, P47)."""

    def import_products(self, file, filename="products.csv", operator_format=None,
                        conversion_type=None, conversion_options=None):
        """P41: upload a product file to the operator's catalogue -> {"import_id"}."""
        data = build_query({"operator_format": operator_format,
                            "conversion_type": conversion_type,
                            "conversion_options": conversion_options})
        return self._request("P41", "POST", "/api/products/imports",
                             files=[("file", (filename, file, "text/csv"))], data=data)

    def get_product_import(self, import_id):
        """P42: status of a product import."""
        return self._request("P42", "GET", "/api/products/imports/%s" % segment(import_id))

    def get_product_import_error_report(self, import_id):
        """P44: "non-integrated products" report -> MiraklFile."""
        return self._request("P44", "GET", "/api/products/imports/%s/error_report"
                             % segment(import_id), expect="file")

    def get_product_import_transformation_error_report(self, import_id):
        """P47: "source file error report" of a product import -> MiraklFile."""
        return self._request("P47", "GET", "/api/products/imports/%s/transformation_error_report"
                             % segment(import_id), expect="file")
