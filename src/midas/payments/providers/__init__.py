"""The payment providers, by name: ``sandbox`` (offline, the default) and ``stripe``; and
``legacy``, the old site's payments recorded by its import, which takes no calls.

``get_provider()`` gives the one chosen by settings: ``stripe`` when
``settings.PAYMENT_PROVIDER == "stripe"`` (a ``STRIPE_SECRET_KEY`` is set), else
``sandbox``. A ledger row remembers the provider that made it, so ``get_provider(row.provider)``
reaches the right one for its refunds and captures even after the setting changes.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from midas.errors import AppError, ErrorCode
from midas.payments.interface import PaymentProvider

PROVIDERS: dict[str, str] = {
    "sandbox": "midas.payments.providers.sandbox.SandboxProvider",
    "stripe": "midas.payments.providers.stripe.StripeProvider",
    "legacy": "midas.payments.providers.legacy.LegacyProvider",  # the old site's payments
}


def provider_name() -> str:
    """The provider new payments go to."""
    return "stripe" if settings.PAYMENT_PROVIDER == "stripe" else "sandbox"


def is_test_mode() -> bool:
    """Whether payments are the sandbox's (pages label them "test mode")."""
    return provider_name() == "sandbox"


def get_provider(name: str | None = None) -> PaymentProvider:
    name = name or provider_name()
    path = PROVIDERS.get(name)
    if path is None:
        raise AppError(ErrorCode.PAYMENT_PROVIDER_ERROR, f"no payment provider {name!r}")
    return import_string(path)()
