"""Random input never makes the API answer a 5xx: every failure is a 4xx with a code."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import Catalogue

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=50,
    database=None,  # leave no .hypothesis/ folder behind
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

slugs = st.one_of(
    st.sampled_from(["aventador", "sea-breeze", "chiron", "ghost", "dubai", "houston"]),
    st.text(max_size=90),
)
instants = st.one_of(
    st.text(max_size=50),
    st.dates().map(str),
    st.datetimes(timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=-12))])).map(
        dt.datetime.isoformat
    ),
    st.datetimes().map(dt.datetime.isoformat),
    st.integers(),
    st.none(),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
quote_bodies = st.one_of(
    st.fixed_dictionaries(
        {"asset": slugs, "start": instants, "end": instants},
        optional={
            "location": st.one_of(st.none(), slugs),
            "extras": st.one_of(st.lists(slugs, max_size=25), json_values),
        },
    ),
    json_values,
)


def assert_clean(response) -> None:
    assert response.status_code < 500, response.content
    body = response.json()
    if response.status_code >= 400:
        assert isinstance(body["code"], str) and body["code"]
        assert isinstance(body["message"], str)


@FUZZ
@given(body=quote_bodies)
def test_quote_fuzz(client, catalogue: Catalogue, body):
    assert_clean(client.post("/api/v1/quotes", json.dumps(body), content_type="application/json"))


@FUZZ
@given(raw=st.binary(max_size=200))
def test_quote_fuzz_raw_bytes(client, catalogue: Catalogue, raw):
    assert_clean(client.post("/api/v1/quotes", raw, content_type="application/json"))


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["category", "city", "start", "end", "limit", "offset"]),
        st.one_of(slugs, instants.map(str), st.integers().map(str)),
    )
)
def test_assets_list_fuzz(client, catalogue: Catalogue, params):
    assert_clean(client.get("/api/v1/assets", params))
    assert_clean(client.get("/api/v1/assets/aventador/availability", params))
