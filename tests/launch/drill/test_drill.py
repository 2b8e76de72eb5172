"""The launch drill end to end, on this test run's database engine (SQLite in the README's
command, PostgreSQL in CI's second pass): every decision it made is read back from the
records here, not from what the drill says about itself."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.db import connection

from midas.errors import AppError
from midas.launch.drill.run import REAL_NOW, ensure_empty, field_defaults_on, run_drill
from midas.launch.drill.timeline import EXPECTED, match_expected

DAY = dt.date(2027, 3, 12)  # a Friday, before the US clocks change (14 March 2027)


def local(hour: int, minute: int = 0, days: int = 0) -> dt.datetime:
    import zoneinfo

    d = DAY + dt.timedelta(days=days)
    return dt.datetime(
        d.year, d.month, d.day, hour, minute, tzinfo=zoneinfo.ZoneInfo("America/New_York")
    )


def test_match_expected_in_order_with_gaps():
    keys = [key for key, _ in EXPECTED]
    found, missing = match_expected(["noise", *keys[:3], "gate:beta", *keys[3:]])
    assert found == keys and missing == []
    found, missing = match_expected(list(reversed(keys)))
    assert missing  # out of order is not as scripted
    found, missing = match_expected([k for k in keys if k != "rollback:done"])
    assert "rollback:done" in missing


@pytest.mark.django_db
def test_the_drill_refuses_a_database_with_a_launch(coordinator_actor):
    from midas.launch.state import services

    services.schedule_set(actor=coordinator_actor, reason="real launch", launch_date=DAY)
    with pytest.raises(AppError) as exc:
        ensure_empty()
    assert exc.value.code == "invalid_state"


@pytest.mark.django_db(transaction=True)
def test_drill_end_to_end_and_its_decisions_in_the_records(tmp_path):
    from midas.bookings.models import Booking
    from midas.launch.drill.team import BETA
    from midas.launch.models import (
        Escalation,
        GoNoGoRecord,
        LaunchEvent,
        RollbackRun,
        SmokeRun,
        TriggerFiring,
    )
    from midas.launch.response.escalation import acknowledged_by, page_key
    from midas.launch.state.selectors import launch_state
    from midas.notifications.models import OutboxChannel, OutboxMessage, OutboxStatus
    from midas.status.models import Incident

    lines: list[str] = []
    result = run_drill(workdir=tmp_path, seed=7, launch_date=DAY, out=lines.append)
    failed = [f"{e.event} {e.detail}" for e in result.timeline.entries if not e.ok]
    assert result.ok, "\n".join(
        [f"missing: {result.missing}", f"not available: {result.timeline.missing_parts}", *failed]
    )
    assert result.missing == [] and result.found == [key for key, _ in EXPECTED]

    # go/no-go: GO at 10:00, NO-GO within the hour of the burst, GO after a clean hour
    records = list(GoNoGoRecord.objects.order_by("created_at"))
    assert [r.decision for r in records] == ["go", "no_go", "go"]
    assert local(10) <= records[0].created_at < local(10, 1)
    assert any(c["key"] == "error_rate" and not c["ok"] for c in records[1].criteria)
    assert {s.role.key for s in records[2].signoffs.select_related("role")} == {
        "coordinator",
        "ceo",
        "cto",
    }  # the plan's decision authority, each signing for their own role

    # the false alarm: 25 mistyped passwords opened a staff-only review, nothing public,
    # no rollback recommended; devops closed it before the 10:00 go/no-go
    review = TriggerFiring.objects.get(trigger="security")
    assert local(9, 0) < review.fired_at <= local(9, 5)
    assert review.details["review"] is True and review.incident.public is False
    assert review.incident.resolved_at < local(10)
    seen = LaunchEvent.objects.get(action="launch.drill.status_check").details
    assert seen["ok"] and seen["indicator"] == "none" and seen["public_incidents"] == 0
    assert not seen["rollback_recommended"]

    # the error-rate trigger fired after 10 minutes of the burst and cleared after the rollback
    firing = TriggerFiring.objects.get(trigger="error_rate")
    assert local(11, 29) < firing.fired_at <= local(11, 31)
    assert firing.cleared_at is not None and firing.cleared_at > firing.fired_at
    assert firing.action == "recommend"
    assert firing.incident is not None

    # the incident it opened: level 1 told and paged at once, level 2 at 15 minutes
    # unacknowledged; then devops acknowledged the page in the (stand-in) PagerDuty app, its
    # webhook acknowledged the incident here, and no acknowledge went back; resolved by 12:20
    # and the alert resolved with it
    incident = Incident.objects.get(pk=firing.incident_id)
    assert incident.resolved_at is not None and incident.resolved_at < local(12, 30)
    escalation = Escalation.objects.get(incident=incident)
    assert acknowledged_by(escalation) == "PagerDuty: Drill devops"
    notices = list(escalation.notices.order_by("at"))
    assert [(n.level, n.why) for n in notices] == [(1, "opened"), (2, "unacknowledged")]
    assert notices[1].at - notices[0].at == dt.timedelta(minutes=15)
    assert escalation.acknowledged_at > notices[1].at
    pages = OutboxMessage.objects.filter(
        channel=OutboxChannel.PAGERDUTY, to=page_key(escalation), status=OutboxStatus.SENT
    )
    assert sorted(pages.values_list("template", flat=True)) == [
        "pagerduty.resolve",
        "pagerduty.trigger",
        "pagerduty.trigger",
    ]

    # the worker's smoke failed at sign-in during the fault, and the channel was told
    failed = SmokeRun.objects.filter(ok=False, via="worker").order_by("started_at")
    assert [run.started_at < firing.cleared_at for run in failed] == [True]
    assert next(s["name"] for s in failed[0].steps if not s["ok"]) == "sign_in"
    told = OutboxMessage.objects.get(channel=OutboxChannel.SLACK, template="launch.smoke.failed")
    assert told.status == OutboxStatus.SENT and "at step sign_in" in told.body_text

    # rollback: a dry run, then the real one restoring the final backup; every step ok
    dry, real = RollbackRun.objects.order_by("started_at")
    assert dry.dry_run and not real.dry_run
    assert real.ok is True and real.restore is True
    assert real.steps and all(s.get("ok") for s in real.steps)
    assert (tmp_path / "rollback-hook.txt").read_text() == "drill-1.0"
    # ... and the launch is as it was: date, freeze, team, records; the burst still measured;
    # the booking made before the fault is gone and its customer was told in local times
    check = LaunchEvent.objects.get(action="launch.drill.restore_check")
    assert check.details["ok"], check.reason
    from midas.launch.state.selectors import freeze_window

    assert launch_state(fresh=True).launch_date == DAY
    assert freeze_window(launch_state(fresh=True)).contains(local(11, 40))  # deploys refused
    assert not Booking.objects.filter(customer__email=BETA).exists()
    apology = OutboxMessage.objects.get(to=BETA, template="launch_rollback_customer")
    assert apology.status == OutboxStatus.SENT

    # smoke checks passed before each GO
    for record in (records[0], records[2]):
        smoke = SmokeRun.objects.filter(ok=True, started_at__lte=record.created_at).first()
        assert smoke is not None
        assert record.created_at - smoke.started_at <= dt.timedelta(minutes=15)

    # the phases, from the audit trail, in order
    phases = [
        e.details["after"]
        for e in LaunchEvent.objects.filter(action="launch.phase.changed").order_by("at", "id")
    ]
    assert phases == [
        "freeze",
        "soft_launch",
        "public",
        "rolled_back",
        "public",
        "stabilisation",
        "launched",
    ]
    state = launch_state(fresh=True)
    assert state.phase == "launched" and state.ramp_percent == 100
    # the flag switched on after the GO went back to its good state with the rollback
    # (and once more after the restore, which had brought back the backup's flags)
    restored = LaunchEvent.objects.filter(action="launch.flags.restored").order_by("at", "id")
    assert "live_chat" in restored[0].details.get("changed", {})
    # the access gate counted real visitors: refused before the public launch, admitted
    # (beta tester, VIP, the ramp) after; the GO records summarise the beta feedback
    assert result.traffic["admissions"]["admitted"] > 0
    assert result.traffic["admissions"]["refused"] > 0
    assert records[0].feedback.get("count") == 1
    # the day's own records carry the drill's clock: the visitor who registered at 12:55
    # joined then, and the 16:00 report counts them and the day's bookings
    from midas.accounts.models import User

    joined = User.objects.get(email="new-customer@drill.midas.example").date_joined
    assert local(12, 55) <= joined < local(12, 56)
    report_note = next(e for e in result.timeline.entries if "launch report" in e.event)
    assert report_note.ok and "registrations 1," in report_note.event, report_note.event
    # the printed timeline has the decisions
    text = "\n".join(lines)
    assert "trigger fired: error_rate" in text and "rollback: done" in text


@pytest.mark.django_db
def test_inside_refuses_outside_its_scratch_database(tmp_path):
    with pytest.raises(SystemExit) as exc:
        call_command("launch", "drill", "--inside", str(tmp_path / "result.json"))
    assert exc.value.code == 2


@pytest.mark.django_db
def test_the_command_runs_in_its_own_scratch_database_and_removes_it(capsys):
    from midas.launch.models import LaunchEvent

    try:
        call_command("launch", "drill", "--json", "--date", DAY.isoformat())
    except SystemExit as exc:  # exit 1: not as scripted; the JSON says why
        assert exc.code == 1
    out = capsys.readouterr().out
    data = json.loads(out[out.index("{") :])
    failed = [f"{e['local']} {e['event']} {e['detail']}" for e in data["timeline"] if not e["ok"]]
    assert data["ok"] is True, [data["missing"], data["not_available"], *failed]
    assert data["summary"]["final"]["phase"] == "launched"
    assert not LaunchEvent.objects.exists()  # this database was never touched
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            mine = f"{connection.settings_dict['NAME']}_drill_%"
            cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [mine])
            assert cursor.fetchall() == []


# --- what the drill found: the SLO engine and the access gate --------------------------------


@pytest.mark.django_db
def test_probes_get_through_a_closed_gate(system_actor):
    from midas.launch.state import services
    from midas.slo.probes import run_probes

    services.gate_set(mode="closed", actor=system_actor, reason="before the soft launch")
    rows = run_probes()
    home = next(r for r in rows if r.target == "home")
    assert home.ok and home.status == 200


@pytest.mark.django_db
def test_the_gate_waiting_answer_is_not_a_server_error(client, system_actor):
    from django.db.models import Sum

    from midas.launch.state import services
    from midas.slo.models import RequestMinute
    from midas.slo.recorder import RECORDER

    RECORDER.flush()
    RequestMinute.objects.all().delete()
    services.ramp_set(percent=0, actor=system_actor, reason="nobody new yet")
    response = client.get("/")
    assert response.status_code == 503 and response["X-Launch-Gate"] == "waiting:ramp"
    RECORDER.flush()
    sums = RequestMinute.objects.aggregate(count=Sum("count"), errors=Sum("errors"))
    assert sums == {"count": 1, "errors": 0}


def test_a_part_not_there_is_not_available_and_fails_the_drill(tmp_path):
    import random

    from midas.launch.drill.room import Room
    from midas.launch.drill.run import Clock, Faults, Unavailable, part
    from midas.launch.drill.script import Script
    from midas.launch.drill.timeline import Timeline
    from midas.launch.drill.traffic import Traffic

    with pytest.raises(Unavailable, match="has no nothing_here"):
        part("smoke", "midas.launch.drill", "nothing_here")
    script = Script(
        clock=Clock(local(10)),
        timeline=Timeline(zone=local(10).tzinfo),
        traffic=Traffic(rng=random.Random(1)),
        day=DAY,
        workdir=tmp_path,
        base_url="http://127.0.0.1:1",
        room=Room(),
        faults=Faults(),
    )
    assert script.attempt("smoke", lambda: part("smoke", "midas.launch.not_built", "run")) is None
    assert script.timeline.missing_parts == ["smoke"]
    assert script.failures == ["not available: smoke"]
    assert "not available: smoke" in script.timeline.lines()[0]


@pytest.mark.django_db
def test_fields_defaulting_to_now_follow_the_drills_clock():
    from midas.accounts.models import User

    simulated = dt.datetime(2027, 3, 12, 17, 55, tzinfo=dt.UTC)
    with field_defaults_on(lambda: simulated) as fields:
        assert User._meta.get_field("date_joined") in fields
        assert User.objects.create_user("clock@example.com", "x-Passw0rd").date_joined == (
            simulated
        )
    assert User._meta.get_field("date_joined").default is REAL_NOW  # put back afterwards
    later = User.objects.create_user("real@example.com", "x-Passw0rd")
    assert later.date_joined > simulated - dt.timedelta(days=3650) and later.date_joined != (
        simulated
    )
