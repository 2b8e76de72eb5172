"""Every failure of the API answers the same JSON shape: ``{"code", "message", "field"?}``.

Business rules raise ``midas.errors.AppError``; what ninja raises (bad input, unparsable
bodies), Django's 404 and 405, unknown paths under the API and unexpected crashes are all
mapped here, in one place, so no client ever sees an HTML page or a bare traceback.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError
from ninja.parser import Parser

from midas.errors import AppError, ErrorCode
from midas.ops.unavailable import dependency_down, unavailable_response

logger = logging.getLogger("midas.api")


class ProtocolCode(StrEnum):
    """HTTP-level failures that are not business rules (so not in ``ErrorCode``)."""

    METHOD_NOT_ALLOWED = "method_not_allowed"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    INTERNAL_ERROR = "internal_error"


CODE_BY_STATUS: dict[int, str] = {
    400: ErrorCode.INVALID_INPUT,
    404: ErrorCode.NOT_FOUND,
    405: ProtocolCode.METHOD_NOT_ALLOWED,
    413: ProtocolCode.PAYLOAD_TOO_LARGE,
    415: ProtocolCode.UNSUPPORTED_MEDIA_TYPE,
}
BODY_WRAPPERS = {"payload", "ninja_pagination"}  # parameter names ninja puts in a location


def error_body(code: str, message: str, field: str | None = None) -> dict[str, str]:
    body = {"code": str(code), "message": message}
    if field:
        body["field"] = field
    return body


class UnsupportedMediaTypeError(ValueError):
    pass


class NotAnObjectError(ValueError):
    pass


class JsonParser(Parser):
    """ninja's parser, refusing bodies that do not say they are JSON, and JSON that is not
    an object: every body of this API is one (a list, a string, a number or ``null`` would
    otherwise be read as an object with no fields, and its defaults taken as sent)."""

    def parse_body(self, request: HttpRequest) -> Any:
        media_type = request.content_type or ""
        if media_type != "application/json" and not media_type.endswith("+json"):
            raise UnsupportedMediaTypeError(media_type)
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise NotAnObjectError(type(data).__name__)
        return data


def field_of(location: Sequence[Any]) -> str | None:
    """The dotted field of an error location: ``("body", "payload", "extras", 0)`` →
    ``"extras.0"``, ``("query", "limit")`` → ``"limit"``."""
    parts = [str(part) for part in location[1:]]
    while parts and parts[0] in BODY_WRAPPERS:
        parts = parts[1:]
    return ".".join(parts) or None


def install(api: NinjaAPI) -> None:
    """Register the handlers on ``api`` (most specific exception class wins)."""

    def respond(request: HttpRequest, body: dict[str, str], status: int) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(AppError)
    def app_error(request: HttpRequest, exc: AppError) -> HttpResponse:
        response = respond(request, exc.as_dict(), exc.status)
        if exc.retry_after:
            response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(ValidationError)
    def invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        first = exc.errors[0] if exc.errors else {}
        location = first.get("loc", ())
        field = field_of(location)
        message = str(first.get("msg", "invalid input"))
        if first.get("type") == "value_error":  # a rule of the schema's own, e.g. PayIn's
            message = message.removeprefix("Value error, ")
        if field:
            message = f"{field}: {message}"
        elif first.get("type") == "value_error":
            pass
        elif location and location[0] == "body":
            message = f"the JSON body is missing or malformed: {message}"
        return respond(request, error_body(ErrorCode.INVALID_INPUT, message, field), 400)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status, message = exc.status_code, exc.message
        if isinstance(exc.__cause__, UnsupportedMediaTypeError):
            status, message = 415, "send the body as JSON with Content-Type: application/json"
        elif isinstance(exc.__cause__, NotAnObjectError):
            message = "the request body must be a JSON object ({...})"
        elif status == 400 and exc.__cause__ is not None:
            message = "the request body is not valid JSON"
        code = CODE_BY_STATUS.get(status, f"http_{status}")
        return respond(request, error_body(code, message), status)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, error_body(ErrorCode.NOT_FOUND, "not found"), 404)

    @api.exception_handler(SuspiciousOperation)
    def refused(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        # too big a body, too many query fields: Django's own 400s, kept in our shape
        status = 413 if isinstance(exc, RequestDataTooBig) else 400
        return respond(request, error_body(CODE_BY_STATUS[status], str(exc)), status)

    @api.exception_handler(Exception)
    def crash(request: HttpRequest, exc: Exception) -> HttpResponse:
        kind = dependency_down(exc)
        if kind is not None:  # a 503 with Retry-After, logged once a minute
            return unavailable_response(request, kind, exc)
        logger.error("API error on %s %s", request.method, request.path, exc_info=exc)
        body = error_body(ProtocolCode.INTERNAL_ERROR, "something went wrong on our side")
        return respond(request, body, 500)


def json_method_not_allowed(view: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the plain-text 405 ninja answers for an unrouted method into the JSON shape."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allow = response.get("Allow", "")
            body = error_body(
                ProtocolCode.METHOD_NOT_ALLOWED, f"{request.method} is not allowed here"
            )
            response = JsonResponse(body, status=405)
            if allow:
                response["Allow"] = allow
        return response

    return wrapper


@csrf_exempt
def api_index(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return JsonResponse(
        {"name": "Midas API", "version": "1", "openapi": request.path + "openapi.json"}
    )


@csrf_exempt
def unknown_path(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    body = error_body(ErrorCode.NOT_FOUND, f"no API endpoint at {request.path}")
    return JsonResponse(body, status=404)
