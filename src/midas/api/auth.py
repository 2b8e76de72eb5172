"""Accounts over the API: register, get a bearer token, read yourself; and ``BearerAuth``,
the authentication every signed-in endpoint uses.

    from midas.api.auth import BearerAuth

    router = Router(tags=["bookings"], auth=BearerAuth())

    @router.get("/bookings")
    def my_bookings(request):
        user = request.auth  # the signed-in User (also on request.user)
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.contrib.auth import password_validation
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.security import HttpBearer
from ninja.utils import check_csrf

from midas.accounts import ratelimit, services
from midas.accounts.authentication import (
    api_token_authenticate,
    api_token_issue,
    api_token_revoke,
    check_credentials,
)
from midas.accounts.models import User
from midas.api.schemas import NO_NUL, Instant, IsoDate, errors
from midas.errors import AppError, ErrorCode
from midas.flags.guards import flag_require

router = Router(tags=["accounts"])

AUTH_HINT = "send Authorization: Bearer <token> (from POST /api/v1/auth/token)"


class BearerAuth(HttpBearer):
    """``Authorization: Bearer <token>`` from ``POST /auth/token``; and, for same-site
    calls from the pages, the signed-in session (with Django's CSRF check on unsafe
    methods, header ``X-CSRFToken``). ``request.auth`` and ``request.user`` are the user.

    Failing, it raises ``AppError(auth_required)``: a 401 in the API's error shape.
    """

    def __init__(self, *, allow_session: bool = True) -> None:
        super().__init__()
        self.allow_session = allow_session

    def __call__(self, request: HttpRequest) -> User:
        header = request.headers.get(self.header, "")
        if header:
            scheme, _, secret = header.partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                raise AppError(ErrorCode.AUTH_REQUIRED, f"Unsupported credentials: {AUTH_HINT}.")
            return self.authenticate(request, secret.strip())
        if self.allow_session:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                if request.method not in {"GET", "HEAD", "OPTIONS", "TRACE"}:
                    refused = check_csrf(request)
                    if refused is not None:
                        raise AppError(ErrorCode.FORBIDDEN, "CSRF check failed: send X-CSRFToken.")
                return user
        raise AppError(ErrorCode.AUTH_REQUIRED, f"Sign in first: {AUTH_HINT}.")

    def authenticate(self, request: HttpRequest, token: str) -> User:
        found = api_token_authenticate(secret=token)
        if found is None:
            raise AppError(
                ErrorCode.AUTH_REQUIRED,
                "The token is not valid: it may have expired or been revoked.",
            )
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        return found.user


# --- Schemas --------------------------------------------------------------------------------


def _password_min_length() -> int:
    """settings.AUTH_PASSWORD_VALIDATORS' minimum length, for the schema to state."""
    for validator in password_validation.get_default_password_validators():
        if isinstance(validator, password_validation.MinimumLengthValidator):
            return int(validator.min_length)
    return 1


PASSWORD_MIN_LENGTH = _password_min_length()
Email = Annotated[str, Field(max_length=254, pattern=NO_NUL, examples=["ada@example.com"])]
NewEmail = Annotated[
    str,
    Field(
        max_length=254,
        pattern=NO_NUL,
        examples=["ada@example.com"],
        json_schema_extra={"format": "email"},
    ),
]
# not blank: the services strip names (accounts.services.registration_problems); no NUL
Name = Annotated[str, Field(min_length=1, max_length=150, pattern=r"^[^\x00]*[^\s\x00][^\x00]*$")]
Password = Annotated[str, Field(max_length=256, pattern=NO_NUL)]
NewPassword = Annotated[
    str,
    Field(
        min_length=PASSWORD_MIN_LENGTH,
        max_length=256,
        # not entirely numeric (NumericPasswordValidator); no NUL
        pattern=r"^[^\x00]*[^\d\x00][^\x00]*$",
        description=f"At least {PASSWORD_MIN_LENGTH} characters, not all digits, not a common "
        "password and not too like the name or the email address",
    ),
]
# accounts.services.PHONE with no space at either end (the services strip it): every text
# this matches passes PHONE (tests/api/test_contract.py)
PHONE_TEXT = r"^(?:\+?[0-9().-][0-9 ().-]{4,28}[0-9().-])?$"


