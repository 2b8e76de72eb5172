"""The API's contract: schemathesis runs every operation of the OpenAPI document against the
server in-process, with every check it has, and the server must answer as the document says.

- ``test_contract``: each operation on its own, through schemathesis' phases (the schema's
  examples, coverage of its boundaries and every way to break it, then fuzzing), in valid
  and invalid data; signed in where the operation needs it.
- ``test_contract_workflows``: chains of calls along the document's links (book, then read,
  pay, preview and cancel that booking), for the checks that need a history
  (``ensure_resource_availability``, ``use_after_free``).

Every registered check runs (``test_every_check_runs``); the few places where one cannot
hold are configured below, each for the operations concerned and with the reason. Bounded
and derandomized, so CI sees the same examples on every run.

The schema is the document ``GET /api/v1/openapi.json`` serves (``test_served_document``),
built once at import: schemathesis parametrizes at collection, before a test may touch the
database (so not ``openapi.from_wsgi``, whose request would pass the middleware; nor
``pytest.from_fixture``, whose lazy loader does not run on pytest 9.2). The requests go to
Django's WSGI application in this process (``schema.app``), in the test's transaction.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from typing import Any

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.contrib.auth import password_validation
from django.core import signals
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import CHECKS, load_all_checks

from midas.accounts.authentication import api_token_issue
from midas.accounts.models import User
from midas.accounts.services import PHONE
from midas.api.auth import PHONE_TEXT
from midas.api.routes import api
from midas.bookings.models import Booking
from midas.flags.services import flag_write
from tests.api.conftest import Catalogue
from tests.factories import make_booking, make_driver

pytestmark = pytest.mark.django_db

ROOT = reverse("api:api-root")
DOCUMENT = json.loads(json.dumps(api.get_openapi_schema(path_prefix=ROOT)))  # as served

# What valid data may be answered: 2xx, or no such thing (404), not signed in (401, 403),
# not in a state for it (409), too many (429); not a redirect, not a 5xx. And per operation a
# little more. A schema states a request's shape; 422 is this API's answer to a request of
# the right shape that breaks a rule about the values together, the clock or the catalogue
# (the end before the start, a start inside the asset's notice, an extra not offered for it,
# a window over 400 days), which no JSON Schema can state. 402 is a card the bank declines.
# Each is allowed only where the operation has such rules; 400 (the input does not match the
# schema) never is.
POSITIVE = ["2xx", "401", "403", "404", "409", "429"]
RULES_ON_VALUES = [
    "midas_api_catalog_list_assets",  # end after start, at most 400 days; price_max >= min
    "midas_api_catalog_asset_availability",  # the same window rules
    "midas_api_quotes_create_quote",  # notice, advance, duration, location, extras
    "midas_api_bookings_create_booking",  # the quote's rules, and the renter's eligibility
]
# Values that exist, offered to the generator half the time in valid cases, so calls get past
# "not found" to the rules behind it: the catalogue's slugs, the fixture's booking, dates the
# assets can be booked for.
REFERENCE = "MID-C0NTRT"
SOON = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30)).isoformat()
LATER = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=33)).isoformat()
KNOWN = {
    "assets": ["aventador", "sea-breeze", "chiron"],
    "cities": ["washington-dc", "houston", "dubai"],
    "categories": ["cars", "yachts"],
    "references": [REFERENCE],
    "starts": [SOON],
    "ends": [LATER],
}
BINDINGS = {
    "path.slug": "assets",
    "path.ref": "references",
    "query.city": "cities",
    "query.category": "categories",
    "query.start": "starts",
    "query.end": "ends",
    "body.asset": "assets",
    "body.location": "cities",
    "body.start": "starts",
    "body.end": "ends",
}
CONFIG = schemathesis.Config.from_dict(
    {
        "dictionaries": {name: {"values": values} for name, values in KNOWN.items()},
        "parameters": {
            key: {"dictionary": name, "probability": 0.5} for key, name in BINDINGS.items()
        },
        "checks": {
            "enabled": True,
            "positive_data_acceptance": {"expected-statuses": POSITIVE},
        },
        "generation": {
            "mode": "all",
            "deterministic": True,
            "database": "none",
        },
        "operations": [
            {
                "include-operation-id": RULES_ON_VALUES,
                "checks": {"positive_data_acceptance": {"expected-statuses": [*POSITIVE, "422"]}},
            },
            {
                "include-operation-id": "midas_api_bookings_pay_booking",
                "checks": {"positive_data_acceptance": {"expected-statuses": [*POSITIVE, "402"]}},
            },
        ],
    }
)
schema = schemathesis.openapi.from_dict(copy.deepcopy(DOCUMENT), config=CONFIG)
schema.app = get_wsgi_application()

BOUNDED = settings(
    max_examples=25,
    derandomize=True,
    database=None,  # leave no .hypothesis/ folder behind
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
WORKFLOWS = settings(BOUNDED, max_examples=10, stateful_step_count=6)


# The WSGI transport's client asks for gzip and does not decode it; the JSON compression
# (midas.core.compression) is tested in tests/core and tests/web.
IDENTITY = {"Accept-Encoding": "identity"}


class Customer:
    """The signed-in customer of the run: every call that needs it carries a fresh token of
    theirs (``DELETE /auth/token`` revokes the token it is made with)."""

    user: User | None = None

    @classmethod
    def headers(cls, case: schemathesis.Case) -> dict[str, str]:
        if cls.user is None or not case.operation.definition.raw.get("security"):
            return {}
        if case.operation.schema.is_security_param_negated(case):
            return {}  # a case that leaves the credentials out on purpose
        _, secret = api_token_issue(user=cls.user, name="contract")
        return {"Authorization": f"Bearer {secret}"}


@pytest.fixture(autouse=True)
def world(catalogue: Catalogue, settings):
    """The catalogue, a customer who may book it and a booking of theirs; the requests run in
    this test's transaction (Django's test client disconnects the same handlers). Passwords
    hash fast: hundreds of sign-ups and sign-ins go through here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    Customer.user = make_driver()
    booking = make_booking(customer=Customer.user, asset=catalogue.car, now=timezone.now())
    Booking.objects.filter(pk=booking.pk).update(reference=REFERENCE)
    yield catalogue
    Customer.user = None
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# Rules of registration that no JSON Schema states: the password is not a common one nor
# too like the name or address (Django's validators), and the customer is 18 or over today.
# A generated value that matches the schema but breaks one is replaced by one that keeps it,
# so a valid body stays valid; an invalid one is left as it is.
ADULT = dt.date(1990, 5, 17)
STRONG = "violet-harbour-1987"


