"""What a deployment does for a smoke run that a customer's API cannot: recognise smoke
accounts, verify their address, say whether the confirmation email went out, and say which
payment mode is configured. Called by the smoke API (``midas.launch.smoke.api``, only when
``SMOKE_TOKEN`` is set) and, with no token against this deployment, by the runner itself.

Smoke accounts are ``smoke+<run>@<domain>``: the domain is ``SMOKE_EMAIL_DOMAIN`` (a domain
you own with a catch-all, so a real SMTP relay really delivers) or ``example.com`` (reserved:
nobody's inbox). ``accounts.synthetic.is_synthetic_email`` is how reports and metrics leave
them out.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from midas.accounts import synthetic
from midas.errors import AppError, ErrorCode

CONFIRMATION_TEMPLATE = "booking_confirmed"
NUDGE_MAX_MESSAGES = 10  # one nudge sends at most this many due messages


def payment_mode() -> str:
    """``sandbox`` | ``stripe_test`` | ``stripe_live``: a Stripe key that is not plainly a
    test key (``sk_test_``/``rk_test_``) counts as live, and a smoke never pays with it."""
    from midas.payments.providers import provider_name

    if provider_name() == "sandbox":
        return "sandbox"
    key = (settings.STRIPE_SECRET_KEY or "").strip()
    return "stripe_test" if key.startswith(("sk_test_", "rk_test_")) else "stripe_live"


def smoke_info() -> dict[str, Any]:
    return {
        "email_domain": synthetic.synthetic_email_domain(),
        "payments": payment_mode(),
        "release": settings.RELEASE,
    }


def smoke_account_verify(*, email: str, now=None) -> dict[str, Any]:
    """Verify a smoke account's address through the same signed link a customer clicks.
    Refuses any other address (``forbidden``): the smoke API can never verify a customer."""
    from midas.accounts import tokens
    from midas.accounts.selectors import user_by_email
    from midas.accounts.services import account_verify_email

    if not synthetic.is_synthetic_email(email):
        raise AppError(
            ErrorCode.FORBIDDEN, "only smoke accounts (smoke+...@smoke domain)", field="email"
        )
    now = now or timezone.now()
    user = user_by_email(email)
    if user is None:
        raise AppError(
            ErrorCode.NOT_FOUND,
            "no such smoke account here (is the URL checked this deployment?)",
            field="email",
        )
    if not user.is_email_verified:
        user = account_verify_email(tokens.VERIFY_EMAIL.make(user, now=now), now=now)
    return {"email": user.email, "verified": user.is_email_verified}


def smoke_mail_status(*, to: str, template: str = CONFIRMATION_TEMPLATE) -> dict[str, Any]:
    """The newest outbox message of ``template`` to a smoke address: found, status (pending |
    sending | sent | failed), sent_at, attempts, last error, and whether the local mailbox
    (``mailbox://``) holds it."""
    from midas.notifications.models import MailboxMessage, OutboxMessage

    if not synthetic.is_synthetic_email(to):
        raise AppError(ErrorCode.FORBIDDEN, "only smoke accounts' mail", field="to")
    message = (
        OutboxMessage.objects.filter(to=to.strip().lower(), template=template)
        .order_by("-created_at", "-id")
        .first()
    )
    if message is None:
        return {"found": False, "status": "", "to": to, "template": template}
    in_mailbox = MailboxMessage.objects.filter(message_id=message.message_id).exists()
    return {
        "found": True,
        "to": message.to,
        "template": template,
        "status": message.status,
        "sent_at": message.sent_at.isoformat() if message.sent_at else None,
        "attempts": message.attempts,
        "last_error": message.last_error[:300],
        "sent_by": message.claimed_by,
        "in_mailbox": in_mailbox,
    }


def smoke_mail_nudge() -> dict[str, Any]:
    """Send what is due in the outbox now — the worker's own delivery routine (leased claims,
    so nothing goes twice with a worker running alongside). A smoke run started BY the worker
    would otherwise wait on itself."""
    from midas.notifications.delivery import deliver_due

    report = deliver_due(worker_id="smoke", max_messages=NUDGE_MAX_MESSAGES)
    return {"claimed": report.claimed, "sent": report.sent}
