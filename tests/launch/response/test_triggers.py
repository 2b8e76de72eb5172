"""Rollback triggers: "for" semantics, one open firing, incident + escalation + channel,
clearing to monitoring, and the execute action."""

from __future__ import annotations

import datetime as dt
import sys
import types

import pytest

from midas.launch.models import (
    Escalation,
    EscalationNotice,
    LaunchEvent,
    LaunchState,
    RollbackRun,
    TriggerFiring,
)
from midas.launch.response.selectors import trigger_readings
from midas.launch.response.services import triggers_evaluate
from midas.launch.response.triggers import TRIGGERS
from midas.launch.state.selectors import forget
from midas.notifications.models import OutboxMessage
from midas.status.models import Incident, IncidentStatus
from tests.slo.conftest import add_minute, add_probe

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC)
M = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def team(settings):
    settings.LAUNCH_TEAM_EMAIL = ["team@midas.example"]
    settings.SLACK_WEBHOOK_URL = ""
    forget()
    yield
    forget()


def traffic(first: int, last: int, *, errors: int = 2) -> None:
    """Minutes ``first``..``last`` after T0: 100 requests, ``errors`` of them 5xx."""
    for i in range(first, last + 1):
        add_minute(T0 + i * M, le_50=100, errors=errors)


def fired(key: str) -> list[TriggerFiring]:
    return list(TriggerFiring.objects.filter(trigger=key))


def test_the_registry_documents_each_trigger():
    assert list(TRIGGERS) == ["downtime", "error_rate", "security", "integrity"]
    for trigger in TRIGGERS.values():
        assert trigger.doc and trigger.threshold and trigger.impact in ("major", "critical")


def test_nine_minutes_of_errors_do_not_fire_ten_do():
    traffic(0, 8)
    assert triggers_evaluate(now=T0 + 9 * M + dt.timedelta(seconds=20)) == []
    assert not TriggerFiring.objects.exists() and not Incident.objects.exists()
    traffic(9, 9)
    [firing] = triggers_evaluate(now=T0 + 10 * M)
    assert firing.trigger == "error_rate" and firing.action == "recommend"
    assert firing.details["minutes_above"] == 10


def test_exactly_one_percent_is_not_above_it():
    traffic(0, 9, errors=1)
    assert triggers_evaluate(now=T0 + 10 * M) == []


def test_a_gap_minute_resets_the_clock():
    traffic(0, 4)
    add_minute(T0 + 5 * M, le_50=100, errors=0)  # a good minute
    traffic(6, 14)
    assert triggers_evaluate(now=T0 + 15 * M) == []
    traffic(15, 15)
    assert [f.trigger for f in triggers_evaluate(now=T0 + 16 * M)] == ["error_rate"]


def test_a_minute_without_traffic_also_resets_it():
    traffic(0, 4)
    traffic(6, 14)  # minute 5 has no data
    assert triggers_evaluate(now=T0 + 15 * M) == []


def test_firing_opens_an_incident_starts_the_escalation_and_tells_the_channel():
    traffic(0, 9)
    [firing] = triggers_evaluate(now=T0 + 10 * M)
    incident = firing.incident
    assert incident.impact == "major" and incident.status == IncidentStatus.INVESTIGATING
    assert sorted(incident.components.values_list("key", flat=True)) == ["api", "website"]
    assert "%" not in incident.title and "rollback" not in incident.updates.get().body.lower()
    escalation = Escalation.objects.get(incident=incident)
    assert list(escalation.notices.values_list("level", "why")) == [(1, "opened")]
    alert = OutboxMessage.objects.filter(
        to="team@midas.example", template="launch_announcement", subject__contains="ALERT"
    ).first()
    assert alert is not None
    assert "rollback recommended: midas launch rollback --reason" in alert.body_text
    assert LaunchEvent.objects.filter(action="launch.trigger.fired").count() == 1


def test_still_holding_fires_nothing_new_and_one_firing_stays_open():
    traffic(0, 12)
    triggers_evaluate(now=T0 + 10 * M)
    assert triggers_evaluate(now=T0 + 11 * M) == []
    assert triggers_evaluate(now=T0 + 12 * M) == []
    assert len(fired("error_rate")) == 1 and Incident.objects.count() == 1
    assert EscalationNotice.objects.count() == 1


def test_clears_to_monitoring_without_resolving_and_can_fire_again():
    traffic(0, 9)
    [firing] = triggers_evaluate(now=T0 + 10 * M)
    add_minute(T0 + 10 * M, le_50=100, errors=0)
    assert triggers_evaluate(now=T0 + 11 * M) == []
    firing.refresh_from_db()
    assert firing.cleared_at == T0 + 11 * M
    incident = Incident.objects.get(pk=firing.incident_id)
    assert incident.status == IncidentStatus.MONITORING and incident.resolved_at is None
    assert incident.updates.count() == 2
    triggers_evaluate(now=T0 + 12 * M)  # cleared stays cleared
    assert incident.updates.count() == 2
    traffic(11, 20)
    [again] = triggers_evaluate(now=T0 + 21 * M)
    assert again.pk != firing.pk and len(fired("error_rate")) == 2


