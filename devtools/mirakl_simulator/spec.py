"""Mirakl's seller OpenAPI document: where to find it and how to check traffic against it.

The document is Mirakl's, not ours, so it is read at run time from ../shared/mirakl/ beside the
repository (or $MIRAKL_OPENAPI_SPEC) and never copied into the tree.
"""

import json
import os
import re
from pathlib import Path

from .clock import parse_datetime

SPEC_ENV = "MIRAKL_OPENAPI_SPEC"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SPEC_PATH = REPO_ROOT.parent / "shared" / "mirakl" / "mmp-seller-openapi.json"


def spec_path():
    return Path(os.environ.get(SPEC_ENV) or DEFAULT_SPEC_PATH)


def load_spec(path=None):
    """The parsed document, or None when it is not on this machine."""
    path = Path(path) if path else spec_path()
    if not path.is_file():
        return None
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


# Query parameters every offset- or seek-paginated operation takes although the spec documents
# them once in its general notes instead of on each operation (reference §1.7).
OFFSET_PARAMETERS = {"max", "offset", "paginate", "sort", "order"}
SEEK_PARAMETERS = {"limit", "page_token", "sort"}

# Where the spec contradicts itself, the simulator follows the spec's prose; each entry says why.
# (operation, instance path regex, schema path regex, message regex, reason)
ALLOWED_DEVIATIONS = (
    (
        "OR11",
        r"^orders/\d+/customer/(billing|shipping)_address$",
        r"/type$",
        r"^None is not of type 'object'$",
        "The schema types the addresses as required objects while their description says they are "
        "null before acceptance; the simulator sends null then.",
    ),
    (
        "OF54",
        r"^$",
        r"type$",
        r"^\[",
        "The schema describes one offer of the exported file (type object, format binary) while "
        "the description and the reference call the JSON file an array of such offers.",
    ),
    (
        "V01",
        r"^body$",
        r"^responses/200$",
        r"declares no body",
        "The response declares no content while the description says the body may be ignored "
        "because it is subject to change; the simulator answers its version as JSON.",
    ),
)


def operation_index(spec):
    """{operationId: (method, path template, operation object)}."""
    index = {}
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "operationId" in operation:
                index[operation["operationId"]] = (method.upper(), path, operation)
    return index


def pagination_style(operation):
    description = operation.get("description", "")
    if "supports offset pagination" in description:
        return "offset"
    if "supports seek pagination" in description:
        return "seek"
    return None


