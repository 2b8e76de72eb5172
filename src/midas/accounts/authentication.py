"""Signing in: the password check behind the login page and the API token endpoint, and
API tokens.

Both paths share the same guard: a rate limit per client address, and the lockout of
``ratelimit.LOGIN_LOCKOUT`` (per account and address, and per address; never the account
alone). Only verified addresses may sign in.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from midas.accounts import ratelimit, selectors, signals
from midas.accounts.models import ApiToken, User
from midas.core.audit import audit
from midas.errors import AppError, ErrorCode

API_TOKEN_LIFETIME = dt.timedelta(days=30)
API_TOKEN_PREFIX = "mds_"  # noqa: S105 (a label, not a secret)
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)  # at most one write per token per minute


def check_credentials(
    *, request: HttpRequest, email: str, password: str, limit: ratelimit.Limit
) -> User:
    """The active, verified account ``email`` + ``password`` name, or raise:
    ``rate_limited`` / ``account_locked`` (429 with Retry-After), ``invalid_credentials``
    (the same answer for an unknown address and a wrong password), ``email_not_verified``
    (only once the password is right, so it tells nothing to a stranger)."""
    ip = ratelimit.client_ip(request)
    email = email.strip().lower()
    limit.hit("ip:" + ip)
    ratelimit.LOGIN_LOCKOUT.check(email, ip)
    # Django's backend hashes the password for unknown addresses too (no timing tell)
    user = authenticate(request, email=email, password=password)
    if user is None:
        for scope in ratelimit.LOGIN_LOCKOUT.failed(email, ip):
            signals.signin_locked.send(sender=check_credentials, email=email, ip=ip, scope=scope)
        audit("accounts.user.login_failed", actor="anonymous", ip=ip)
        raise AppError(
            ErrorCode.INVALID_CREDENTIALS, "The email address or password is not correct."
        )
    ratelimit.LOGIN_LOCKOUT.succeeded(email, ip)
    if not user.is_email_verified:
        raise AppError(
            ErrorCode.EMAIL_NOT_VERIFIED,
            "Please confirm your email address first: open the link we sent you.",
            field="email",
        )
    signals.signed_in.send(sender=check_credentials, user=user, ip=ip)
    return user


@transaction.atomic
def api_token_issue(
    *, user: User, name: str = "", now: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """A new bearer token for ``user``: the row, and the secret (shown once, never
    stored: the row keeps its SHA-256)."""
    now = now or timezone.now()
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        key_hash=selectors.api_token_hash(secret),
        prefix=secret[:12],
        name=name[:80],
        expires_at=now + API_TOKEN_LIFETIME,
    )
    audit("accounts.api_token.issued", actor=user, obj=token, user=user.pk)
    return token, secret


def api_token_authenticate(*, secret: str, now: dt.datetime | None = None) -> ApiToken | None:
    """The token of a bearer secret (its user at ``.user``), or None when it is unknown,
    expired, revoked or its user inactive. Records when it was last used (once a minute)."""
    now = now or timezone.now()
    if not secret.startswith(API_TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = selectors.api_token_by_secret(secret)
    if token is None or not token.is_usable(now):
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


@transaction.atomic
def api_token_revoke(
    *, token: ApiToken, by: User | None = None, now: dt.datetime | None = None
) -> None:
    """Revoke ``token``; ``by``: the account that does it (its owner when not given)."""
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.save(update_fields=["revoked_at"])
        actor = by if by is not None else f"user:{token.user_id}"
        audit("accounts.api_token.revoked", actor=actor, obj=token, user=token.user_id)
