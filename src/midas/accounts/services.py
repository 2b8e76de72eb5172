"""Writes on accounts: register, verify, passwords, profile (and, re-exported from
``eligibility.py``, the renter eligibility rule ``check_eligibility``).

The pages, the API, the admin and the CLI all call these. Each raises ``AppError`` with a
code from ``midas.errors`` and, where one input is to blame, its ``field``. Emails go
through the outbox (``email_enqueue``) inside the same transaction.
"""

from __future__ import annotations

import datetime as dt
import re

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from midas.accounts import ratelimit, selectors, tokens

# the checkout rule lives in eligibility.py; it is part of this module's contract
from midas.accounts.eligibility import age_on as age_on
from midas.accounts.eligibility import check_eligibility as check_eligibility
from midas.accounts.models import ApiToken, User
from midas.core.audit import audit
from midas.core.urls import absolute_reverse
from midas.errors import AppError, ErrorCode
from midas.notifications.services import email_enqueue

MIN_AGE = 18  # to hold an account; each asset asks its own minimum on top
OLDEST_BIRTH_YEAR = 1900
PHONE = re.compile(r"^\+?[0-9 ().-]{6,30}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")


def _site_link(name: str, **kwargs: str) -> str:
    """The absolute URL of a named page, for emails."""
    return absolute_reverse(name, **kwargs)


