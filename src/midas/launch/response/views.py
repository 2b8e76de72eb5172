"""The response's one door from outside: PagerDuty's webhook (``/launch/pagerduty/webhook``).

No session, no CSRF token: the ``X-PagerDuty-Signature`` is the authentication. The raw body
is read once, at most ``MAX_BODY`` + 1 bytes, and handed to
``pagerduty_webhook.pagerduty_webhook_receive``; its refusals become ``{"code", "message"}``
with their status (401 ``invalid_signature``, 400 ``invalid_input``, 404 while
``PAGERDUTY_WEBHOOK_SECRET`` is unset); anything handled is a 200 ``{"status": ...}``.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from midas.errors import AppError, ErrorCode
from midas.launch.response.pagerduty_webhook import (
    MAX_BODY,
    pagerduty_webhook_receive,
    webhook_secrets,
)


def _refuse(exc: AppError) -> JsonResponse:
    return JsonResponse(exc.as_dict(), status=exc.status)


@csrf_exempt
@never_cache
def pagerduty_webhook(request: HttpRequest) -> JsonResponse:
    if not webhook_secrets():
        return _refuse(AppError(ErrorCode.NOT_FOUND, "Not found."))
    if request.method != "POST":
        response = JsonResponse({"code": "method_not_allowed", "message": "POST only."}, status=405)
        response["Allow"] = "POST"
        return response
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY:  # refused unread
        return _refuse(AppError(ErrorCode.INVALID_INPUT, "The body is too large."))
    payload = request.read(MAX_BODY + 1)
    try:
        status = pagerduty_webhook_receive(
            payload=payload, signature=request.headers.get("X-PagerDuty-Signature")
        )
    except AppError as exc:
        return _refuse(exc)
    return JsonResponse({"status": status})
