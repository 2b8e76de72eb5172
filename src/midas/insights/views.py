"""The visitor's side of the analytics: the privacy page with its return-visitor choice,
and the time-on-page beacon (docs/explanation/insights.md)."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from midas.accounts.ratelimit import Limit, by_ip, client_ip
from midas.core.meta import PageMeta
from midas.core.synthetic import is_synthetic_request
from midas.errors import AppError, ErrorCode
from midas.insights import identity
from midas.insights.services import engagement_record

BEACON_LIMIT = Limit("insights_beacon", limit=120, window=60)
BEACON_MAX_BYTES = 1024


def error(code: ErrorCode, message: str, status: int, **extra: str) -> JsonResponse:
    return JsonResponse({"error": {"code": str(code), "message": message, **extra}}, status=status)


def email_provider() -> str:
    """The e-mail provider's name for the privacy policy: SendGrid when EMAIL_URL goes
    through its SMTP relay, else the SMTP server's host; nothing for the local mailbox."""
    if "smtp" not in settings.EMAIL_BACKEND:
        return ""
    host = settings.EMAIL_HOST.lower()
    return "SendGrid" if host.endswith("sendgrid.net") else host


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    meta = PageMeta(
        title="Privacy policy",
        description="What Midas keeps about you, why, for how long, who else handles it "
        "(Stripe, our e-mail provider, our hosting) and your rights, incl. deleting your account.",
        path=request.path,
    )
    return render(
        request,
        "insights/privacy.html",
        {
            "meta": meta,
            "remembered": bool(identity.rv_of(request)),
            "opted_out": identity.opted_out(request),
            "retention_days": settings.INSIGHTS_RETENTION_DAYS,
            "deposit_release_days": settings.DEPOSIT_RELEASE_DAYS,
            "backup_days": settings.BACKUP_KEEP_DAILY,
            "backup_weeks": settings.BACKUP_KEEP_WEEKLY,
            "backup_months": settings.BACKUP_KEEP_MONTHLY,
            "backups_offsite": bool(settings.BACKUP_S3_URL),
            "email_provider": email_provider(),
        },
    )


@require_POST
def return_visits(request: HttpRequest) -> HttpResponse:
    """The visitor's choice (a form on the privacy page, CSRF-protected): ``remember=yes``
    sets the ``midas_rv`` cookie, anything else removes it."""
    response = redirect("insights:privacy")
    if request.POST.get("remember") == "yes":
        value = identity.rv_of(request) or identity.new_rv()
        response.set_cookie(
            identity.RV_COOKIE,
            value,
            max_age=identity.RV_MAX_AGE,
            secure=request.is_secure(),
            httponly=True,
            samesite="Lax",
        )
    else:
        response.delete_cookie(identity.RV_COOKIE, samesite="Lax")
    return response


def same_origin(request: HttpRequest) -> bool:
    origin = request.headers.get("Origin")
    if origin is None:  # older browsers: fall back on the fetch metadata, when sent
        return request.headers.get("Sec-Fetch-Site", "same-origin") == "same-origin"
    return urlsplit(origin).netloc == request.get_host()


def _int(body: dict, key: str, *, required: bool) -> int | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise AppError(ErrorCode.INVALID_INPUT, f"'{key}' must be a whole number.", field=key)
    return value


@csrf_exempt  # a beacon carries no token; it is checked for its origin and shape instead
@require_POST
def beacon(request: HttpRequest) -> HttpResponse:
    """``POST /insights/beacon`` ``{"p": path, "t": visible ms, "l": load ms}`` → 204."""
    if not same_origin(request):
        return error(ErrorCode.FORBIDDEN, "Beacons come from this site only.", 403)
    try:
        BEACON_LIMIT.hit(by_ip(request))
    except AppError as exc:
        response = error(exc.code, exc.message, 429)
        response["Retry-After"] = str(exc.retry_after or 60)
        return response
    agent = request.headers.get("User-Agent", "")
    if len(request.body) > BEACON_MAX_BYTES:
        return error(ErrorCode.INVALID_INPUT, "The beacon is too large.", 413)
    try:
        body = json.loads(request.body or b"null")
        if not isinstance(body, dict) or not isinstance(body.get("p"), str):
            raise AppError(ErrorCode.INVALID_INPUT, "Send {p, t, l}.", field="p")
        path, visible, load = (
            body["p"],
            _int(body, "t", required=True),
            _int(body, "l", required=False),
        )
        if not settings.INSIGHTS_ENABLED:
            return HttpResponse(status=204)
        if identity.agent_class(agent)[0] or is_synthetic_request(request):
            return HttpResponse(status=204)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            return HttpResponse(status=204)
        engagement_record(
            visitor=(client_ip(request), agent), path=path, visible_ms=visible or 0, load_ms=load
        )
    except ValueError:
        return error(ErrorCode.INVALID_INPUT, "The beacon is not JSON.", 400)
    except AppError as exc:
        return error(exc.code, exc.message, exc.status, field=exc.field or "")
    return HttpResponse(status=204)
