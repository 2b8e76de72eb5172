"""Reasons are short and readable: a count and a pointer (``see `midas launch gonogo show
--details```), never 62 migration names in one reason; every item is kept on the record and
printed with ``--details``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db.migrations.recorder import MigrationRecorder

from midas.launch.gonogo import criteria, selectors
from midas.launch.models import GoNoGoRecord, ReleaseSeen
from tests.launch.gonogo.test_criteria import T0, set_launch_day

pytestmark = pytest.mark.django_db
POINTER = "see `midas launch gonogo show --details`"


def test_62_migrations_in_the_freeze_are_a_count_and_a_pointer():
    """An install inside the window applies every migration then."""
    set_launch_day()
    for n in range(62):
        MigrationRecorder.Migration.objects.create(
            app="catalog", name=f"{n:04d}_step", applied=T0 - dt.timedelta(hours=3)
        )
    ReleaseSeen.objects.create(release="r42", first_seen_at=T0 - dt.timedelta(hours=2))
    result = criteria.freeze(T0)
    assert not result.ok and len(result.items) == 63
    assert result.detail == (
        "62 migrations applied during the freeze window, 1 deploy during the freeze window, "
        f"not overridden — {POINTER}"
    )
    reason = selectors.reason_of(result)
    assert len(reason) < 300 and "0001_step" not in reason and POINTER in reason
    assert result.as_json()["items"][0].startswith("not overridden: ")


def test_a_few_items_are_named_as_they_are():
    set_launch_day()
    ReleaseSeen.objects.create(release="r42", first_seen_at=T0 - dt.timedelta(hours=2))
    assert criteria.freeze(T0).detail == "not overridden: deploy of release r42"


def test_long_reasons_are_cut_with_a_pointer():
    long = "; ".join(f"check-{n}: fail (timeout after 5 s)" for n in range(40))
    result = criteria.Result("readiness", "Readiness", "fail", "all pass", False, long)
    reason = selectors.reason_of(result)
    assert len(reason) < 300
    assert reason.endswith(f"— {POINTER}")
    assert "check-39" not in reason
    assert criteria.summary([f"c{n}" for n in range(10)], noun="check") == (
        f"c0; c1; c2 and 7 more checks — {POINTER}"
    )


def test_show_prints_the_newest_record_and_every_item_with_details(capsys):
    GoNoGoRecord.objects.create(
        created_at=T0,
        decision="no_go",
        phase="public",
        criteria=[
            {
                "key": "freeze",
                "label": "Freeze respected",
                "value": "62 change(s)",
                "threshold": "-",
                "ok": False,
                "detail": "62 migrations applied during the freeze window",
                "items": [f"not overridden: migration catalog.{n:04d}" for n in range(62)],
            }
        ],
    )
    call_command("launch", "gonogo", "show")  # the newest record
    out = capsys.readouterr().out
    assert "62 migrations" in out and "catalog.0061" not in out
    call_command("launch", "gonogo", "show", "--details")
    assert "catalog.0061" in capsys.readouterr().out
