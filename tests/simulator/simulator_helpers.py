"""Raw seller-API calls and order-line builders shared by the simulator tests."""

import requests


class SellerApi:
    """Raw seller calls with a shop key, so these tests do not depend on the client under test."""

    def __init__(self, sim, api_key=None):
        self.sim = sim
        self.api_key = api_key or sim.api_key
        self.session = requests.Session()

    def call(
        self,
        method,
        path,
        params=None,
        json=None,
        files=None,
        data=None,
        api_key=None,
        headers=None,
    ):
        key = self.api_key if api_key is None else api_key
        sent = dict(headers or {})
        if key:
            sent["Authorization"] = key
        return self.session.request(
            method,
            self.sim.base_url + path,
            params=params,
            json=json,
            files=files,
            data=data,
            headers=sent,
            timeout=10,
        )

    def get(self, path, **kwargs):
        return self.call("GET", path, **kwargs)

    def put(self, path, **kwargs):
        return self.call("PUT", path, **kwargs)

    def post(self, path, **kwargs):
        return self.call("POST", path, **kwargs)

    def orders(self, **params):
        answer = self.get("/api/orders", params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def accept(self, order, accepted=True):
        decisions = [
            {"id": line["order_line_id"], "accepted": accepted} for line in order["order_lines"]
        ]
        return self.put(
            "/api/orders/%s/accept" % order["order_id"], json={"order_lines": decisions}
        )


def line(sku="SKU-1", quantity=1, price_unit=10.0, **extra):
    return dict(extra, offer_sku=sku, quantity=quantity, price_unit=price_unit)
