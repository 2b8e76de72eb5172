"""The gate's own pages under ``/launch/`` (never gated): the opening-soon page, the waitlist
form, an invitation code or link, and the beta feedback form. Thin: parse, call a service,
render. No JavaScript: forms POST and come back."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from midas.accounts.ratelimit import Limit, by_ip
from midas.errors import STATUS_BY_CODE, AppError
from midas.launch.access import invites as access_invites
from midas.launch.access import services
from midas.launch.middleware import read_token, write_token
from midas.launch.models import Invite
from midas.launch.templatetags.launch_access import NOTE_KEY

WAITLIST_LIMIT = Limit("launch_waitlist", limit=10, window=600)  # per address
CODE_LIMIT = Limit("launch_invite_code", limit=10, window=600)  # guessing codes: per address
GATE_TEMPLATE = "launch/gate_page.html"
INVITE_TEMPLATE = "launch/access_invite.html"
SESSION_KEY = "launch_invite"  # set on redemption: an invitee has a session (never cached)


def _safe_next(request: HttpRequest, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or fallback
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) and target.startswith("/"):
        return target
    return fallback


def _page(
    request: HttpRequest,
    template: str,
    context: dict,
    status: int = 200,
    error: AppError | None = None,
) -> HttpResponse:
    response = render(request, template, {"next": _safe_next(request), **context}, status=status)
    if error is not None and error.retry_after:
        response["Retry-After"] = str(error.retry_after)
    add_never_cache_headers(response)
    return response


def gate(request: HttpRequest) -> HttpResponse:
    """The opening-soon page itself (what a turned-away visitor sees, at its own address)."""
    return _page(request, GATE_TEMPLATE, {"message": ""})


@require_POST
def waitlist(request: HttpRequest) -> HttpResponse:
    try:
        WAITLIST_LIMIT.hit(by_ip(request))
        _, created = services.waitlist_join(
            email=request.POST.get("email", ""), path=_safe_next(request)
        )
    except AppError as exc:
        return _page(
            request,
            GATE_TEMPLATE,
            {"waitlist_error": exc.message, "email": request.POST.get("email", "")},
            status=STATUS_BY_CODE.get(exc.code, 400),
            error=exc,
        )
    notice = (
        "You are on the list. We will write to you the moment the doors open."
        if created
        else "You are already on the list: we will write to you the moment the doors open."
    )
    return _page(request, GATE_TEMPLATE, {"notice": notice})


def _redeem(request: HttpRequest, code: str) -> HttpResponse:
    from midas.launch.access.admission import Gate
    from midas.launch.state.selectors import launch_state

    token = read_token(request) or services.VisitorToken.new(Gate.of(launch_state()).salt)
    invite, token = access_invites.invite_redeem(
        code=code, token=token, user=request.user, now=timezone.now()
    )
    request.session[SESSION_KEY] = invite.pk
    response = redirect(_safe_next(request))
    write_token(response, token)
    return response


@require_POST
def invite_code(request: HttpRequest) -> HttpResponse:
    code = request.POST.get("code", "")
    try:
        CODE_LIMIT.hit(by_ip(request))
        return _redeem(request, code)
    except AppError as exc:
        return _page(
            request,
            GATE_TEMPLATE,
            {"invite_error": exc.message, "code": code},
            status=STATUS_BY_CODE.get(exc.code, 400),
            error=exc,
        )


@require_http_methods(["GET", "POST"])
def invite_link(request: HttpRequest, signed: str) -> HttpResponse:
    """GET shows the invitation with a button; POST redeems it. (A GET never uses it: mail
    scanners open links, and must not spend a single-use invitation.)"""
    try:
        code = access_invites.invite_code_of(signed)
        invite: Invite = access_invites.invite_get(code)
        if request.method == "POST":
            return _redeem(request, code)
    except AppError as exc:
        return _page(
            request,
            INVITE_TEMPLATE,
            {"error": exc.message},
            status=STATUS_BY_CODE.get(exc.code, 400),
        )
    return _page(request, INVITE_TEMPLATE, {"invite": invite, "signed": signed})


def feedback_allowed(request: HttpRequest) -> bool:
    """Beta testers, staff and holders of a valid invitation may send feedback."""
    user = request.user
    if user.is_authenticated and (user.is_beta or user.is_staff):
        return True
    token = read_token(request)
    return bool(
        token
        and token.invite_id
        and Invite.objects.filter(pk=token.invite_id, revoked_at__isnull=True).exists()
    )


@require_POST
def feedback(request: HttpRequest) -> HttpResponse:
    back = _safe_next(request)
    if not feedback_allowed(request):
        return _page(
            request, GATE_TEMPLATE, {"message": "Feedback is for our beta guests."}, status=403
        )
    try:
        services.feedback_submit(
            user=request.user,
            rating=request.POST.get("rating"),
            comment=request.POST.get("comment", ""),
            path=back,
        )
    except AppError as exc:
        request.session[NOTE_KEY] = f"Your feedback was not sent: {exc.message}"
        return redirect(back)
    request.session[NOTE_KEY] = "Thank you for your feedback."
    return redirect(back)