@schema.hook
def map_body(context: Any, body: Any) -> Any:
    if context.operation.path != "/api/v1/auth/register" or not isinstance(body, dict):
        return body
    born = body.get("date_of_birth")
    if isinstance(born, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", born):
        try:
            date = dt.date.fromisoformat(born)
        except ValueError:
            date = None
        if date is not None and not dt.date(1900, 1, 1) <= date <= ADULT:
            body["date_of_birth"] = ADULT.isoformat()
    password = body.get("password")
    if isinstance(password, str) and 10 <= len(password) <= 256 and re.search(r"\D", password):
        candidate = User(
            email=str(body.get("email", "")),
            first_name=str(body.get("first_name", "")),
            last_name=str(body.get("last_name", "")),
        )
        try:
            password_validation.validate_password(password, user=candidate)
        except ValidationError:
            body["password"] = STRONG
    return body


@schema.parametrize()
@BOUNDED
def test_contract(case: schemathesis.Case) -> None:
    cache.clear()  # rate-limit windows: a run is not an attack
    case.call_and_validate(headers={**IDENTITY, **Customer.headers(case)})


class Workflows(schema.as_state_machine()):  # type: ignore[misc]
    def setup(self) -> None:
        cache.clear()

    def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
        return {"headers": {**IDENTITY, **Customer.headers(case)}}

    def validate_response(self, response, case, additional_checks=None, **kwargs):  # type: ignore[no-untyped-def]
        case.validate_response(
            response,
            additional_checks=additional_checks,
            headers=kwargs.get("headers"),
            transport_kwargs=kwargs or None,
            recorder=self.recorder,
        )


def test_contract_workflows() -> None:
    Workflows.run(settings=WORKFLOWS)


def test_every_check_runs() -> None:
    """No check is switched off, for any operation (where one cannot hold, its expected
    answers are widened above for the operations concerned, never more)."""
    load_all_checks()
    names = set(CHECKS.get_all_names())
    assert {"positive_data_acceptance", "negative_data_rejection", "ignored_auth"} <= names
    for operation in schema.get_all_operations():
        config = schema.config.checks_config_for(operation=operation.ok(), phase=None)
        for name in names:
            assert getattr(config, name).enabled, name


def test_served_document(client) -> None:
    """The tested document is the one clients get."""
    assert client.get(ROOT + "openapi.json").json() == DOCUMENT


def test_every_operation_is_tested() -> None:
    operations = {(op.ok().method.upper(), op.ok().path) for op in schema.get_all_operations()}
    assert len(operations) == sum(
        1 for item in DOCUMENT["paths"].values() for method in item if method != "parameters"
    )
    assert ("POST", ROOT + "bookings/{ref}/cancel") in operations


@given(st.from_regex(PHONE_TEXT, fullmatch=True))
@settings(max_examples=200, database=None, derandomize=True)
def test_phone_pattern_within_the_services_rule(text: str) -> None:
    assert text == "" or PHONE.match(text.strip())


# --- What the document states, by hand ------------------------------------------------------


def body_schema(path: str) -> dict[str, Any]:
    content = DOCUMENT["paths"][ROOT + path]["post"]["requestBody"]["content"]
    reference = content["application/json"]["schema"]
    name = (reference.get("$ref") or reference["allOf"][0]["$ref"]).rsplit("/", 1)[1]
    return DOCUMENT["components"]["schemas"][name]


def test_the_registration_password_rule_is_the_settings_one() -> None:
    (minimum,) = [
        validator["OPTIONS"]["min_length"]
        for validator in django_settings.AUTH_PASSWORD_VALIDATORS
        if validator["NAME"].endswith("MinimumLengthValidator")
    ]
    password = body_schema("auth/register")["properties"]["password"]
    assert password["minLength"] == minimum == 10
    assert password["pattern"] == r"^[^\x00]*[^\d\x00][^\x00]*$"  # not all digits, no NUL


def test_paying_states_exactly_one_way() -> None:
    assert [branch["required"] for branch in body_schema("bookings/{ref}/pay")["oneOf"]] == [
        ["card_number"],
        ["payment_method"],
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"card_number": "4242424242424242", "payment_method": "pm_card_visa"},
        {},
        {"card_number": "", "payment_method": None},
        {"card_number": "\u00a0", "payment_method": " \f"},  # spaces are nothing
    ],
)
def test_paying_with_both_or_neither_is_refused(client, body) -> None:
    _, secret = api_token_issue(user=Customer.user, name="t")
    response = client.post(
        f"{ROOT}bookings/{REFERENCE}/pay",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_input",
        "message": "send either card_number or payment_method",
    }
    assert Booking.objects.get(reference=REFERENCE).status == "held"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("password", "short-pw1"),  # 9 characters
        ("password", "12345678901"),  # all digits
        ("first_name", "   "),
        ("phone", "12345 "),  # 5 digits once stripped
        ("date_of_birth", 0),  # a number is not a date (pydantic took it for 1970-01-01)
        ("date_of_birth", "1990-05-17T00:00:00"),
        ("email", "not-an-address"),
    ],
)
def test_registration_breaking_the_schema_is_400(client, field, value) -> None:
    body = {
        "email": "grace@example.com",
        "password": STRONG,
        "first_name": "Grace",
        "last_name": "Hopper",
        "date_of_birth": "1990-05-17",
        field: value,
    }
    response = client.post(
        ROOT + "auth/register", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert not User.objects.filter(email="grace@example.com").exists()


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("2027-03-12", True),
        ("2027-03-12T10:00", True),
        ("2027-03-12T10:00:00.5Z", True),
        ("2028-02-29T10:00:00+04:00", True),
        ("2027-02-29", False),  # not a leap year
        ("2027-03-12 10:00", False),  # ISO 8601 separates with T
        ("2027-03-12T10:00+0400", False),
        ("1999-12-31", False),
    ],
)
def test_instants_are_read_as_the_schema_says(client, text, accepted) -> None:
    pattern = re.compile(body_schema("quotes")["properties"]["start"]["pattern"])
    assert bool(pattern.search(text)) is accepted
    body = {"asset": "aventador", "start": text, "end": "2029-01-01"}
    response = client.post(ROOT + "quotes", json.dumps(body), content_type="application/json")
    assert (response.status_code != 400) is accepted, response.content


