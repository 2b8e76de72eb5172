"""``midas launch flags ...`` and ``midas launch guard``: output, exit codes, refusals."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from midas.flags import selectors as flag_reads
from midas.launch.models import LaunchEvent
from midas.launch.state import services

pytestmark = pytest.mark.django_db


def launch(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("launch", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_list_shows_every_flag(db):
    code, out, _ = launch("flags", "list")
    assert code == 0
    for key in ("registration", "booking", "payments", "live_chat", "reviews", "vip_services"):
        assert key in out
    assert "(default)" in out and "Last good snapshot: none" in out


def test_set_records_who(coordinator):
    code, out, _ = launch(
        "flags",
        "set",
        "booking",
        "percent",
        "--percent",
        "10",
        "--reason",
        "r",
        "--by",
        coordinator.email,
    )
    assert code == 0 and "booking: percent (10%)" in out
    assert LaunchEvent.objects.get(action="launch.flag.changed").actor == coordinator
    code, out, _ = launch("flags", "list")
    assert coordinator.email in out and "A share of visitors (10%)" in out


def test_refusals_exit_2(coordinator, executive):
    code, _, err = launch("flags", "set", "booking", "off", "--reason", "r")
    assert code == 2 and "auth_required" in err
    code, _, err = launch(
        "flags", "set", "booking", "off", "--reason", "r", "--by", executive.email
    )
    assert code == 2 and "forbidden" in err
    code, _, err = launch("flags", "set", "nope", "off", "--reason", "r", "--by", coordinator.email)
    assert code == 2 and "not_found" in err
    assert flag_reads.flag_enabled("booking")


def test_snapshot_and_restore(coordinator):
    code, out, _ = launch("flags", "snapshot", "--good", "--reason", "GO")
    assert code == 0 and "good snapshot" in out
    launch("flags", "set", "payments", "off", "--reason", "r", "--by", coordinator.email)
    code, out, _ = launch("flags", "restore", "--reason", "rollback", "--by", coordinator.email)
    assert code == 0 and "payments=on" in out
    assert flag_reads.flag_enabled("payments")


def test_guard_exit_codes(coordinator, coordinator_actor):
    assert launch("guard")[0] == 0
    today = dt.datetime.now(dt.UTC)
    services.schedule_set(
        actor=coordinator_actor,
        reason="freeze now",
        launch_date=None,
        freeze_starts_at=today - dt.timedelta(hours=1),
        freeze_ends_at=today + dt.timedelta(hours=5),
    )
    code, _, err = launch("guard")
    assert code == 3 and "refused" in err and "until" in err
    code, _, err = launch("guard", "--override", "--by", coordinator.email)
    assert code == 2 and "reason" in err
    code, out, _ = launch(
        "guard", "--override", "--reason", "hotfix", "--what", "r43", "--by", coordinator.email
    )
    assert code == 0 and "allowed" in out and "hotfix" in out
    assert launch("guard")[0] == 0