class SpecValidator:
    """Checks requests and responses of one operation against the spec (JSON Schema 2020-12).

    A violation is a dict naming the operation, the direction, the instance path, the schema
    path and a message. jsonschema is imported here so that the simulator itself stays stdlib.
    """

    def __init__(self, spec):
        try:
            import jsonschema
        except ImportError:
            raise RuntimeError(
                "spec validation needs jsonschema: pip install -r requirements-test.txt"
            )

        self._jsonschema = jsonschema
        # Formats are annotations in 2020-12; dates are the ones worth asserting (RFC 3339).
        self._format_checker = jsonschema.FormatChecker(formats=())
        self._format_checker.checks("date-time")(_is_rfc3339_datetime)
        self._format_checker.checks("date")(_is_date)
        self.spec = spec
        self.operations = operation_index(spec)
        self._validators = {}

    def _validator(self, key, schema):
        if key not in self._validators:
            # $refs point at #/components/…: give the schema the document's components as root.
            document = dict(schema, components=self.spec.get("components", {}))
            self._validators[key] = self._jsonschema.Draft202012Validator(
                document, format_checker=self._format_checker
            )
        return self._validators[key]

    def _schema_errors(self, code, direction, key, schema, instance):
        found = []
        for error in self._validator(key, schema).iter_errors(instance):
            where = "/".join(str(step) for step in error.absolute_path)
            found.append(
                _violation(
                    code,
                    direction,
                    where,
                    "/".join(str(s) for s in error.absolute_schema_path),
                    error.message[:300],
                )
            )
        return found

    # ------------------------------------------------------------------
    # REQUESTS
    # ------------------------------------------------------------------

    def check_request(self, code, request):
        return [found for found in self._request_violations(code, request) if not allowed(found)]

    def check_response(self, code, request, response):
        return [found for found in self._response_violations(code, response) if not allowed(found)]

    def _request_violations(self, code, request):
        if code not in self.operations:
            return [_violation(code, "request", request.path, "", "operation not in the spec")]
        _method, _path, operation = self.operations[code]
        found = self._check_parameters(code, operation, request)
        found += self._check_request_body(code, operation, request)
        return found

    def _check_parameters(self, code, operation, request):
        found = []
        declared = {p["name"]: p for p in operation.get("parameters", []) if p.get("in") == "query"}
        style = pagination_style(operation)
        implicit = (
            OFFSET_PARAMETERS
            if style == "offset"
            else SEEK_PARAMETERS
            if style == "seek"
            else set()
        )
        for name, values in request.query.items():
            if name not in declared:
                if name not in implicit:
                    found.append(
                        _violation(
                            code,
                            "request",
                            "query/" + name,
                            "parameters",
                            "parameter '%s' is not defined for %s" % (name, code),
                        )
                    )
                continue
            schema = _resolve(self.spec, declared[name].get("schema", {}))
            for value in values:
                problem = _parameter_problem(self.spec, schema, value)
                if problem:
                    found.append(
                        _violation(
                            code, "request", "query/" + name, "parameters/%s/schema" % name, problem
                        )
                    )
        for name, parameter in declared.items():
            if parameter.get("required") and name not in request.query:
                found.append(
                    _violation(
                        code,
                        "request",
                        "query/" + name,
                        "parameters/%s/required" % name,
                        "required parameter '%s' is missing" % name,
                    )
                )
        for parameter in operation.get("parameters", []):
            if parameter.get("in") == "path" and parameter["name"] in request.path_params:
                schema = _resolve(self.spec, parameter.get("schema", {}))
                problem = _parameter_problem(
                    self.spec, schema, request.path_params[parameter["name"]]
                )
                if problem:
                    found.append(
                        _violation(
                            code,
                            "request",
                            "path/" + parameter["name"],
                            "parameters/%s/schema" % parameter["name"],
                            problem,
                        )
                    )
        return found

    def _check_request_body(self, code, operation, request):
        body_spec = operation.get("requestBody")
        if not body_spec:
            if request.body:
                return [
                    _violation(
                        code, "request", "body", "requestBody", "the operation takes no body"
                    )
                ]
            return []
        if not request.body:
            if body_spec.get("required") or _has_required(self.spec, body_spec):
                return [_violation(code, "request", "body", "requestBody", "a body is required")]
            return []
        content = body_spec.get("content", {})
        media = request.content_type
        if media not in content:
            return [
                _violation(
                    code,
                    "request",
                    "body",
                    "requestBody/content",
                    "content type '%s' not in %s" % (media, sorted(content)),
                )
            ]
        schema = content[media].get("schema", {})
        if media == "application/json":
            try:
                instance = json.loads(request.body)
            except ValueError as error:
                return [
                    _violation(code, "request", "body", "requestBody", "malformed JSON: %s" % error)
                ]
            return self._schema_errors(code, "request", (code, "request"), schema, instance)
        if media == "multipart/form-data":
            return self._check_form(code, request, _resolve(self.spec, schema))
        return []

    def _check_form(self, code, request, schema):
        from .multipart import form_fields
        from .web import ApiError

        try:
            fields = form_fields(request)
        except ApiError as error:
            return [_violation(code, "request", "body", "requestBody", error.message)]
        found = []
        properties = schema.get("properties", {})
        for name in fields:
            if name not in properties:
                found.append(
                    _violation(
                        code,
                        "request",
                        "body/" + name,
                        "requestBody/properties",
                        "form part '%s' is not defined for %s" % (name, code),
                    )
                )
        for name in schema.get("required", []):
            if name not in fields:
                found.append(
                    _violation(
                        code,
                        "request",
                        "body/" + name,
                        "requestBody/required",
                        "required form part '%s' is missing" % name,
                    )
                )
        for name, parts in fields.items():
            part_schema = _resolve(self.spec, properties.get(name, {}))
            items = _resolve(self.spec, part_schema.get("items", {}))
            if part_schema.get("type") == "array" and items.get("format") == "binary":
                continue  # an array of files is sent as repeated binary parts, not as JSON
            for part in parts:
                if part_schema.get("type") in ("object", "array"):
                    try:
                        instance = json.loads(part.content)
                    except ValueError:
                        found.append(
                            _violation(
                                code,
                                "request",
                                "body/" + name,
                                "requestBody",
                                "form part '%s' is not JSON" % name,
                            )
                        )
                        continue
                    found += self._schema_errors(
                        code, "request", (code, "part", name), part_schema, instance
                    )
                elif part_schema.get("format") != "binary" and part_schema.get("type"):
                    problem = _parameter_problem(
                        self.spec, part_schema, part.content.decode("utf-8", "replace")
                    )
                    if problem:
                        found.append(
                            _violation(
                                code, "request", "body/" + name, "requestBody/" + name, problem
                            )
                        )
        return found

    # ------------------------------------------------------------------
    # RESPONSES
    # ------------------------------------------------------------------

    def _response_violations(self, code, response):
        if code not in self.operations or response.status >= 400:
            # The spec declares no error bodies (reference §1.4), so there is nothing to compare.
            return []
        _method, _path, operation = self.operations[code]
        declared = operation.get("responses", {})
        spec_response = declared.get(str(response.status))
        if spec_response is None:
            return [
                _violation(
                    code,
                    "response",
                    "status",
                    "responses",
                    "status %s not declared (declared: %s)" % (response.status, sorted(declared)),
                )
            ]
        content = spec_response.get("content") or {}
        if not content:
            if response.body:
                return [
                    _violation(
                        code,
                        "response",
                        "body",
                        "responses/%s" % response.status,
                        "the spec declares no body for %s" % response.status,
                    )
                ]
            return []
        media = response.headers.get("Content-Type", "").split(";")[0].strip()
        if media not in content:
            return [
                _violation(
                    code,
                    "response",
                    "body",
                    "responses/%s/content" % response.status,
                    "content type '%s' not in %s" % (media, sorted(content)),
                )
            ]
        if media != "application/json":
            return []
        schema = content[media].get("schema", {})
        key = (code, "response", response.status)
        return self._schema_errors(code, "response", key, schema, json.loads(response.body))


