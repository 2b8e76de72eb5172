"""The pass our own traffic carries (the SLO probes, smoke runs), so that an access gate lets
it through and it is never taken for a customer's.

A request is synthetic when its ``X-Smoke-Token`` header holds ``SMOKE_TOKEN`` (compared in
constant time; never true when unset) or a fresh ``visitor_pass()``: a short-lived value
signed with this deployment's ``SECRET_KEY``, for runs against this deployment with no
``SMOKE_TOKEN`` set.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.core import signing
from django.http import HttpRequest

HEADER = "X-Smoke-Token"
VISITOR_SALT = "midas.synthetic.pass"
VISITOR_PASS_MAX_AGE = 900  # seconds: longer than any run


def token_matches(presented: str) -> bool:
    """Constant-time comparison with ``SMOKE_TOKEN``; never true when it is unset."""
    expected = settings.SMOKE_TOKEN or ""
    return bool(expected) and hmac.compare_digest(presented.encode(), expected.encode())


def visitor_pass() -> str:
    return signing.TimestampSigner(salt=VISITOR_SALT).sign("smoke")


def synthetic_pass() -> dict[str, str]:
    """The header to send: ``SMOKE_TOKEN`` when set, else a fresh ``visitor_pass()``."""
    return {HEADER: settings.SMOKE_TOKEN or visitor_pass()}


def is_synthetic_request(request: HttpRequest) -> bool:
    presented = request.headers.get(HEADER, "").strip()
    if not presented:
        return False
    if token_matches(presented):
        return True
    try:
        value = signing.TimestampSigner(salt=VISITOR_SALT).unsign(
            presented, max_age=VISITOR_PASS_MAX_AGE
        )
    except signing.BadSignature:  # SignatureExpired included
        return False
    return value == "smoke"
