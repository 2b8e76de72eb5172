"""The smoke API: what ``midas smoke`` needs from a deployment besides the public API a
customer uses (docs/explanation/launch-smoke.md). Only when ``SMOKE_TOKEN`` is set (else
every path here is a 404, as if absent); ``Authorization: Bearer <SMOKE_TOKEN>``, compared in
constant time (a wrong one is a 401). It can only touch smoke accounts
(``smoke+...@<smoke domain>``): never a customer's.

- ``GET  /smoke/info``: the smoke email domain and the payment mode (``sandbox`` |
  ``stripe_test`` | ``stripe_live``: a smoke refuses to pay in the last).
- ``POST /smoke/verify`` ``{"email"}``: verify a smoke account's address.
- ``GET  /smoke/mail?to=&template=``: whether the outbox sent that message, with its status.
- ``POST /smoke/mail/deliver``: send what is due in the outbox now (the worker's routine).
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.security import HttpBearer

from midas.api.schemas import ErrorOut
from midas.core.synthetic import token_matches
from midas.errors import AppError, ErrorCode
from midas.launch.smoke import server as smoke_server


class SmokeAuth(HttpBearer):
    def __call__(self, request: HttpRequest) -> bool:
        from django.conf import settings

        if not settings.SMOKE_TOKEN:
            raise Http404  # the smoke API does not exist here
        scheme, _, secret = request.headers.get(self.header, "").partition(" ")
        if scheme.lower() != "bearer" or not token_matches(secret.strip()):
            raise AppError(ErrorCode.AUTH_REQUIRED, "send Authorization: Bearer <SMOKE_TOKEN>")
        return True

    def authenticate(self, request: HttpRequest, token: str) -> bool:  # pragma: no cover
        return token_matches(token)


router = Router(tags=["smoke"], auth=SmokeAuth())
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
Email = Annotated[str, Field(max_length=254)]


class InfoOut(Schema):
    email_domain: str
    payments: str
    release: str


class VerifyIn(Schema):
    email: Email


class VerifyOut(Schema):
    email: str
    verified: bool


class MailQuery(Schema):
    to: Email
    template: Annotated[str, Field(max_length=100)] = smoke_server.CONFIRMATION_TEMPLATE


class MailOut(Schema):
    found: bool
    to: str
    template: str
    status: str = Field(description="pending | sending | sent | failed; empty when not found")
    sent_at: str | None = None
    attempts: int = 0
    last_error: str = ""
    sent_by: str = ""
    in_mailbox: bool = False


class DeliverOut(Schema):
    claimed: int
    sent: int


@router.get("/smoke/info", response={200: InfoOut, **ERRORS}, include_in_schema=False)
def info(request: HttpRequest) -> dict[str, Any]:
    return smoke_server.smoke_info()


@router.post("/smoke/verify", response={200: VerifyOut, **ERRORS}, include_in_schema=False)
def verify(request: HttpRequest, payload: VerifyIn) -> dict[str, Any]:
    return smoke_server.smoke_account_verify(email=payload.email)


@router.get("/smoke/mail", response={200: MailOut, **ERRORS}, include_in_schema=False)
def mail(request: HttpRequest, params: Query[MailQuery]) -> dict[str, Any]:
    return smoke_server.smoke_mail_status(to=params.to, template=params.template)


@router.post("/smoke/mail/deliver", response={200: DeliverOut, **ERRORS}, include_in_schema=False)
def deliver(request: HttpRequest) -> dict[str, Any]:
    return smoke_server.smoke_mail_nudge()
