"""May this customer rent this asset? The rule checked at checkout (``check_eligibility``,
also importable from ``midas.accounts.services``)."""

from __future__ import annotations

import datetime as dt

from midas.accounts.models import User
from midas.catalog.models import Asset
from midas.errors import AppError, ErrorCode

LICENCE_CATEGORIES = frozenset({"cars"})  # categories whose renter drives


def age_on(born: dt.date, day: dt.date) -> int:
    """Whole years from ``born`` to ``day``. One is a year older on the birthday itself; a
    29 February birthday comes on 1 March in other years."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def check_eligibility(
    *, user: User, asset: Asset, start: dt.datetime, end: dt.datetime | None = None
) -> None:
    """May ``user`` rent ``asset`` from ``start`` (to ``end``)? Raises ``not_eligible``
    with the reason and the profile field to fix.

    - age on the start date, in the asset's city, at least ``asset.min_renter_age``;
    - cars: a driving licence (number and issuing country) valid through the last day of
      the rental (``end``, or the start date when no end is given).
    """
    tz = asset.home_location.tz
    first_day = start.astimezone(tz).date()
    if user.date_of_birth is None:
        raise AppError(
            ErrorCode.NOT_ELIGIBLE,
            f"Add your date of birth to your profile to rent the {asset.name}.",
            field="date_of_birth",
        )
    if age_on(user.date_of_birth, first_day) < asset.min_renter_age:
        raise AppError(
            ErrorCode.NOT_ELIGIBLE,
            f"You must be {asset.min_renter_age} or older on the start date to rent the "
            f"{asset.name}.",
            field="date_of_birth",
        )
    if asset.category.slug not in LICENCE_CATEGORIES:
        return
    if not (user.licence_number and user.licence_country and user.licence_expiry):
        raise AppError(
            ErrorCode.NOT_ELIGIBLE,
            f"Add your driving licence (number, country and expiry date) to your profile to "
            f"rent the {asset.name}.",
            field="licence_number",
        )
    last_day = (end - dt.timedelta(microseconds=1)).astimezone(tz).date() if end else first_day
    if user.licence_expiry < last_day:
        raise AppError(
            ErrorCode.NOT_ELIGIBLE,
            f"Your driving licence expires on {user.licence_expiry:%-d %B %Y}, before the "
            f"end of this rental: it must be valid until {last_day:%-d %B %Y} to rent the "
            f"{asset.name}.",
            field="licence_expiry",
        )
