"""The launch's access gate (docs/explanation/launch-bucketing.md).

``AccessGateMiddleware`` sits right after maintenance mode (after authentication: staff
pass). When the gate is public at 100 % with no capacity cap it returns at once and costs no
query (the launch state is remembered per process). Otherwise it reads the signed visitor
cookie (``LAUNCH_VISITOR_COOKIE``: the visitor id, bucket and the gate's last answer), asks
``access.services.visitor_admit`` (which writes at most once per visitor every few minutes),
sets ``request.visitor`` and either lets the request through or answers with the branded
opening-soon page: 503 + Retry-After while waiting for the ramp or capacity, 403 when the
gate is closed to the visitor; JSON ``{"code": "launch_gate", ...}`` under ``/api/``; never
cached.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from midas.core.synthetic import is_synthetic_request
from midas.launch.access.admission import Decision, Gate, never_gated

logger = logging.getLogger(__name__)

COOKIE_SALT = "midas.launch.visitor"
COOKIE_MAX_AGE = 365 * 24 * 3600
RETRY_AFTER = {"ramp": 600, "capacity": 120}
MESSAGES = {
    "closed": "We are putting the finishing touches to Midas. The doors open very soon.",
    "beta_only": "Midas is open to our beta guests for now. The doors open to everyone soon.",
    "invite_only": "Midas is open by invitation for now. The doors open to everyone soon.",
    "ramp": "We are letting guests in a few at a time. Please come back in a little while.",
    "capacity": "We are welcoming as many guests as we can. Please try again in a minute.",
}


def read_token(request: HttpRequest):
    """The visitor cookie's token, or None (absent, tampered with, or from an old format)."""
    from midas.launch.access.services import VisitorToken

    raw = request.COOKIES.get(settings.LAUNCH_VISITOR_COOKIE)
    if not raw:
        return None
    try:
        data = signing.loads(raw, salt=COOKIE_SALT)
        return VisitorToken(
            visitor_id=str(data["v"]),
            bucket=int(data["b"]),
            state=str(data.get("s", "")),
            reason=str(data.get("r", "")),
            invite_id=data.get("i"),
            user_id=data.get("u"),
            recorded_at=int(data.get("t", 0)),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def write_token(response: HttpResponse, token) -> None:
    value = signing.dumps(
        {
            "v": token.visitor_id,
            "b": token.bucket,
            "s": token.state,
            "r": token.reason,
            "i": token.invite_id,
            "u": token.user_id,
            "t": token.recorded_at,
        },
        salt=COOKIE_SALT,
        compress=True,
    )
    response.set_cookie(
        settings.LAUNCH_VISITOR_COOKIE,
        value,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def gate_response(request: HttpRequest, decision: Decision) -> HttpResponse:
    """The opening-soon answer for a visitor the gate does not admit."""
    waiting = decision.state == "waiting"
    status = 503 if waiting else 403
    message = MESSAGES.get(decision.reason, MESSAGES["closed"])
    if request.path_info.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {
                "code": "launch_gate",
                "message": message,
                "state": decision.state,
                "reason": decision.reason,
            },
            status=status,
        )
    else:
        html = render_to_string(
            "launch/gate_page.html",
            {"message": message, "decision": decision, "next": request.get_full_path()},
            request=request,
        )
        response = HttpResponse(html, status=status)
    if waiting:
        response["Retry-After"] = str(RETRY_AFTER.get(decision.reason, 600))
    response["X-Launch-Gate"] = f"{decision.state}:{decision.reason}"
    add_never_cache_headers(response)
    return response


def bearer_user(request: HttpRequest):
    """The account of an API bearer token (``Authorization: Bearer ...`` under ``/api/``), so
    a beta tester's app passes and an API client keeps its account's bucket without cookies.
    One read; the API authenticates the token again (and records its use) itself."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not request.path_info.startswith("/api/") or not header.startswith("Bearer "):
        return None
    from midas.accounts.selectors import api_token_by_secret

    secret = header.removeprefix("Bearer ").strip()
    if not secret or len(secret) > 100:
        return None
    token = api_token_by_secret(secret)
    if token is None or not token.is_usable(timezone.now()):
        return None
    return token.user


class AccessGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if never_gated(request.path_info):
            return self.get_response(request)
        from midas.launch.state.selectors import launch_state

        gate = Gate.of(launch_state())
        if gate.wide_open:
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            user = bearer_user(request) or user
        if user is not None and user.is_authenticated and user.is_staff:
            return self.get_response(request)
        if is_synthetic_request(request):  # `midas smoke`, the probes (launch-smoke.md)
            return self.get_response(request)
        from midas.launch.access.services import visitor_admit

        before = read_token(request)
        token, decision = visitor_admit(gate=gate, token=before, user=user, now=timezone.now())
        request.visitor = token
        request.launch_decision = decision
        if decision.admitted:
            response = self.get_response(request)
        else:
            response = gate_response(request, decision)
        if token != before:
            write_token(response, token)
        return response
