"""Reads on accounts."""

from __future__ import annotations

import hashlib

from django.db.models import QuerySet

from midas.accounts.models import ApiToken, User


def user_by_email(email: str) -> User | None:
    """The account of ``email`` (addresses are stored lower-cased), or None."""
    return User.objects.filter(email=email.strip().lower()).first()


def api_token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_by_secret(secret: str) -> ApiToken | None:
    """The token row of a bearer secret (looked up by its SHA-256), with its user."""
    return ApiToken.objects.select_related("user").filter(key_hash=api_token_hash(secret)).first()


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True)
