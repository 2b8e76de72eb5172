"""Signed, expiring links for email: verify an address, reset a password.

A token is ``django.core.signing`` over ``{user id, issued at, fingerprint}`` with a salt
per purpose (a verification token never resets a password). The fingerprint is an HMAC of
the account state the link may act on, so a link dies once it has been used:

- verification: the email address (a changed address needs a new link);
- password reset (and the invitation to set one): the password hash and the last sign-in
  (Django's own rule: a new password, or signing in, spends every reset link sent before).

Time is passed in (``now``), so tests expire links without waiting.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from midas.accounts.models import User
from midas.errors import AppError, ErrorCode

VERIFY_EMAIL_MAX_AGE = dt.timedelta(days=3)
PASSWORD_RESET_MAX_AGE = dt.timedelta(hours=1)
# an account brought over from the old site without a password (it signed in with Google)
# is invited to choose one: the invitation waits longer than a reset someone asked for
SET_PASSWORD_MAX_AGE = dt.timedelta(days=14)


@dataclass(frozen=True)
class LinkToken:
    purpose: str
    max_age: dt.timedelta

    @property
    def salt(self) -> str:
        return f"midas.accounts.{self.purpose}"

    def fingerprint(self, user: User) -> str:
        if self.purpose == "verify_email":
            state = user.email
        else:
            login = user.last_login.replace(microsecond=0, tzinfo=None) if user.last_login else ""
            state = f"{user.password}|{login}|{user.email}"
        return salted_hmac(self.salt, state, algorithm="sha256").hexdigest()[:20]

    def make(self, user: User, *, now: dt.datetime) -> str:
        payload = {"u": user.pk, "t": int(now.timestamp()), "f": self.fingerprint(user)}
        return signing.dumps(payload, salt=self.salt, compress=False)

    def read(self, token: str, *, now: dt.datetime) -> tuple[User, bool]:
        """The user the token was made for, and whether it still matches their account
        (``False`` once used). Raises ``invalid_input`` for a tampered or expired link."""
        try:
            payload = signing.loads(token, salt=self.salt)
            user_id, issued, print_ = int(payload["u"]), int(payload["t"]), str(payload["f"])
        except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
            raise AppError(
                ErrorCode.INVALID_INPUT, "This link is not valid.", field="token"
            ) from exc
        if now.timestamp() - issued > self.max_age.total_seconds():
            raise AppError(ErrorCode.INVALID_INPUT, "This link has expired.", field="token")
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            raise AppError(ErrorCode.INVALID_INPUT, "This link is not valid.", field="token")
        return user, constant_time_compare(print_, self.fingerprint(user))


VERIFY_EMAIL = LinkToken("verify_email", VERIFY_EMAIL_MAX_AGE)
PASSWORD_RESET = LinkToken("password_reset", PASSWORD_RESET_MAX_AGE)
SET_PASSWORD = LinkToken("set_password", SET_PASSWORD_MAX_AGE)
