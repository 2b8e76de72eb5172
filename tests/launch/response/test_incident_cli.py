"""``midas incident list | open | ack | resolve`` and ``midas launch triggers``."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from midas.launch.models import Escalation, LaunchEvent
from midas.status.models import Incident, IncidentStatus
from tests.slo.conftest import add_minute

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def team(settings):
    settings.LAUNCH_TEAM_EMAIL = ["team@midas.example"]
    settings.SLACK_WEBHOOK_URL = ""


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_open_list_ack_resolve(coordinator, operator):
    code, out, _ = run(
        "incident", "open", "--title", "Payments slow", "--body", "Stripe latency",
        "--impact", "critical", "--component", "payments", "--by", coordinator.email,
    )  # fmt: skip
    assert code == 0 and "Opened incident #" in out
    incident = Incident.objects.get()
    assert incident.impact == "critical"
    assert list(incident.components.values_list("key", flat=True)) == ["payments"]
    assert sorted(incident.escalation.notices.values_list("level", flat=True)) == [1, 3]

    code, out, _ = run("incident", "list")
    assert code == 0
    line = out.splitlines()[1]
    assert "critical" in line and "Payments slow" in line and " 3 " in line and " - " in line

    code, out, _ = run("incident", "ack", str(incident.pk), "--by", operator.email)
    assert code == 0 and "Acknowledged" in out
    assert Escalation.objects.get().acknowledged_by == operator
    assert operator.email in run("incident", "list")[1]

    code, _, err = run("incident", "ack", str(incident.pk), "--by", operator.email)
    assert code == 2 and "refused (invalid_state)" in err

    code, out, _ = run("incident", "resolve", str(incident.pk), "--body", "Fixed", "--by",
                       operator.email)  # fmt: skip
    assert code == 0
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED
    assert run("incident", "list")[1].strip() == "No open incidents."
    assert "Payments slow" in run("incident", "list", "--all")[1]
    actions = set(LaunchEvent.objects.values_list("action", flat=True))
    assert {"launch.incident.opened", "launch.incident.acknowledged"} <= actions
    assert "launch.incident.resolved" in actions


def test_refusals_exit_2_and_write_nothing(executive, coordinator):
    code, _, err = run("incident", "open", "--title", "x", "--body", "y", "--by", executive.email)
    assert code == 2 and "refused (forbidden)" in err
    code, _, err = run("incident", "open", "--title", "x", "--body", "y")
    assert code == 2 and "auth_required" in err
    code, _, err = run(
        "incident", "open", "--title", "x", "--body", "y", "--component", "nope",
        "--by", coordinator.email,
    )  # fmt: skip
    assert code == 2 and "Unknown component" in err
    code, _, err = run("incident", "ack", "999", "--by", coordinator.email)
    assert code == 2 and "not_found" in err
    code, _, err = run("incident", "ack", "abc", "--by", coordinator.email)
    assert code == 2 and "not_found" in err
    assert not Incident.objects.exists() and not LaunchEvent.objects.exists()


def test_launch_triggers_shows_values_and_evaluates():
    now = timezone.now()
    minute = now.replace(second=0, microsecond=0)
    code, out, _ = run("launch", "triggers")
    assert code == 0
    assert "error_rate  ok" in out and "fires when: > 1% 5xx" in out
    for i in range(11):  # minute itself too: the commands may run in the next minute
        add_minute(minute - i * dt.timedelta(minutes=1), le_50=50, errors=5)
    code, out, _ = run("launch", "triggers")
    assert code == 0 and "error_rate  HOLDS" in out  # shown, not fired
    code, out, _ = run("launch", "triggers", "--evaluate")
    assert code == 1 and "Evaluated: 1 fired now" in out and "error_rate  FIRING" in out
    assert "Recent firings:" in out
