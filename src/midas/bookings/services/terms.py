"""The rental terms a customer accepts at checkout (``settings.TERMS_VERSION``).

The checkout page and ``POST /api/v1/bookings`` both ask for an explicit acceptance; the
booking records the version accepted and when (``Booking.terms_version``,
``terms_accepted_at``, written by ``booking_create``).
"""

from __future__ import annotations

from django.conf import settings

from midas.errors import AppError, ErrorCode


def current_terms_version() -> str:
    return settings.TERMS_VERSION


def terms_accepted(accepted: bool) -> str:
    """The version of the terms the customer accepts; ``terms_not_accepted`` (422) unless
    they said so."""
    if accepted is not True:
        raise AppError(
            ErrorCode.TERMS_NOT_ACCEPTED,
            "Please read and accept the rental terms to book.",
            field="accept_terms",
        )
    return current_terms_version()
