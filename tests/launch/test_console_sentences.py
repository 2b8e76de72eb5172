"""The audit trail as sentences, and times in the plan's zone with UTC on hover."""

from __future__ import annotations

import datetime as dt

import pytest

from midas.launch import actors, audit
from midas.launch.console.sentences import sentence
from midas.launch.state.selectors import forget, state_row
from midas.launch.templatetags.launch_console import local_time

pytestmark = pytest.mark.django_db

AT = dt.datetime(2027, 1, 4, 12, 5, tzinfo=dt.UTC)  # 07:05 in New York (EST)


def said(action: str, actor: actors.Actor, **details) -> str:
    return sentence(audit.record(action, actor=actor, reason="r", at=AT, **details))


def test_a_person_and_the_system_in_words(coordinator):
    ana = actors.of_user(coordinator, "console")
    assert (
        said("launch.phase.changed", ana, before="freeze", after="soft_launch")
        == "Staff coor moved the phase from System freeze to Soft launch"
    )
    assert (
        said("launch.ramp.changed", ana, before="25.00", after="10", disruptive=True)
        == "Staff coor set the ramp from 25% to 10% (lowered: admitted visitors above the line "
        "turned away)"
    )
    trigger = actors.system("trigger")
    assert (
        said("launch.trigger.fired", trigger, trigger="error_rate", on_fire="recommend")
        == "The rollback triggers fired the Error rate trigger and recommended a rollback"
    )
    assert (
        said("launch.incident.escalated", actors.system("escalation"), incident=4, level=2)
        == "The escalation paged level 2 (Management) about incident #4"
    )
    assert (
        said("launch.gonogo.recorded", ana, record=3, decision="no_go", reasons=["a", "b"])
        == "Staff coor recorded go/no-go #3: NO-GO (2 criteria failed)"
    )


def test_an_action_without_a_sentence_still_reads(coordinator):
    ana = actors.of_user(coordinator, "cli")
    assert said("launch.something.new_here", ana) == "Staff coor recorded: something new here"
    # details of an unexpected shape never break the page
    assert said("launch.phase.changed", ana, before=None, after=7).startswith("Staff coor moved")


def test_times_in_the_plan_zone_with_utc_on_hover(db):
    forget()
    assert local_time(AT, "time") == (
        '<time datetime="2027-01-04T12:05:00Z" title="2027-01-04 12:05 UTC">07:05 EST</time>'
    )
    row = state_row()
    row.timezone = "Asia/Dubai"
    row.save()
    forget()
    assert ">2027-01-04 16:05 +04</time>" in local_time(AT)
    assert local_time(None) == "-"
    forget()