def test_a_feature_switched_off_says_when_to_come_back(client) -> None:
    flag_write(key="registration", state="off")
    body = {
        "email": "grace@example.com",
        "password": STRONG,
        "first_name": "Grace",
        "last_name": "Hopper",
        "date_of_birth": "1990-05-17",
    }
    response = client.post(
        ROOT + "auth/register", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 503
    assert response.json()["code"] == "feature_disabled"
    assert int(response["Retry-After"]) > 0
    headers = DOCUMENT["paths"][ROOT + "auth/register"]["post"]["responses"]["503"]["headers"]
    assert headers["Retry-After"]["required"] is True


def test_every_operation_declares_the_errors_every_operation_can_give() -> None:
    for item in DOCUMENT["paths"].values():
        for operation in item.values():
            responses = operation["responses"]
            assert {"403", "503"} <= set(responses), operation["operationId"]
            if "requestBody" in operation:
                assert {"400", "413", "415"} <= set(responses), operation["operationId"]
            for status in ("429", "503"):
                if status in responses:
                    assert "Retry-After" in responses[status]["headers"]


def test_no_text_input_takes_a_nul_character(client) -> None:
    """PostgreSQL stores no NUL: it was a 500 there (schemathesis on the CI's PostgreSQL)."""
    _, secret = api_token_issue(user=Customer.user, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    register = {
        "email": "grace@example.com",
        "password": STRONG,
        "first_name": "Grace",
        "last_name": "Hop\x00per",
        "date_of_birth": "1990-05-17",
    }
    calls = [
        ("auth/register", register),
        ("auth/token", {"email": "ada@example.com", "password": "x", "name": "a\x00"}),
        (f"bookings/{REFERENCE}/cancel", {"reason": "\x00"}),
        (f"bookings/{REFERENCE}/pay", {"payment_method": "pm_card_visa\x00"}),
        ("quotes", {"asset": "aventador", "start": SOON, "end": LATER, "extras": ["\x00"]}),
    ]
    for path, body in calls:
        response = client.post(
            ROOT + path, json.dumps(body), content_type="application/json", **auth
        )
        assert response.status_code == 400, (path, response.content)
        assert response.json()["code"] == "invalid_input"
    assert client.get(f"{ROOT}bookings/MID%00X", **auth).status_code == 400
    assert Booking.objects.get(reference=REFERENCE).status == "held"


def test_an_idempotency_key_fits_its_column(client, catalogue: Catalogue) -> None:
    _, secret = api_token_issue(user=Customer.user, name="t")
    body = {"asset": "aventador", "start": SOON, "end": LATER}
    response = client.post(
        ROOT + "bookings",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        HTTP_IDEMPOTENCY_KEY="k" * 101,
    )
    assert response.status_code == 400
    assert response.json()["field"] == "Idempotency-Key"