def _hours(delta: dt.timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    if hours % 24 == 0 and hours >= 48:
        return f"{hours // 24} days"
    return "1 hour" if hours == 1 else f"{hours} hours"


# --- Registration ---------------------------------------------------------------------------


def registration_problems(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date | None,
    phone: str = "",
    today: dt.date,
) -> dict[str, list[str]]:
    """Every problem with a registration, by field (empty when it may go ahead). The
    uniqueness of the email address is checked later, by the database."""
    problems: dict[str, list[str]] = {}
    email = email.strip().lower()
    try:
        validate_email(email)
        if len(email) > 254:
            raise ValidationError("too long")
    except ValidationError:
        problems["email"] = ["Enter a valid email address."]
    for field, value in (("first_name", first_name), ("last_name", last_name)):
        if not value.strip():
            problems[field] = ["This field is required."]
        elif len(value.strip()) > 150:
            problems[field] = ["Use at most 150 characters."]
    if phone.strip() and not PHONE.match(phone.strip()):
        problems["phone"] = ["Enter a phone number with its country code, e.g. +1 202 555 0188."]
    problems.update(_birth_problems(date_of_birth, today))
    candidate = User(email=email, first_name=first_name.strip(), last_name=last_name.strip())
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as exc:
        problems["password"] = list(exc.messages)
    return problems


def _birth_problems(born: dt.date | None, today: dt.date) -> dict[str, list[str]]:
    if born is None:
        return {"date_of_birth": ["Enter your date of birth."]}
    if born > today or born.year < OLDEST_BIRTH_YEAR:
        return {"date_of_birth": ["Enter a real date of birth."]}
    if age_on(born, today) < MIN_AGE:
        return {"date_of_birth": [f"You must be {MIN_AGE} or older to open an account."]}
    return {}


@transaction.atomic
def account_register(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date | None,
    phone: str = "",
    now: dt.datetime | None = None,
) -> User:
    """Open an unverified account and send the verification link.

    Raises ``invalid_input`` (the first problem, with its field) or ``email_taken``. Pages
    and the API do not show ``email_taken``: they call ``account_notify_existing`` and
    answer as if the account were new, so nobody learns who has an account here.
    """
    now = now or timezone.now()
    email = email.strip().lower()
    problems = registration_problems(
        email=email,
        password=password,
        first_name=first_name,
        last_name=last_name,
        date_of_birth=date_of_birth,
        phone=phone,
        today=now.date(),
    )
    if problems:
        field, messages = next(iter(problems.items()))
        raise AppError(ErrorCode.INVALID_INPUT, messages[0], field=field)
    if selectors.user_by_email(email) is not None:
        make_password(password)  # the same time as a new account: no timing tell
        raise AppError(ErrorCode.EMAIL_TAKEN, "This email address has an account.", field="email")
    user = User(
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        date_of_birth=date_of_birth,
        phone=phone.strip(),
    )
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # registered at the same instant by another request
        raise AppError(
            ErrorCode.EMAIL_TAKEN, "This email address has an account.", field="email"
        ) from exc
    _send_verification(user, now=now)
    audit("accounts.user.registered", actor=user, obj=user)
    return user


def _send_verification(user: User, *, now: dt.datetime) -> None:
    _send_link(user, "verify_email", tokens.VERIFY_EMAIL, "accounts:verify", now=now)


def _send_link(
    user: User, template: str, kind: tokens.LinkToken, url_name: str, *, now: dt.datetime
) -> None:
    """Email ``user`` a signed link of ``kind`` (verification, password reset)."""
    email_enqueue(
        to=user.email,
        template=template,
        context={
            "first_name": user.first_name,
            "url": _site_link(url_name, token=kind.make(user, now=now)),
            "valid_for": _hours(kind.max_age),
        },
        dedupe_key=f"accounts.{template}:{user.pk}:{int(now.timestamp())}",
    )


@transaction.atomic
def account_notify_existing(*, email: str, now: dt.datetime | None = None) -> None:
    """Someone tried to register with an address that has an account: tell its owner (at
    most once a day), with links to sign in or reset the password."""
    now = now or timezone.now()
    user = selectors.user_by_email(email)
    if user is None or not user.is_active:
        return
    email_enqueue(
        to=user.email,
        template="account_exists",
        context={
            "first_name": user.first_name,
            "login_url": _site_link("accounts:login"),
            "reset_url": _site_link("accounts:password_reset"),
        },
        dedupe_key=f"accounts.account_exists:{user.pk}:{now.date().isoformat()}",
    )


@transaction.atomic
def account_resend_verification(*, email: str, now: dt.datetime | None = None) -> None:
    """Send a fresh verification link to an unverified account; silently nothing for an
    unknown or verified address (the caller answers the same either way)."""
    now = now or timezone.now()
    user = selectors.user_by_email(email)
    if user is None or not user.is_active or user.is_email_verified:
        return
    try:
        ratelimit.EMAIL_LINKS_PER_ACCOUNT.hit(f"user:{user.pk}")
    except AppError:
        return  # quietly: the answer must not differ
    _send_verification(user, now=now)


@transaction.atomic
def account_verify_email(token: str, *, now: dt.datetime | None = None) -> User:
    """Mark the address verified and send the welcome email (once). Opening the link again
    is harmless. Raises ``invalid_input`` (field ``token``) for a bad or expired link."""
    now = now or timezone.now()
    user, fresh = tokens.VERIFY_EMAIL.read(token, now=now)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_email_verified:
        return user
    if not fresh:  # the address changed since the link was sent
        raise AppError(ErrorCode.INVALID_INPUT, "This link is not valid.", field="token")
    user.email_verified_at = now
    user.save(update_fields=["email_verified_at", "updated_at"])
    email_enqueue(
        to=user.email,
        template="welcome",
        context={
            "first_name": user.first_name,
            "collection_url": _site_link("web:collection"),
            "profile_url": _site_link("accounts:profile"),
        },
        dedupe_key=f"accounts.welcome:{user.pk}",
    )
    audit("accounts.user.email_verified", actor=user, obj=user)
    return user


# --- Passwords ------------------------------------------------------------------------------


@transaction.atomic
def account_request_password_reset(email: str, *, now: dt.datetime | None = None) -> None:
    """Email a reset link when ``email`` has an active account. Returns nothing either
    way: the caller gives the same answer whether or not the account exists."""
    now = now or timezone.now()
    user = selectors.user_by_email(email)
    if user is None or not user.is_active:
        return
    if not user.has_usable_password() and not user.legacy_id:  # imported accounts may
        return
    try:
        ratelimit.EMAIL_LINKS_PER_ACCOUNT.hit(f"user:{user.pk}")
    except AppError:
        return
    _send_link(
        user, "password_reset", tokens.PASSWORD_RESET, "accounts:password_reset_confirm", now=now
    )
    audit("accounts.user.password_reset_requested", actor=user, obj=user)


@transaction.atomic
def account_invite_to_set_password(*, user: User, now: dt.datetime | None = None) -> None:
    """Email an account that has no usable password (brought over from the old site, where
    it signed in with Google) a link to choose one: the reset page, with a link that stays
    valid for ``tokens.SET_PASSWORD_MAX_AGE``."""
    now = now or timezone.now()
    if not user.is_active or user.has_usable_password():
        return
    _send_link(
        user, "set_password", tokens.SET_PASSWORD, "accounts:password_reset_confirm", now=now
    )
    audit("accounts.user.set_password_invited", actor="system", obj=user)


def password_reset_user(token: str, *, now: dt.datetime | None = None) -> User:
    """The account a reset link is for; raises ``invalid_input`` when the link is bad,
    expired or already used (so the page can say so before asking for a password)."""
    now = now or timezone.now()
    try:
        user, fresh = tokens.PASSWORD_RESET.read(token, now=now)
    except AppError as reset_error:  # or the invitation an imported account was sent
        try:
            user, fresh = tokens.SET_PASSWORD.read(token, now=now)
        except AppError:
            raise reset_error from None
    if not fresh:
        raise AppError(ErrorCode.INVALID_INPUT, "This link has already been used.", field="token")
    return user


def _set_password(user: User, password: str, *, field: str) -> None:
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise AppError(ErrorCode.INVALID_INPUT, exc.messages[0], field=field) from exc
    user.set_password(password)


@transaction.atomic
def account_reset_password(
    token: str, new_password: str, *, now: dt.datetime | None = None
) -> User:
    """Set a new password from a reset link (once: the link dies with the old password).
    The address is verified by the same token. Every session and API token ends."""
    now = now or timezone.now()
    user = password_reset_user(token, now=now)
    _set_password(user, new_password, field="new_password")
    fields = ["password", "updated_at"]
    if not user.is_email_verified:
        user.email_verified_at = now
        fields.append("email_verified_at")
    user.save(update_fields=fields)
    api_tokens_revoke_all(user=user, now=now)
    audit("accounts.user.password_reset", actor=user, obj=user)
    return user


@transaction.atomic
def account_change_password(
    *, user: User, old_password: str, new_password: str, now: dt.datetime | None = None
) -> User:
    """Change the password of a signed-in user. Every other session ends (Django checks
    each session against a hash of the password); the caller keeps its own with
    ``update_session_auth_hash``. Every API token is revoked."""
    if not user.check_password(old_password):
        raise AppError(
            ErrorCode.INVALID_CREDENTIALS,
            "Your current password is not correct.",
            field="old_password",
        )
    _set_password(user, new_password, field="new_password")
    user.save(update_fields=["password", "updated_at"])
    api_tokens_revoke_all(user=user, now=now or timezone.now())
    audit("accounts.user.password_changed", actor=user, obj=user)
    return user


def api_tokens_revoke_all(*, user: User, now: dt.datetime) -> int:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)


