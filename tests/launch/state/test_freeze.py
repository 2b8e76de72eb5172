"""The system freeze: the deploy guard in and out of the window (explicit ``now``), the
recorded override, ``migrate`` refused with pending migrations during the freeze, and the
alert for a new release seen during the freeze."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from midas.errors import AppError, ErrorCode
from midas.launch.models import LaunchEvent, ReleaseSeen
from midas.launch.state import freeze, services
from midas.launch.state.selectors import launch_state

pytestmark = pytest.mark.django_db

UTC = dt.UTC
STARTS = dt.datetime(2026, 12, 1, 23, 0, tzinfo=UTC)  # 18:00 New York, the day before
ENDS = dt.datetime(2026, 12, 3, 5, 0, tzinfo=UTC)  # midnight New York after launch day
INSIDE = dt.datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen_window(coordinator_actor):
    return services.schedule_set(
        actor=coordinator_actor, reason="plan", launch_date=dt.date(2026, 12, 2)
    )


def test_no_window_no_freeze(db):
    result = freeze.guard(now=INSIDE)
    assert result.allowed and "No freeze" in result.reason


def test_guard_in_and_out_of_the_plan_window(frozen_window):
    assert freeze.guard(now=STARTS - dt.timedelta(minutes=1)).allowed
    inside = freeze.guard(now=STARTS)
    assert not inside.allowed and inside.until == ENDS
    assert "freeze" in inside.reason.lower()
    assert not freeze.guard(now=ENDS - dt.timedelta(seconds=1)).allowed
    assert freeze.guard(now=ENDS).allowed


def test_override_is_recorded_announced_and_lapses(frozen_window, coordinator_actor, settings):
    settings.LAUNCH_TEAM_EMAIL = ["launch@midas.example"]
    from midas.notifications.models import OutboxMessage

    event = freeze.freeze_override(
        actor=coordinator_actor, reason="hotfix for the pay page", what="deploy r42", now=INSIDE
    )
    assert event.action == "launch.freeze.override"
    assert event.details["what"] == "deploy r42"
    assert event.details["until"] == (INSIDE + dt.timedelta(minutes=60)).isoformat()
    assert OutboxMessage.objects.filter(to="launch@midas.example").exists()
    during = freeze.guard(now=INSIDE + dt.timedelta(minutes=59))
    assert during.allowed and during.override == event and "hotfix" in during.reason
    assert not freeze.guard(now=INSIDE + dt.timedelta(minutes=60)).allowed
    assert not freeze.guard(now=INSIDE - dt.timedelta(minutes=1)).allowed  # not before it


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"reason": " ", "what": "deploy"}, ErrorCode.INVALID_INPUT),
        ({"reason": "r", "what": ""}, ErrorCode.INVALID_INPUT),
        ({"reason": "r", "what": "deploy", "minutes": 0}, ErrorCode.INVALID_INPUT),
    ],
)
def test_override_needs_a_reason_a_what_and_a_sane_length(coordinator_actor, kwargs, code):
    with pytest.raises(AppError) as exc:
        freeze.freeze_override(actor=coordinator_actor, now=INSIDE, **kwargs)
    assert exc.value.code == code
    assert not LaunchEvent.objects.filter(action="launch.freeze.override").exists()


def test_override_needs_the_phase_permission(operator):
    from midas.launch import actors

    with pytest.raises(AppError) as exc:
        freeze.freeze_override(actor=actors.of_user(operator, "cli"), reason="r", what="deploy")
    assert exc.value.code == ErrorCode.FORBIDDEN


def test_a_new_release_moves_current_to_previous(db):
    assert freeze.release_seen(release="r1", now=INSIDE)
    assert not freeze.release_seen(release="r1", now=INSIDE)  # seen before: nothing
    assert freeze.release_seen(release="r2", now=INSIDE + dt.timedelta(hours=1))
    state = launch_state(fresh=True)
    assert (state.current_release, state.previous_release) == ("r2", "r1")
    assert not ReleaseSeen.objects.filter(alerted=True).exists()
    assert not LaunchEvent.objects.filter(action="launch.freeze.release_alert").exists()


def test_a_new_release_during_the_freeze_alerts_the_team(frozen_window, settings):
    settings.LAUNCH_TEAM_EMAIL = ["launch@midas.example"]
    from midas.notifications.models import OutboxMessage

    freeze.release_seen(release="r1", now=STARTS - dt.timedelta(hours=2))
    assert freeze.release_seen(release="r2", now=INSIDE)
    seen = ReleaseSeen.objects.get(release="r2")
    assert seen.during_freeze and seen.alerted
    alert = LaunchEvent.objects.get(action="launch.freeze.release_alert")
    assert alert.details == {"release": "r2", "previous": "r1", "override": None}
    mail = OutboxMessage.objects.filter(to="launch@midas.example").order_by("id").last()
    assert mail.subject.startswith("[launch ALERT] New release r2")


def test_a_release_under_an_override_is_still_told_but_as_a_warning(
    frozen_window, coordinator_actor, settings
):
    settings.LAUNCH_TEAM_EMAIL = ["launch@midas.example"]
    from midas.notifications.models import OutboxMessage

    freeze.freeze_override(actor=coordinator_actor, reason="hotfix", what="deploy", now=INSIDE)
    freeze.release_seen(release="r3", now=INSIDE + dt.timedelta(minutes=5))
    mail = OutboxMessage.objects.filter(to="launch@midas.example").order_by("id").last()
    assert mail.subject.startswith("[launch warning] New release r3")
    assert "under the override" in mail.subject


def test_start_up_notes_the_settings_release(settings):
    settings.RELEASE = "r9"
    freeze.release_seen_at_start("worker")
    assert ReleaseSeen.objects.get().release == "r9"
    event = LaunchEvent.objects.get(action="launch.release.seen")
    assert (event.actor_label, event.via) == ("system:release", "worker")


def test_start_up_never_fails_on_the_database(monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("database away")

    monkeypatch.setattr(freeze, "release_seen", broken)
    freeze.release_seen_at_start("serve")  # no exception
    assert "starting anyway" in caplog.text


# --- migrate ---------------------------------------------------------------------------------


def test_migrate_with_nothing_to_apply_runs_in_the_freeze(frozen_window, monkeypatch):
    monkeypatch.setattr(freeze, "timezone", _FixedNow(INSIDE))
    assert not freeze.guard().allowed
    call_command("migrate", interactive=False, verbosity=0)  # nothing pending: as usual


def test_migrate_with_pending_migrations_is_refused_then_overridden(
    frozen_window, coordinator, monkeypatch
):
    from midas.launch.management.commands import migrate

    monkeypatch.setattr(freeze, "timezone", _FixedNow(INSIDE))
    monkeypatch.setattr(migrate, "pending_migrations", lambda db: ["shop.0002_prices"])
    with pytest.raises(CommandError) as exc:
        call_command("migrate", interactive=False, verbosity=0)
    assert exc.value.returncode == 3 and "shop.0002_prices" in str(exc.value)
    with pytest.raises(CommandError) as exc:  # an override names a staff account
        call_command("migrate", interactive=False, verbosity=0, freeze_override="fix", by="")
    assert exc.value.returncode == 2
    call_command(
        "migrate", interactive=False, verbosity=0, freeze_override="data fix", by=coordinator.email
    )
    event = LaunchEvent.objects.get(action="launch.freeze.override")
    assert event.reason == "data fix" and "shop.0002_prices" in event.details["what"]


class _FixedNow:
    def __init__(self, now):
        self._now = now

    def now(self):
        return self._now


SETUP = textwrap.dedent(
    """
    import django, datetime as dt
    django.setup()
    from django.utils import timezone
    from midas.accounts.models import User
    from midas.launch import actors
    from midas.launch.state import services
    user = User.objects.create_superuser("lead@midas.example", "x-long-pass-42",
                                         first_name="Lead", last_name="Dev")
    services.schedule_set(actor=actors.of_user(user, "cli"), reason="launch today",
                          launch_date=timezone.now().astimezone(
                              __import__("zoneinfo").ZoneInfo("America/New_York")).date())
    """
)


def test_midas_migrate_refuses_pending_migrations_in_a_real_freeze(tmp_path: Path):
    """A scratch SQLite database, a process of its own: ``midas migrate`` exits 3 with a
    migration pending during the freeze, runs with an override, then has nothing to do."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'scratch.sqlite3'}",
        "MIDAS_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "midas.settings",
    }
    env.pop("REDIS_URL", None)

    def midas(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "midas.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    assert midas("migrate", "-v", "0").returncode == 0
    assert midas("migrate", "sessions", "zero", "-v", "0").returncode == 0  # one app pending
    setup = subprocess.run(
        [sys.executable, "-c", SETUP], env=env, capture_output=True, text=True, check=False
    )
    assert setup.returncode == 0, setup.stderr
    guard = midas("launch", "guard")
    assert guard.returncode == 3 and "freeze" in guard.stderr.lower()
    refused = midas("migrate", "-v", "0")
    assert refused.returncode == 3, refused.stderr
    assert "sessions.0001_initial" in refused.stderr
    done = midas(
        "migrate", "-v", "0", "--freeze-override", "sessions table", "--by", "lead@midas.example"
    )
    assert done.returncode == 0, done.stderr
    assert midas("migrate", "-v", "0").returncode == 0  # nothing left: runs as usual
    assert midas("launch", "guard").returncode == 0  # the override is still on
