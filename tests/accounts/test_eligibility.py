"""check_eligibility: the renter's age on the start date (in the asset's city) and, for
cars, a driving licence valid through the rental."""

from __future__ import annotations

import datetime as dt

import pytest

from midas.accounts.services import age_on, check_eligibility
from midas.errors import AppError, ErrorCode
from tests.factories import make_asset, make_city, make_customer

pytestmark = pytest.mark.django_db

DUBAI = dt.timezone(dt.timedelta(hours=4))


@pytest.fixture
def chiron():
    return make_asset("cars", make_city("dubai"), name="Bugatti Chiron Sport", min_renter_age=30)


@pytest.fixture
def villa():
    return make_asset("villas", make_city("dubai"), name="Palm Jumeirah Villa", min_renter_age=25)


def licensed(**fields):
    defaults = {
        "licence_number": "D1234567",
        "licence_country": "AE",
        "licence_expiry": dt.date(2030, 1, 1),
        "date_of_birth": dt.date(1990, 1, 1),
    }
    defaults.update(fields)
    return make_customer(**defaults)


def refusal(**kwargs) -> AppError:
    with pytest.raises(AppError) as caught:
        check_eligibility(**kwargs)
    assert caught.value.code == ErrorCode.NOT_ELIGIBLE
    return caught.value


@pytest.mark.parametrize(
    ("born", "day", "age"),
    [
        (dt.date(1997, 3, 10), dt.date(2027, 3, 10), 30),
        (dt.date(1997, 3, 10), dt.date(2027, 3, 9), 29),
        (dt.date(1996, 2, 29), dt.date(2027, 2, 28), 30),
        (dt.date(1996, 2, 29), dt.date(2027, 3, 1), 31),
        (dt.date(1996, 2, 29), dt.date(2028, 2, 29), 32),
    ],
)
def test_age_on(born, day, age):
    assert age_on(born, day) == age


def test_thirtieth_birthday_on_the_start_date_is_old_enough(chiron):
    user = licensed(date_of_birth=dt.date(1997, 3, 10))
    start = dt.datetime(2027, 3, 10, 10, 0, tzinfo=DUBAI)
    check_eligibility(user=user, asset=chiron, start=start, end=start + dt.timedelta(days=2))


def test_the_day_before_the_birthday_is_too_young_with_the_reason(chiron):
    user = licensed(date_of_birth=dt.date(1997, 3, 10))
    start = dt.datetime(2027, 3, 9, 23, 30, tzinfo=DUBAI)
    error = refusal(user=user, asset=chiron, start=start)
    assert error.message == (
        "You must be 30 or older on the start date to rent the Bugatti Chiron Sport."
    )
    assert error.field == "date_of_birth"


def test_the_start_date_is_read_in_the_assets_city(chiron):
    user = licensed(date_of_birth=dt.date(1997, 3, 10))
    # 22:00 UTC on the 9th is 02:00 on the 10th in Dubai: the birthday
    check_eligibility(user=user, asset=chiron, start=dt.datetime(2027, 3, 9, 22, 0, tzinfo=dt.UTC))
    refusal(user=user, asset=chiron, start=dt.datetime(2027, 3, 9, 19, 59, tzinfo=dt.UTC))


def test_a_date_of_birth_is_needed(villa):
    user = make_customer(date_of_birth=None)
    error = refusal(user=user, asset=villa, start=dt.datetime(2027, 3, 9, tzinfo=DUBAI))
    assert "Add your date of birth" in error.message


def test_cars_need_a_licence(chiron):
    user = make_customer(date_of_birth=dt.date(1980, 1, 1))
    error = refusal(user=user, asset=chiron, start=dt.datetime(2027, 3, 9, tzinfo=DUBAI))
    assert error.field == "licence_number"
    assert "driving licence" in error.message and "Bugatti Chiron Sport" in error.message


def test_a_licence_without_its_country_is_not_enough(chiron):
    user = licensed(licence_country="")
    refusal(user=user, asset=chiron, start=dt.datetime(2027, 3, 9, tzinfo=DUBAI))


def test_the_licence_must_last_until_the_end_of_the_rental(chiron):
    user = licensed(licence_expiry=dt.date(2027, 3, 11))
    start = dt.datetime(2027, 3, 9, 10, 0, tzinfo=DUBAI)
    # valid through the 11th: a rental ending on the 11th is fine, even at midnight next day
    check_eligibility(
        user=user, asset=chiron, start=start, end=dt.datetime(2027, 3, 11, 18, 0, tzinfo=DUBAI)
    )
    check_eligibility(
        user=user, asset=chiron, start=start, end=dt.datetime(2027, 3, 12, 0, 0, tzinfo=DUBAI)
    )
    error = refusal(
        user=user, asset=chiron, start=start, end=dt.datetime(2027, 3, 12, 10, 0, tzinfo=DUBAI)
    )
    assert error.field == "licence_expiry"
    assert "expires on 11 March 2027" in error.message
    assert "valid until 12 March 2027" in error.message


def test_an_expired_licence_is_refused(chiron):
    user = licensed(licence_expiry=dt.date(2026, 12, 31))
    error = refusal(user=user, asset=chiron, start=dt.datetime(2027, 3, 9, tzinfo=DUBAI))
    assert error.field == "licence_expiry"


def test_villas_need_no_licence_only_the_age(villa):
    user = make_customer(date_of_birth=dt.date(2002, 3, 9))
    start = dt.datetime(2027, 3, 9, 15, 0, tzinfo=DUBAI)
    check_eligibility(user=user, asset=villa, start=start, end=start + dt.timedelta(days=7))
    error = refusal(user=user, asset=villa, start=start - dt.timedelta(days=1))
    assert "25 or older" in error.message
