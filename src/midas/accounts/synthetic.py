"""Synthetic accounts: the throwaway customers our own smoke runs register, so that reports,
metrics and the concierge's inbox can leave them out.

A synthetic account is ``smoke+<run>@<domain>``: the domain is ``SMOKE_EMAIL_DOMAIN`` (a
domain you own with a catch-all, so a real SMTP relay really delivers) or ``example.com``
(reserved: nobody's inbox).
"""

from __future__ import annotations

from django.conf import settings

DEFAULT_DOMAIN = "example.com"
LOCAL_PREFIX = "smoke+"


def synthetic_email_domain() -> str:
    return (settings.SMOKE_EMAIL_DOMAIN or DEFAULT_DOMAIN).strip().lower()


def is_synthetic_email(email: str | None) -> bool:
    """Whether ``email`` is a smoke run's throwaway account (``smoke+...@<smoke domain>``,
    the configured domain or ``example.com``)."""
    local, _, domain = (email or "").strip().lower().rpartition("@")
    if not local.startswith(LOCAL_PREFIX) or len(local) <= len(LOCAL_PREFIX):
        return False
    return domain in {synthetic_email_domain(), DEFAULT_DOMAIN}
