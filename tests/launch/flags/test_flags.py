"""Feature flags: each state, percent by bucket, the per-process memo and its version key,
permissions, unknown keys, snapshots and the restore of the last good state."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone

from midas.core.remembered import Remembered
from midas.errors import AppError, ErrorCode
from midas.flags import registry as flag_registry
from midas.flags import selectors as flag_reads
from midas.flags.models import Flag
from midas.launch.flags import selectors, services
from midas.launch.models import FlagSnapshot, LaunchEvent
from tests.factories import make_customer
from tests.launch.conftest import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    """The memo's clock, moved on by hand."""
    now = [1000.0]
    monkeypatch.setattr(Remembered, "clock", lambda: now[0])
    flag_reads.FLAGS.forget()
    return now


def test_declared_flags_and_their_defaults():
    assert set(flag_registry.REGISTRY) >= {
        "registration",
        "booking",
        "payments",
        "live_chat",
        "reviews",
        "vip_services",
    }
    assert flag_reads.flag_enabled("booking") and flag_reads.flag_enabled("payments")
    assert not flag_reads.flag_enabled("live_chat") and not flag_reads.flag_enabled("vip_services")
    assert "does not exist yet" in flag_registry.REGISTRY["vip_services"].description


def test_each_state(coordinator_actor, groups):
    customer = make_customer()
    beta = make_customer("beta@example.com", is_beta=True)
    staff = make_staff("desk@midas.example", "concierge")
    cases = {
        "off": (False, False, False, False),
        "staff": (False, False, False, True),
        "beta": (False, False, True, True),
        "on": (True, True, True, True),
    }
    for state, expected in cases.items():
        services.flag_set(key="reviews", state=state, actor=coordinator_actor, reason="test")
        got = tuple(
            flag_reads.flag_enabled("reviews", user=u) for u in (None, customer, beta, staff)
        )
        assert got == expected, state


def test_percent_by_bucket_and_by_user_hash(coordinator_actor):
    services.flag_set(
        key="booking", state="percent", percent=25, actor=coordinator_actor, reason="r"
    )
    assert flag_reads.flag_enabled("booking", bucket=0)
    assert flag_reads.flag_enabled("booking", bucket=2499)
    assert not flag_reads.flag_enabled("booking", bucket=2500)
    assert not flag_reads.flag_enabled("booking")  # anonymous, no bucket: off
    users = [make_customer(f"u{i}@example.com") for i in range(40)]
    admitted = [u for u in users if flag_reads.flag_enabled("booking", user=u)]
    assert admitted == [u for u in users if flag_reads.user_bucket(u) < 2500]
    assert 0 < len(admitted) < 40
    # the visitor bucket, when there is one, decides over the account's hash
    one = users[0]
    assert flag_reads.flag_enabled("booking", user=one, bucket=10) is True
    assert flag_reads.flag_enabled("booking", user=one, bucket=9000) is False


def test_percent_needs_a_share_and_states_are_checked(coordinator_actor):
    with pytest.raises(AppError) as exc:
        services.flag_set(key="booking", state="percent", actor=coordinator_actor, reason="r")
    assert exc.value.code == ErrorCode.INVALID_INPUT
    with pytest.raises(AppError):
        services.flag_set(key="booking", state="maybe", actor=coordinator_actor, reason="r")
    with pytest.raises(AppError):
        services.flag_set(key="booking", state="on", actor=coordinator_actor, reason=" ")
    assert not Flag.objects.exists()