RFC3339_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _is_rfc3339_datetime(value):
    return not isinstance(value, str) or bool(RFC3339_DATETIME.match(value))


def _is_date(value):
    return not isinstance(value, str) or bool(re.match(r"^\d{4}-\d{2}-\d{2}$", value))


def _violation(code, direction, where, schema_path, message):
    return {
        "operation": code,
        "direction": direction,
        "where": where,
        "schema_path": schema_path,
        "message": message,
    }


def allowed(violation):
    """True when the violation is one of the documented ALLOWED_DEVIATIONS."""
    return any(
        violation["operation"] == code
        and re.search(where, violation["where"])
        and re.search(schema_path, violation["schema_path"])
        and re.search(message, violation["message"])
        for code, where, schema_path, message, _reason in ALLOWED_DEVIATIONS
    )


def _resolve(spec, schema):
    while isinstance(schema, dict) and "$ref" in schema:
        node = spec
        for step in schema["$ref"].lstrip("#/").split("/"):
            node = node[step]
        schema = node
    return schema


def _has_required(spec, body_spec):
    for media in body_spec.get("content", {}).values():
        if _resolve(spec, media.get("schema", {})).get("required"):
            return True
    return False


def _parameter_problem(spec, schema, value):
    """Why a query/path/form value does not fit its schema, or None.

    Mirakl documents comma-separated lists in single string parameters (reference §1.8), so
    enumerated strings are checked item by item.
    """
    kind = schema.get("type")
    if kind == "array":
        schema = _resolve(spec, schema.get("items", {}))
        kind = schema.get("type")
    items = value.split(",") if schema.get("enum") else [value]
    for item in items:
        if kind == "integer":
            try:
                int(item)
            except ValueError:
                return "'%s' is not an integer" % item
        elif kind == "number":
            try:
                float(item)
            except ValueError:
                return "'%s' is not a number" % item
        elif kind == "boolean" and item not in ("true", "false"):
            return "'%s' is not a boolean (true/false)" % item
        if schema.get("format") == "date-time" and kind == "string":
            try:
                parse_datetime(item)
            except ValueError:
                return "'%s' is not an ISO-8601 date-time" % item
        if schema.get("enum") and item not in schema["enum"]:
            return "'%s' is not one of %s" % (item, schema["enum"])
    return None
