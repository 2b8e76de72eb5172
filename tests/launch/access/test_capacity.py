"""The capacity cap under a burst: sixty new visitors at once against a cap of twenty, real
threads and real transactions (SQLite here; PostgreSQL with DATABASE_URL) — exactly twenty
are admitted, the rest wait. And every capacity change is told to the launch channel."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from django.utils import timezone

from midas.launch import actors
from midas.launch.access.admission import Gate
from midas.launch.access.selectors import active_count, forget_active
from midas.launch.access.services import visitor_admit
from midas.launch.models import LaunchEvent, Visitor
from midas.launch.state import services
from midas.notifications.models import OutboxMessage
from tests.concurrency import race

SYSTEM = actors.system("test")
CAP, BURST = 20, 60


@pytest.fixture(autouse=True)
def _fresh_capacity_count():
    forget_active()
    yield
    forget_active()


def capped(capacity: int = CAP) -> Gate:
    return Gate(mode="public", percent=Decimal(100), salt="s", capacity=capacity)


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_new_visitors_never_takes_more_places_than_the_cap():
    now = timezone.now()
    active_count(now)  # the tables exist before the threads start

    def attempt(i: int) -> str:
        # a cookieless first request, and the same visitor coming back with its cookie
        token, first = visitor_admit(gate=capped(), token=None, user=None, now=now)
        again, second = visitor_admit(
            gate=capped(), token=token, user=None, now=now + dt.timedelta(seconds=1)
        )
        assert again.visitor_id == token.visitor_id
        return f"{first.state}/{second.state}:{second.reason}"

    outcomes = Counter(race(BURST, attempt))
    assert outcomes == {
        "admitted/admitted:ramp": CAP,
        "waiting/waiting:capacity": BURST - CAP,
    }, outcomes
    assert Visitor.objects.filter(state="admitted").count() == CAP
    assert active_count(now + dt.timedelta(seconds=1)) == CAP


@pytest.mark.django_db
def test_a_place_is_taken_at_once_and_kept_by_whoever_holds_it():
    now = timezone.now()
    first, admitted = visitor_admit(gate=capped(1), token=None, user=None, now=now)
    assert admitted.state == "admitted"
    assert Visitor.objects.get().visitor_id == first.visitor_id  # counted from the start
    forget_active()
    _, other = visitor_admit(gate=capped(1), token=None, user=None, now=now)
    assert (other.state, other.reason) == ("waiting", "capacity")
    _, back = visitor_admit(
        gate=capped(1), token=first, user=None, now=now + dt.timedelta(seconds=1)
    )
    assert back.admitted  # admitted before: keeps going, takes no new place
    later = now + dt.timedelta(minutes=6)  # the first visitor is no longer active
    forget_active()
    _, freed = visitor_admit(gate=capped(1), token=None, user=None, now=later)
    assert freed.admitted


@pytest.mark.django_db
def test_every_capacity_change_is_announced(settings):
    settings.LAUNCH_TEAM_EMAIL = ["launch@midas.example"]

    def told() -> str:
        return OutboxMessage.objects.filter(to="launch@midas.example").order_by("id").last().subject

    services.capacity_set(sessions=500, actor=SYSTEM, reason="planned peak")
    assert "Capacity: no cap → 500 active visitors" in told()
    assert "lowered" in told() and told().startswith("[launch warning]")
    services.capacity_set(sessions=800, actor=SYSTEM, reason="scaled out")
    assert "Capacity: 500 active visitors → 800 active visitors" in told()
    assert not told().startswith("[launch warning]")
    services.capacity_set(sessions=None, actor=SYSTEM, reason="no limit")
    assert "Capacity: 800 active visitors → no cap" in told()
    assert LaunchEvent.objects.filter(action="launch.capacity.changed").count() == 3