def test_warm_memo_pays_no_query(clock, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert flag_reads.flag_enabled("booking")
    with django_assert_num_queries(0):
        for _ in range(50):
            flag_reads.flag_enabled("booking")
            flag_reads.flag_enabled("payments", user=None, bucket=5)


def test_after_the_ttl_a_shared_cache_version_keeps_the_memo(
    clock, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(flag_reads, "_shared_cache", lambda: True)
    flag_reads.flag_enabled("booking")
    clock[0] += flag_reads.FRESH_SECONDS + 1
    with django_assert_num_queries(0):
        assert flag_reads.flag_enabled("booking")


def test_a_change_in_another_process_is_seen_after_the_ttl(
    clock, monkeypatch, coordinator_actor, django_capture_on_commit_callbacks
):
    """Another process = this one with its memo put back as it was before the change; the
    cache (the version key) is shared."""
    monkeypatch.setattr(flag_reads, "_shared_cache", lambda: True)
    assert flag_reads.flag_enabled("booking")
    stale = flag_reads.FLAGS._memo
    with django_capture_on_commit_callbacks(execute=True):
        services.flag_set(key="booking", state="off", actor=coordinator_actor, reason="r")
    flag_reads.FLAGS._memo = stale
    assert flag_reads.flag_enabled("booking")  # within the TTL the other process trusts its copy
    clock[0] += flag_reads.FRESH_SECONDS + 1
    assert not flag_reads.flag_enabled("booking")  # the version moved: re-read


def test_a_per_process_cache_rereads_after_the_ttl(
    clock, coordinator_actor, django_assert_num_queries
):
    flag_reads.flag_enabled("booking")
    stale = flag_reads.FLAGS._memo
    services.flag_set(key="booking", state="off", actor=coordinator_actor, reason="r")
    flag_reads.FLAGS._memo = stale
    clock[0] += flag_reads.FRESH_SECONDS + 1
    with django_assert_num_queries(1):
        assert not flag_reads.flag_enabled("booking")


def test_this_process_sees_its_own_change_at_once(coordinator_actor):
    assert flag_reads.flag_enabled("booking")
    services.flag_set(key="booking", state="off", actor=coordinator_actor, reason="r")
    assert not flag_reads.flag_enabled("booking")


def test_change_is_recorded_and_announced(coordinator_actor, coordinator, settings):
    settings.LAUNCH_TEAM_EMAIL = ["launch@midas.example"]
    from midas.notifications.models import OutboxMessage

    services.flag_set(key="payments", state="staff", actor=coordinator_actor, reason="card issue")
    row = Flag.objects.get(key="payments")
    assert (row.state, row.changed_by) == ("staff", coordinator)
    event = LaunchEvent.objects.get(action="launch.flag.changed")
    assert event.reason == "card issue"
    assert event.details["key"] == "payments" and event.details["after"] == "staff"
    assert OutboxMessage.objects.filter(to="launch@midas.example").count() == 1


@pytest.mark.parametrize("who", ["executive", "concierge_staff"])
def test_permission_refused(request, who):
    from midas.launch import actors

    actor = actors.of_user(request.getfixturevalue(who), "console")
    with pytest.raises(AppError) as exc:
        services.flag_set(key="booking", state="off", actor=actor, reason="r")
    assert exc.value.code == ErrorCode.FORBIDDEN
    assert not Flag.objects.exists() and not LaunchEvent.objects.exists()


def test_operator_may_change_flags(operator):
    from midas.launch import actors

    services.flag_set(key="booking", state="off", actor=actors.of_user(operator, "cli"), reason="r")
    assert Flag.objects.get(key="booking").state == "off"


def test_unknown_key(coordinator_actor, caplog):
    with pytest.raises(AppError) as exc:
        services.flag_set(key="teleport", state="on", actor=coordinator_actor, reason="r")
    assert exc.value.code == ErrorCode.NOT_FOUND
    flag_reads._warned.discard("teleport")
    with caplog.at_level(logging.WARNING, logger="midas.flags.selectors"):
        assert flag_reads.flag_enabled("teleport") is False
        assert flag_reads.flag_enabled("teleport") is False
    assert sum("teleport" in r.getMessage() for r in caplog.records) == 1


def test_a_flag_added_later(coordinator_actor):
    services.flag_create(
        key="gift_cards", description="Gift cards", actor=coordinator_actor, reason="r"
    )
    assert flag_reads.flag_enabled("gift_cards") is False
    services.flag_set(key="gift_cards", state="on", actor=coordinator_actor, reason="r")
    assert flag_reads.flag_enabled("gift_cards") is True
    assert "gift_cards" in [f.key for f in selectors.flags_list()]
    with pytest.raises(AppError) as exc:
        services.flag_create(key="booking", description="", actor=coordinator_actor, reason="r")
    assert exc.value.code == ErrorCode.INVALID_STATE


def test_snapshot_and_restore_the_last_good_state(coordinator_actor):
    at = timezone.now() - dt.timedelta(hours=1)
    services.flag_set(key="reviews", state="beta", actor=coordinator_actor, reason="r")
    good = services.flags_snapshot(good=True, reason="GO at 10:00", at=at)
    assert good.states["reviews"] == {"state": "beta", "percent": 0}
    assert good.states["booking"]["state"] == "on"
    services.flag_set(key="booking", state="off", actor=coordinator_actor, reason="incident")
    services.flag_set(key="reviews", state="on", actor=coordinator_actor, reason="r")
    services.flags_snapshot(good=False, reason="just looking")  # newer, but not good
    restored = services.flags_restore_last_good(actor=coordinator_actor, reason="rollback")
    assert restored["booking"] == "on" and restored["reviews"] == "beta"
    assert flag_reads.flag_enabled("booking") and not flag_reads.flag_enabled("reviews")
    event = LaunchEvent.objects.get(action="launch.flags.restored")
    assert event.details["snapshot"] == good.pk
    assert set(event.details["changed"]) == {"booking", "reviews"}
    assert FlagSnapshot.objects.count() == 2


def test_restore_without_a_good_snapshot_is_refused(coordinator_actor):
    services.flags_snapshot(good=False, reason="x")
    with pytest.raises(AppError) as exc:
        services.flags_restore_last_good(actor=coordinator_actor, reason="rollback")
    assert exc.value.code == ErrorCode.NOT_FOUND


def test_unreadable_database_keeps_the_defaults(monkeypatch, clock):
    from django.db import DatabaseError

    def broken(*args, **kwargs):
        raise DatabaseError("gone")

    monkeypatch.setattr(Flag.objects, "values_list", broken)
    assert flag_reads.flag_enabled("booking") is True
    assert flag_reads.flag_enabled("live_chat") is False