class RegisterIn(Schema):
    email: NewEmail
    password: NewPassword
    first_name: Name
    last_name: Name
    date_of_birth: IsoDate = Field(
        description="At least 18 years ago (and after 1900): younger customers cannot sign up"
    )
    phone: str = Field(
        "",
        max_length=40,
        pattern=PHONE_TEXT,
        description="With the country code, e.g. +1 202 555 0188; or empty",
    )


class RegisteredOut(Schema):
    email: str
    message: str


class TokenIn(Schema):
    email: Email
    password: Password
    name: Annotated[
        str, Field(max_length=80, pattern=NO_NUL, description="A label, e.g. the device")
    ] = ""


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"  # noqa: S105 (the scheme name)
    expires_at: Instant


class LicenceOut(Schema):
    number: str
    country: str
    expiry: dt.date | None


class MeOut(Schema):
    email: str
    first_name: str
    last_name: str
    full_name: str
    phone: str
    date_of_birth: dt.date | None
    email_verified: bool
    licence: LicenceOut | None
    date_joined: Instant


def me_body(user: User) -> dict[str, Any]:
    licence = None
    if user.licence_number or user.licence_country or user.licence_expiry:
        licence = {
            "number": user.licence_number,
            "country": user.licence_country,
            "expiry": user.licence_expiry,
        }
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "full_name": user.full_name,
        "phone": user.phone,
        "date_of_birth": user.date_of_birth,
        "email_verified": user.is_email_verified,
        "licence": licence,
        "date_joined": user.date_joined,
    }


# --- Endpoints ------------------------------------------------------------------------------

REGISTERED = (
    "Check your email: we sent a link to confirm the address. "
    "Then ask for a token at POST /api/v1/auth/token."
)


@router.post(
    "/auth/register",
    response={201: RegisteredOut, **errors(429)},
)
def register(request: HttpRequest, payload: RegisterIn) -> Status:
    """Open an account; the verification link goes to the address. The answer is the same
    whether or not the address already had an account (its owner is told by email)."""
    flag_require(request, "registration")
    ratelimit.REGISTER.hit(ratelimit.by_ip(request))
    try:
        user = services.account_register(
            email=payload.email,
            password=payload.password,
            first_name=payload.first_name,
            last_name=payload.last_name,
            date_of_birth=payload.date_of_birth,
            phone=payload.phone,
        )
        email = user.email
    except AppError as exc:
        if exc.code != ErrorCode.EMAIL_TAKEN:
            raise
        services.account_notify_existing(email=payload.email)
        email = payload.email.strip().lower()
    return Status(201, {"email": email, "message": REGISTERED})


@router.post(
    "/auth/token",
    response={200: TokenOut, **errors(401, 403, 429)},
)
def token(request: HttpRequest, payload: TokenIn) -> dict[str, Any]:
    """Exchange an email address and password for a bearer token (valid 30 days). Only
    verified addresses: an unverified one is ``403 email_not_verified``."""
    user = check_credentials(
        request=request, email=payload.email, password=payload.password, limit=ratelimit.TOKEN
    )
    row, secret = api_token_issue(user=user, name=payload.name)
    return {"token": secret, "token_type": "Bearer", "expires_at": row.expires_at}


@router.delete(
    "/auth/token", response={204: None, **errors(401)}, auth=BearerAuth(allow_session=False)
)
def revoke_token(request: HttpRequest) -> Status:
    """Revoke the token this request is made with (sign this device out)."""
    api_token_revoke(token=request.api_token)  # type: ignore[attr-defined]
    return Status(204, None)


@router.get("/me", response={200: MeOut, **errors(401)}, auth=BearerAuth())
def me(request: HttpRequest) -> dict[str, Any]:
    """The signed-in customer's profile."""
    return me_body(request.auth)  # type: ignore[attr-defined]
