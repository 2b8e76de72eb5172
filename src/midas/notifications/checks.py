"""Start-up checks for email: production should deliver mail, and the outbox must be sane."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

LOCAL_BACKENDS = ("MailboxBackend", "console.", "locmem.", "dummy.")


@register(Tags.compatibility)
def email_settings(app_configs: object, **kwargs: object) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if settings.OUTBOX_MAX_ATTEMPTS < 1 or settings.OUTBOX_BACKOFF_SECONDS < 1:
        messages.append(
            Error(
                "OUTBOX_MAX_ATTEMPTS and OUTBOX_BACKOFF_SECONDS must be 1 or more", id="midas.E101"
            )
        )
    if settings.OUTBOX_LEASE_SECONDS <= settings.EMAIL_TIMEOUT * 2:
        messages.append(
            Error(
                "OUTBOX_LEASE_SECONDS must be well above EMAIL_URL's timeout, or a slow send is "
                "taken for a dead worker and sent twice",
                id="midas.E102",
            )
        )
    if settings.PRODUCTION and any(name in settings.EMAIL_BACKEND for name in LOCAL_BACKENDS):
        messages.append(
            Warning(
                f"EMAIL_URL is {settings.EMAIL_DISPLAY or 'local'} in production: customers "
                "receive no email (messages stay in the staff mailbox)",
                hint="Set EMAIL_URL=smtp://user:password@host:587?tls=1 (docs/configuration.md)",
                id="midas.W101",
            )
        )
    return messages
