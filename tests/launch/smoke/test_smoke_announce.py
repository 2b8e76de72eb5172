"""The smoke speaks: every failed run during the launch window is announced with its failing
step, a streak of failures is summed up in one compact line per run, a recovery says how
long it failed; the worker's periodic smoke keeps running through a rollback and the launch
week after "launched"."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from midas.launch.models import LaunchEvent, LaunchState, SmokeRun
from midas.launch.smoke import journey as smoke_journey
from midas.launch.smoke.selectors import failing_streak, launch_window_open
from midas.launch.smoke.services import run_smoke
from midas.launch.state.selectors import forget
from midas.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db

DEAD = "http://127.0.0.1:9"  # the discard port: nothing listens
T0 = dt.datetime(2027, 2, 9, 14, 12, tzinfo=dt.UTC)  # 09:12 EST
QUARTER = dt.timedelta(minutes=15)


@pytest.fixture(autouse=True)
def channel(settings):
    settings.SLACK_WEBHOOK_URL = "https://hooks.slack.invalid/services/T/B/x"
    settings.LAUNCH_TEAM_EMAIL = []
    settings.LAUNCH_SMOKE_AFTER_LAUNCH_HOURS = 168


def phase(name: str, changed_at: dt.datetime = T0) -> None:
    LaunchState.objects.update_or_create(
        pk=1, defaults={"phase": name, "phase_changed_at": changed_at}
    )
    forget()


def slack_lines() -> list[str]:
    rows = OutboxMessage.objects.filter(channel="slack", template__startswith="launch.smoke")
    return [json.loads(m.body_text)["text"] for m in rows.order_by("created_at", "id")]


def failing_at_sign_in(monkeypatch) -> None:
    """Home and registration pass, sign-in fails (and so everything after it)."""

    def step(self, name):
        ok = name in {"home", "registration"}
        detail = "ok" if ok else ("401: bad token" if name == "sign_in" else "not run: sign_in")
        return {"name": name, "ok": ok, "ms": 5, "detail": detail}

    monkeypatch.setattr(smoke_journey.Journey, "step", step)


def passing(monkeypatch) -> None:
    monkeypatch.setattr(
        smoke_journey.Journey,
        "step",
        lambda self, name: {"name": name, "ok": True, "ms": 5, "detail": "ok"},
    )


def test_every_failure_in_the_window_is_announced_and_repeats_are_summed_up(monkeypatch):
    phase("soft_launch")
    failing_at_sign_in(monkeypatch)
    runs = [run_smoke(DEAD, via="worker", now=T0 + i * QUARTER) for i in range(4)]
    assert not any(run.ok for run in runs)
    lines = slack_lines()
    assert len(lines) == 4  # each failure told
    assert lines[0].endswith(f"Smoke checks FAILED on {DEAD} at step sign_in: 401: bad token")
    assert lines[1].endswith(
        f"Smoke still failing on {DEAD}: 2 runs in a row since 09:12 EST, "
        "last at step sign_in: 401: bad token"
    )
    assert "4 runs in a row since 09:12 EST, last at step sign_in" in lines[3]
    posts = OutboxMessage.objects.filter(channel="slack").order_by("id")
    first = json.loads(posts.first().body_text)
    assert len(first["attachments"][0]["blocks"]) == 3  # the first in full, with the fields
    last = json.loads(posts.last().body_text)
    assert len(last["attachments"][0]["blocks"]) == 2  # the repeats compact: text, context
    events = LaunchEvent.objects.filter(action="launch.smoke.failed").order_by("id")
    assert [e.details["streak"] for e in events] == [1, 2, 3, 4]
    assert {e.details["step"] for e in events} == {"sign_in"}

    passing(monkeypatch)
    run_smoke(DEAD, via="worker", now=T0 + 4 * QUARTER)
    assert slack_lines()[-1].endswith(
        f"Smoke checks pass again on {DEAD} after 4 failed runs (since 09:12 EST)."
    )
    assert LaunchEvent.objects.get(action="launch.smoke.recovered").details["streak"] == 4
    assert failing_streak(SmokeRun.objects.first()) == []


def test_a_streak_says_when_the_failing_step_moved(monkeypatch):
    phase("public")
    failing_at_sign_in(monkeypatch)
    run_smoke(DEAD, via="worker", now=T0)
    monkeypatch.setattr(
        smoke_journey.Journey,
        "step",
        lambda self, name: {"name": name, "ok": name != "booking", "ms": 5, "detail": "409"},
    )
    run_smoke(DEAD, via="worker", now=T0 + QUARTER)
    assert "last at step booking (was sign_in): 409" in slack_lines()[-1]


def test_outside_the_window_only_the_turn_is_told(monkeypatch):
    phase("prelaunch")
    passing(monkeypatch)
    run_smoke(DEAD, now=T0)
    failing_at_sign_in(monkeypatch)
    run_smoke(DEAD, now=T0 + QUARTER)
    run_smoke(DEAD, now=T0 + 2 * QUARTER)
    assert len(slack_lines()) == 1


@pytest.mark.parametrize(
    ("name", "changed", "open_"),
    [
        ("prelaunch", T0, False),
        ("freeze", T0, True),
        ("soft_launch", T0, True),
        ("public", T0, True),
        ("stabilisation", T0, True),
        ("rolled_back", T0, True),  # is the previous release serving customers?
        ("launched", T0 - dt.timedelta(hours=167), True),  # the launch week
        ("launched", T0 - dt.timedelta(hours=168), False),
    ],
)
def test_the_launch_window(name, changed, open_):
    phase(name, changed)
    assert launch_window_open(T0) is open_


def test_the_worker_keeps_smoking_after_a_rollback_and_after_launched(settings, monkeypatch):
    from midas.launch.smoke.jobs import launch_smoke

    settings.SITE_URL = DEAD
    failing_at_sign_in(monkeypatch)
    phase("rolled_back")
    first = launch_smoke.call()
    assert SmokeRun.objects.get(pk=first).via == "worker"
    assert len(slack_lines()) == 1  # the first failure after the rollback is told
    phase("launched", changed_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
    assert launch_smoke.call() is not None
    assert len(slack_lines()) == 2
    phase("launched", changed_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=8))
    assert launch_smoke.call() is None
