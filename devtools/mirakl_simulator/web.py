"""Transport-free request/response objects and the route table shared by the API and /_sim."""

import json
import re
from urllib.parse import parse_qs, urlsplit


class ApiError(Exception):
    """An error answer in Mirakl's (assumed) shape: {"status": <code>, "message": <text>}."""

    def __init__(self, status, message, code=None, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or {}

    def to_response(self):
        body = {"status": self.status, "message": self.message}
        if self.code:
            body["code"] = self.code
        return Response.json(body, status=self.status, headers=self.headers)


class Request:
    def __init__(self, method, target, headers, body=b""):
        parts = urlsplit(target)
        self.method = method.upper()
        self.path = parts.path
        self.raw_query = parts.query
        self.query = parse_qs(parts.query, keep_blank_values=True)
        self.headers = {key.lower(): value for key, value in headers.items()}
        self.body = body
        self.path_params = {}

    def arg(self, name, default=None):
        values = self.query.get(name)
        return values[-1] if values else default

    def args(self, name):
        """Every value of a parameter, whether repeated or comma-separated."""
        found = []
        for value in self.query.get(name, []):
            found.extend(item for item in value.split(",") if item)
        return found

    def int_arg(self, name, default=None, minimum=None, maximum=None):
        value = self.arg(name)
        if value in (None, ""):
            return default
        try:
            number = int(value)
        except ValueError:
            raise ApiError(400, "Parameter '%s' must be an integer, got '%s'" % (name, value))
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            raise ApiError(400, "Parameter '%s' is out of range: %s" % (name, number))
        return number

    def bool_arg(self, name):
        value = self.arg(name)
        if value in (None, ""):
            return None
        if value.lower() not in ("true", "false"):
            raise ApiError(400, "Parameter '%s' must be true or false" % name)
        return value.lower() == "true"

    def json(self):
        if not self.body:
            raise ApiError(400, "A JSON body is required")
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise ApiError(400, "Malformed JSON body: %s" % error)

    @property
    def content_type(self):
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


class Response:
    def __init__(self, status=200, body=b"", content_type=None, headers=None):
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        if content_type:
            self.headers["Content-Type"] = content_type

    @classmethod
    def json(cls, payload, status=200, headers=None):
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return cls(status, body, "application/json;charset=UTF-8", headers)

    @classmethod
    def empty(cls, status=204):
        return cls(status)

    @classmethod
    def file(cls, content, file_name, content_type="application/octet-stream"):
        headers = {"Content-Disposition": 'attachment; filename="%s"' % file_name}
        return cls(200, content, content_type, headers)

    def json_payload(self):
        if "json" not in self.headers.get("Content-Type", "") or not self.body:
            return None
        return json.loads(self.body)


class Router:
    """Routes are (method, template, operation code, handler); templates use {name} segments."""

    def __init__(self):
        self._routes = []

    def add(self, method, template, operation, handler):
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        self._routes.append((method, re.compile("^%s$" % pattern), template, operation, handler))
        self._routes.sort(key=lambda route: route[2].count("{"))

    def match(self, method, path):
        """Return (operation, handler, path params); literal routes win over templated ones."""
        allowed = False
        for route_method, pattern, _template, operation, handler in self._routes:
            found = pattern.match(path)
            if not found:
                continue
            if route_method == method:
                return operation, handler, found.groupdict()
            allowed = True
        if allowed:
            raise ApiError(405, "Method %s not allowed on %s" % (method, path))
        raise ApiError(404, "No resource at %s" % path)
