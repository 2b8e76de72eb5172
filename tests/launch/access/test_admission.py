"""The ramp's bucketing and the admission rule, as pure functions (Hypothesis), and a
visitor who signs in keeping their bucket (database)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from midas.launch.access.admission import (
    BUCKETS,
    Gate,
    Subject,
    decide,
    in_ramp,
    never_gated,
    ramp_line,
    visitor_bucket,
)
from midas.launch.access.services import visitor_admit, visitor_seen
from midas.launch.models import Visitor
from tests.factories import make_customer

salts = st.text(min_size=0, max_size=16)
ids = st.text(alphabet="0123456789abcdef", min_size=1, max_size=40)
percents = st.decimals(min_value=0, max_value=100, places=2)
NOW = dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC)


@given(salt=salts, visitor_id=ids)
def test_the_bucket_is_deterministic_and_in_range(salt, visitor_id):
    bucket = visitor_bucket(salt, visitor_id)
    assert 0 <= bucket < BUCKETS
    assert visitor_bucket(salt, visitor_id) == bucket


def test_the_bucket_is_sha256_of_salt_and_id_mod_10000():
    import hashlib

    expected = int(hashlib.sha256(b"pepper:abc").hexdigest(), 16) % 10_000
    assert visitor_bucket("pepper", "abc") == expected
    assert visitor_bucket("other", "abc") != expected or visitor_bucket("x", "abc") != expected


def test_buckets_are_spread_evenly_enough():
    buckets = [visitor_bucket("salt", f"{n:032x}") for n in range(20_000)]
    tenths = Counter(b * 10 // BUCKETS for b in buckets)
    assert set(tenths) == set(range(10))
    assert all(1_700 <= count <= 2_300 for count in tenths.values()), tenths
    admitted = sum(in_ramp(b, Decimal(25)) for b in buckets)
    assert 4_600 <= admitted <= 5_400  # 25 % of 20 000 is 5 000


@given(bucket=st.integers(0, BUCKETS - 1), low=percents, high=percents)
def test_raising_the_ramp_never_turns_an_admitted_visitor_away(bucket, low, high):
    low, high = min(low, high), max(low, high)
    for capacity_full in (False, True):
        before = decide(
            Gate(mode="public", percent=low), Subject(bucket=bucket), capacity_full=False
        )
        after = decide(
            Gate(mode="public", percent=high, capacity=10),
            Subject(bucket=bucket, admitted_before=before.admitted),
            capacity_full=capacity_full,
        )
        if before.admitted:
            assert after.admitted


@given(bucket=st.integers(0, BUCKETS - 1), percent=percents)
def test_the_ramp_admits_exactly_the_buckets_below_the_line(bucket, percent):
    decision = decide(Gate(mode="public", percent=percent), Subject(bucket=bucket))
    assert decision.admitted == (bucket < percent * 100)
    assert decision.state in ("admitted", "waiting")


def test_the_line_at_the_edges():
    assert ramp_line(Decimal(0)) == 0 and not in_ramp(0, Decimal(0))
    assert ramp_line(Decimal("0.01")) == 1 and in_ramp(0, Decimal("0.01"))
    assert not in_ramp(1, Decimal("0.01"))
    assert in_ramp(9_999, Decimal(100))


def test_lowering_the_ramp_turns_away_visitors_above_the_new_line():
    decision = decide(
        Gate(mode="public", percent=Decimal(10)), Subject(bucket=5_000, admitted_before=True)
    )
    assert (decision.state, decision.reason) == ("waiting", "ramp")


@given(
    mode=st.sampled_from(["closed", "beta", "invite", "public"]),
    bucket=st.integers(0, BUCKETS - 1),
    percent=percents,
    staff=st.booleans(),
    beta=st.booleans(),
    invited=st.booleans(),
    full=st.booleans(),
)
def test_the_modes(mode, bucket, percent, staff, beta, invited, full):
    gate = Gate(mode=mode, percent=percent, capacity=5)
    subject = Subject(bucket=bucket, staff=staff, beta=beta, invited=invited)
    decision = decide(gate, subject, capacity_full=full)
    if staff:
        assert decision.admitted
    elif mode == "closed":
        assert decision.state == "refused"
    elif beta:  # beta testers: exempt from the ramp and the cap
        assert (decision.state, decision.reason) == ("admitted", "beta")
    elif mode == "beta":
        assert decision.state == "refused"
    elif invited:  # invitees too
        assert (decision.state, decision.reason) == ("admitted", "invite")
    elif mode == "invite":
        assert decision.state == "refused"
    else:
        inside = bucket < percent * 100
        assert decision.admitted == (inside and not full)
        assert decision.state == ("admitted" if decision.admitted else "waiting")


def test_capacity_keeps_admitted_visitors_and_holds_new_ones():
    gate = Gate(mode="public", percent=Decimal(100), capacity=3)
    held = decide(gate, Subject(bucket=1), capacity_full=True)
    kept = decide(gate, Subject(bucket=1, admitted_before=True), capacity_full=True)
    assert (held.state, held.reason) == ("waiting", "capacity")
    assert kept.admitted
    assert not gate.wide_open
    assert Gate().wide_open
    assert not Gate(percent=Decimal("99.99")).wide_open


@pytest.mark.parametrize(
    "path,open_",
    [
        ("/healthz", True),
        ("/readyz", True),
        ("/status", True),
        ("/status/history", True),
        ("/metrics", True),
        ("/api/v1/payments/stripe/webhook", True),
        ("/api/v1/email/inbound", True),  # customers' e-mail answers to their tickets
        ("/static/midas/midas.css", True),
        ("/admin/login/", True),
        ("/account/login/", True),
        ("/launch/", True),
        ("/launch/invite/abc", True),
        ("/launch/waitlist", True),
        ("/robots.txt", True),
        ("/", False),
        ("/collection/cars/", False),
        ("/account/register/", False),
        ("/api/v1/quotes", False),
        ("/statusx", False),
    ],
)
def test_never_gated_paths(path, open_):
    assert never_gated(path) is open_


@settings(max_examples=20, deadline=None)
@given(salt=salts)
def test_a_new_visitor_costs_no_write_and_keeps_the_id_in_the_token(salt):
    gate = Gate(mode="public", percent=Decimal(50), salt=salt)
    token, decision = visitor_admit(gate=gate, token=None, user=None, now=NOW)
    assert token.bucket == visitor_bucket(salt, token.visitor_id)
    assert token.recorded_at == 0  # not recorded until the cookie comes back
    assert (token.state, token.reason) == (decision.state, decision.reason)


@pytest.mark.django_db
def test_a_visitor_who_signs_in_keeps_the_bucket_even_on_a_new_device():
    gate = Gate(mode="public", percent=Decimal(30), salt="s")
    ada = make_customer()
    first, _ = visitor_admit(gate=gate, token=None, user=None, now=NOW)
    first, _ = visitor_seen(gate=gate, token=first, user=None, now=NOW)  # the cookie came back
    # she signs in on the same device: same id and bucket, now linked
    linked, _ = visitor_admit(gate=gate, token=first, user=ada, now=NOW)
    assert (linked.visitor_id, linked.bucket, linked.user_id) == (
        first.visitor_id,
        first.bucket,
        ada.pk,
    )
    # a new phone, a new cookie: once signed in she gets her first id and bucket back
    other, _ = visitor_admit(gate=gate, token=None, user=None, now=NOW)
    while other.bucket == first.bucket:  # make sure the new device's bucket differs
        other, _ = visitor_admit(gate=gate, token=None, user=None, now=NOW)
    other, _ = visitor_seen(gate=gate, token=other, user=None, now=NOW)
    back, decision = visitor_admit(
        gate=gate, token=other, user=ada, now=NOW + dt.timedelta(minutes=1)
    )
    assert (back.visitor_id, back.bucket) == (first.visitor_id, first.bucket)
    assert decision.admitted == (first.bucket < 3_000)
    assert Visitor.objects.get(visitor_id=first.visitor_id).user == ada
    assert not Visitor.objects.filter(visitor_id=other.visitor_id).exists()  # counted once


@pytest.mark.django_db
def test_a_returning_visitor_is_written_at_most_every_few_minutes(django_assert_num_queries):
    gate = Gate(mode="invite", percent=Decimal(100), salt="s")
    token, _ = visitor_admit(gate=gate, token=None, user=None, now=NOW)
    token, _ = visitor_seen(gate=gate, token=token, user=None, now=NOW)
    with django_assert_num_queries(0):
        for minute in range(3):  # within REFRESH_SECONDS (180 s): no query at all
            same, _ = visitor_admit(
                gate=gate, token=token, user=None, now=NOW + dt.timedelta(minutes=minute)
            )
            assert same == token
    later, _ = visitor_admit(gate=gate, token=token, user=None, now=NOW + dt.timedelta(minutes=4))
    assert later.recorded_at > token.recorded_at
    row = Visitor.objects.get(visitor_id=token.visitor_id)
    assert row.last_seen_at == NOW + dt.timedelta(minutes=4)
    assert (row.state, row.reason) == ("refused", "invite_only")


@pytest.mark.django_db
def test_signed_in_without_a_cookie_gets_the_account_bucket_on_the_first_request():
    gate = Gate(mode="public", percent=Decimal(30), salt="s")
    ada = make_customer()
    first, _ = visitor_admit(gate=gate, token=None, user=ada, now=NOW)
    assert first.user_id == ada.pk and first.recorded_at  # recorded at once
    again, _ = visitor_admit(gate=gate, token=None, user=ada, now=NOW)
    assert (again.visitor_id, again.bucket) == (first.visitor_id, first.bucket)
    assert Visitor.objects.filter(user=ada).count() == 1