# --- Profile --------------------------------------------------------------------------------


def profile_problems(
    *,
    first_name: str,
    last_name: str,
    phone: str,
    date_of_birth: dt.date | None,
    licence_number: str,
    licence_country: str,
    licence_expiry: dt.date | None,
    today: dt.date,
) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for field, value in (("first_name", first_name), ("last_name", last_name)):
        if not value.strip():
            problems[field] = ["This field is required."]
    if phone.strip() and not PHONE.match(phone.strip()):
        problems["phone"] = ["Enter a phone number with its country code, e.g. +1 202 555 0188."]
    problems.update(_birth_problems(date_of_birth, today))
    licence = [licence_number.strip(), licence_country.strip(), licence_expiry]
    if any(licence) and not all(licence):
        for field, value in zip(
            ("licence_number", "licence_country", "licence_expiry"), licence, strict=True
        ):
            if not value:
                problems[field] = ["Complete your licence details, or leave them all empty."]
    if licence_country.strip() and not COUNTRY.match(licence_country.strip().upper()):
        problems["licence_country"] = ["Use the two-letter country code, e.g. US, AE or GB."]
    return problems


@transaction.atomic
def account_update_profile(
    *,
    user: User,
    first_name: str,
    last_name: str,
    phone: str = "",
    date_of_birth: dt.date | None,
    licence_number: str = "",
    licence_country: str = "",
    licence_expiry: dt.date | None = None,
) -> User:
    """Update the customer's details and driving licence. The address is not changed
    here (that needs a new verification; the concierge does it on request)."""
    problems = profile_problems(
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        date_of_birth=date_of_birth,
        licence_number=licence_number,
        licence_country=licence_country,
        licence_expiry=licence_expiry,
        today=timezone.now().date(),
    )
    if problems:
        field, messages = next(iter(problems.items()))
        raise AppError(ErrorCode.INVALID_INPUT, messages[0], field=field)
    user.first_name, user.last_name = first_name.strip(), last_name.strip()
    user.phone, user.date_of_birth = phone.strip(), date_of_birth
    user.licence_number = licence_number.strip().upper()
    user.licence_country = licence_country.strip().upper()
    user.licence_expiry = licence_expiry
    fields = ["first_name", "last_name", "phone", "date_of_birth"]
    fields += ["licence_number", "licence_country", "licence_expiry", "updated_at"]
    user.save(update_fields=fields)
    audit("accounts.user.profile_updated", actor=user, obj=user)
    return user
