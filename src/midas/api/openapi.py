"""What every operation's schema says beyond its own declaration, so the OpenAPI document
states all that the server enforces and every answer it can give (``MidasAPI`` applies it).

- Answers any operation can give, whatever its router declares: ``503`` (maintenance, a
  feature switched off, the launch's access gate holding a visitor back) and ``403`` (the
  gate closed to the visitor, a session without its CSRF token); ``400`` where there is
  input; ``413`` and ``415`` where there is a body. ``429`` and ``503`` carry
  ``Retry-After``.
- Query parameters that go together (``start`` and ``end`` of ``GET /assets``): OpenAPI
  can say nothing across parameters, so an operation naming such a rule with
  ``openapi_extra={DEPENDENT_REQUIRED: {...}}`` has its query parameters stated as one
  form-exploded object (the same query string on the wire) whose schema carries the JSON
  Schema ``dependentRequired``.
"""

from __future__ import annotations

import http
from typing import Any

from midas.api.schemas import ErrorOut

DEPENDENT_REQUIRED = "x-dependent-required"
ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}

RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }
}
WHY = {
    400: "invalid_input: the input does not match this schema (field names the culprit)",
    403: "forbidden: the launch's access gate is closed to this visitor, or a signed-in "
    "session sent no CSRF token",
    413: "payload_too_large: the body is over 2.5 MB",
    415: "unsupported_media_type: the body is not sent as application/json",
    429: "rate_limited or account_locked: too many attempts",
    503: "maintenance, a feature switched off or the launch's access gate holding visitors "
    "back: try again later",
}


def complete(schema: dict[str, Any]) -> dict[str, Any]:
    """Add to ``schema`` (ninja's document, changed in place and returned) what no single
    router says."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ErrorOut", ErrorOut.model_json_schema())
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            if method in HTTP_METHODS:
                _complete_operation(operation)
    return schema


def _complete_operation(operation: dict[str, Any]) -> None:
    together = operation.pop(DEPENDENT_REQUIRED, None)
    if together:
        _fold_query(operation, together)
    responses = operation.setdefault("responses", {})
    statuses = {403, 503}
    if operation.get("parameters") or "requestBody" in operation:
        statuses.add(400)
    if "requestBody" in operation:
        statuses |= {413, 415}
    for status in statuses:
        if status not in responses and str(status) not in responses:
            responses[status] = _error_response(status)
    for status in (429, 503):
        response = responses.get(status) or responses.get(str(status))
        if response is not None:
            response.setdefault("headers", {}).update(RETRY_AFTER)
    ordered = sorted(responses.items(), key=lambda item: int(item[0]))
    responses.clear()
    responses.update(ordered)


def _error_response(status: int) -> dict[str, Any]:
    return {
        "description": WHY.get(status, http.HTTPStatus(status).phrase),
        "content": {"application/json": {"schema": ERROR_REF}},
    }


def _fold_query(operation: dict[str, Any], together: dict[str, list[str]]) -> None:
    """State the operation's query parameters as one form-exploded object with
    ``dependentRequired``: ``?start=..&end=..`` on the wire as before."""
    query = [p for p in operation.get("parameters", []) if p.get("in") == "query"]
    properties: dict[str, Any] = {}
    required: list[str] = []
    for parameter in query:
        properties[parameter["name"]] = _not_null(parameter.get("schema", {}))
        if parameter.get("required"):
            required.append(parameter["name"])
    folded: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "dependentRequired": together,
    }
    if required:
        folded["required"] = required
    rest = [p for p in operation.get("parameters", []) if p.get("in") != "query"]
    operation["parameters"] = [
        *rest,
        {
            "in": "query",
            "name": "filters",
            "style": "form",
            "explode": True,
            "required": bool(required),
            "description": "The query parameters; "
            + "; ".join(f"{name} needs {' and '.join(needs)}" for name, needs in together.items()),
            "schema": folded,
        },
    ]


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter's schema without pydantic's ``null`` branch (a query string has no
    null: the parameter is left out)."""
    branches = schema.get("anyOf")
    if not branches:
        return dict(schema)
    kept = [branch for branch in branches if branch.get("type") != "null"]
    rest = {key: value for key, value in schema.items() if key != "anyOf"}
    if len(kept) == 1:
        return {**kept[0], **rest}
    return {**rest, "anyOf": kept}