def test_downtime_after_five_minutes_of_failing_probes():
    for i in range(4):
        add_probe(T0 + i * M + dt.timedelta(seconds=5), "booking", ok=False)
        add_probe(T0 + i * M + dt.timedelta(seconds=6), "website", ok=True)
    assert triggers_evaluate(now=T0 + 4 * M) == []
    add_probe(T0 + 4 * M + dt.timedelta(seconds=5), "booking", ok=False)
    [firing] = triggers_evaluate(now=T0 + 5 * M)
    assert firing.trigger == "downtime" and firing.incident.impact == "critical"
    assert list(firing.incident.components.values_list("key", flat=True)) == ["booking"]
    # critical: the executives are told at once too (the plan's emergency line)
    notices = firing.incident.escalation.notices.values_list("level", flat=True)
    assert sorted(notices) == [1, 3]


def test_stopped_probes_are_no_downtime():
    for i in range(4):
        add_probe(T0 + i * M, "website", ok=False)
    # minute 4: no probe at all
    assert triggers_evaluate(now=T0 + 5 * M) == []


def test_readings_show_value_against_threshold():
    traffic(0, 3)
    readings = trigger_readings(now=T0 + 4 * M)
    assert readings["error_rate"].value.startswith("2.00% last minute; 4 minute(s)")
    assert not readings["error_rate"].holding
    assert readings["integrity"].value == "all checks pass"


def _execute_mode():
    state = LaunchState.objects.get_or_create(pk=1)[0]
    state.trigger_action = "execute"
    state.save(update_fields=["trigger_action"])
    forget()


def test_execute_calls_the_rollback_as_the_trigger(monkeypatch):
    calls = []

    def rollback_run(*, actor, reason, **kwargs):
        calls.append((actor.label, reason, kwargs))
        return RollbackRun.objects.create(
            started_at=T0, actor_label=actor.label, reason=reason, ok=True
        )

    fake = types.ModuleType("midas.launch.rollback.services")
    fake.rollback_run = rollback_run
    monkeypatch.setitem(sys.modules, "midas.launch.rollback.services", fake)
    _execute_mode()
    traffic(0, 9)
    [firing] = triggers_evaluate(now=T0 + 10 * M)
    assert firing.action == "execute"
    [(label, reason, kwargs)] = calls
    assert label == "system:trigger" and reason.startswith("rollback trigger error_rate:")
    assert kwargs == {"now": T0 + 10 * M}  # the evaluation's clock (the drill's, too)
    firing.refresh_from_db()
    assert firing.rollback_id == RollbackRun.objects.get().pk
    alert = OutboxMessage.objects.filter(subject__contains="ALERT").first()
    assert "executing the rollback now" in alert.body_text
    triggers_evaluate(now=T0 + 10 * M)  # still holding: no second rollback
    assert len(calls) == 1


def test_execute_without_a_rollback_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "midas.launch.rollback.services", None)  # import fails
    _execute_mode()
    traffic(0, 9)
    [firing] = triggers_evaluate(now=T0 + 10 * M)
    firing.refresh_from_db()
    assert firing.rollback_id is None
    assert "not available" in firing.details["rollback_problem"]
    assert LaunchEvent.objects.filter(action="launch.trigger.rollback_failed").exists()


def test_the_job_runs_every_minute_triggers_then_escalation():
    from django.utils import timezone

    from midas.jobs.schedule import discover
    from midas.launch.response.jobs import launch_response
    from midas.status.services import incident_open

    job = discover()["launch_response"]
    assert job.every == dt.timedelta(minutes=1)
    minute = timezone.now().replace(second=0, microsecond=0)
    for i in range(11):  # error minutes up to now, whichever minute the job runs in
        add_minute(minute - i * M, le_50=100, errors=5)
    incident_open(title="Opened in the admin", body="x", impact="minor")
    assert launch_response.call() == 2  # a firing (its level 1 told as it fired) + the admin's
    assert Escalation.objects.count() == 2
    assert launch_response.call() == 0


def test_execute_with_the_real_rollback(settings):
    """With the rollback in this release, the firing records its run; without it, the
    firing says it could not run (never a silent no-op)."""
    import importlib.util

    settings.LAUNCH_ROLLBACK_HOOK = ""
    _execute_mode()
    traffic(0, 9)
    [firing] = triggers_evaluate(now=T0 + 10 * M)
    firing.refresh_from_db()
    if importlib.util.find_spec("midas.launch.rollback.services") is None:
        assert "not available" in firing.details["rollback_problem"]
        return
    run = RollbackRun.objects.get()
    assert firing.rollback_id == run.pk and run.actor_label == "system:trigger"
    assert run.reason.startswith("rollback trigger error_rate:") and not run.dry_run
    assert [s["name"] for s in run.steps][:1] == ["maintenance_on"]
