"""Go/no-go gates what it must: entering the public phase and ramping past the soft launch's
share need a GO recorded after the last rollback and the last NO-GO — else ``gonogo_required``
on the command line, the console and the service alike — unless the launch coordinator
overrides with a reason (recorded, announced as a warning)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from midas.errors import AppError, ErrorCode
from midas.launch import actors
from midas.launch.gonogo.selectors import go_standing, soft_launch_share
from midas.launch.models import (
    GoNoGoRecord,
    LaunchContact,
    LaunchEvent,
    LaunchRole,
    Phase,
    RollbackRun,
)
from midas.launch.state import services
from midas.launch.state.selectors import launch_state
from midas.notifications.models import OutboxMessage
from tests.launch.conftest import make_staff

pytestmark = pytest.mark.django_db

T = dt.datetime(2026, 3, 21, 14, 0, tzinfo=dt.UTC)  # launch day, 10:00 New York
MINUTE = dt.timedelta(minutes=1)
SYSTEM = actors.system("test")


def record(decision: str, at: dt.datetime) -> GoNoGoRecord:
    return GoNoGoRecord.objects.create(created_at=at, decision=decision, phase="soft_launch")


def rolled_back(at: dt.datetime) -> None:
    """A rollback as the rollback runs it: its run and the phase moved to rolled back."""
    RollbackRun.objects.create(started_at=at, actor_label="test", reason="error burst", ok=True)
    services.phase_set(phase=Phase.ROLLED_BACK, actor=SYSTEM, reason="rollback", at=at)


@pytest.fixture
def team_mail(settings):
    settings.LAUNCH_TEAM_EMAIL = ["launch-team@midas.example"]
    settings.SLACK_WEBHOOK_URL = ""


def announced(event: str) -> list[str]:
    return [
        m.body_text
        for m in OutboxMessage.objects.filter(template="launch_announcement").order_by("id")
        if event in m.body_text or event in (m.subject or "")
    ]


def test_public_after_a_rollback_with_the_latest_record_no_go_is_refused(coordinator_actor):
    services.phase_set(phase=Phase.SOFT_LAUNCH, actor=SYSTEM, reason="07:00", at=T)
    record("go", T)
    rolled_back(T + 30 * MINUTE)
    record("no_go", T + 40 * MINUTE)
    with pytest.raises(AppError) as refused:
        services.phase_set(
            phase=Phase.PUBLIC, actor=coordinator_actor, reason="resume", at=T + 45 * MINUTE
        )
    assert refused.value.code == ErrorCode.GONOGO_REQUIRED == "gonogo_required"
    assert "NO-GO" in refused.value.message and "--override-go" in refused.value.message
    assert launch_state(fresh=True).phase == Phase.ROLLED_BACK
    assert not LaunchEvent.objects.filter(action="launch.gonogo.overridden").exists()


def test_a_go_from_before_the_rollback_does_not_stand(coordinator_actor):
    record("go", T)
    rolled_back(T + 30 * MINUTE)
    standing = go_standing(now=T + 31 * MINUTE)
    assert not standing.ok and "predates the rollback" in standing.why
    with pytest.raises(AppError) as refused:
        services.phase_set(
            phase=Phase.PUBLIC, actor=coordinator_actor, reason="resume", at=T + 31 * MINUTE
        )
    assert refused.value.code == ErrorCode.GONOGO_REQUIRED
    # and so does a dry run of a rollback not count as one
    RollbackRun.objects.create(
        started_at=T + 50 * MINUTE, actor_label="t", reason="x", dry_run=True
    )
    record("go", T + 40 * MINUTE)
    assert go_standing(now=T + 55 * MINUTE).ok


def test_no_record_at_all_is_refused_too(coordinator_actor):
    with pytest.raises(AppError) as refused:
        services.phase_set(phase=Phase.PUBLIC, actor=coordinator_actor, reason="x", at=T)
    assert refused.value.code == ErrorCode.GONOGO_REQUIRED
    assert "no go/no-go record" in refused.value.message


def test_with_a_fresh_go_the_public_phase_is_accepted_and_announced_as_good(
    coordinator_actor, team_mail
):
    record("go", T)
    rolled_back(T + 30 * MINUTE)
    record("no_go", T + 40 * MINUTE)
    fresh = record("go", T + 50 * MINUTE)
    services.phase_set(
        phase=Phase.PUBLIC, actor=coordinator_actor, reason="resume", at=T + 55 * MINUTE
    )
    assert launch_state(fresh=True).phase == Phase.PUBLIC
    event = LaunchEvent.objects.filter(action="launch.phase.changed").order_by("-id").first()
    assert event.details["after"] == "public" and event.details["overridden"] is False
    assert f"#{fresh.pk}" in event.details["go"]
    mail = OutboxMessage.objects.filter(template="launch_announcement").order_by("-id").first()
    assert "Public launch" in mail.body_text and "overridden" not in mail.body_text


@pytest.fixture
def said(monkeypatch):
    """What the launch channel was told: (event, severity, text)."""
    from midas.launch.gonogo import services as gonogo_services

    told: list[tuple[str, str, str]] = []

    def announce(*, event, text, severity="info", **_):
        told.append((event, severity, text))

    monkeypatch.setattr(gonogo_services, "announce", announce)
    monkeypatch.setattr(services, "announce", announce)
    return told


def test_the_coordinator_may_override_with_a_reason_recorded_and_announced_as_a_warning(
    coordinator_actor, said
):
    record("no_go", T)
    services.phase_set(
        phase=Phase.PUBLIC,
        actor=coordinator_actor,
        reason="10:30 public",
        override_go="burn rate from a 12-minute burst, fixed; CEO agreed",
        at=T + MINUTE,
    )
    assert launch_state(fresh=True).phase == Phase.PUBLIC
    override = LaunchEvent.objects.get(action="launch.gonogo.overridden")
    assert override.reason == "burn rate from a 12-minute burst, fixed; CEO agreed"
    assert override.actor_label == coordinator_actor.label
    assert override.details["what"] == "entering the public phase"
    assert "NO-GO" in override.details["standing"]
    assert LaunchEvent.objects.get(action="launch.phase.changed").details["overridden"] is True
    assert [(event, severity) for event, severity, _ in said] == [
        ("launch.gonogo.overridden", "warning"),
        ("launch.phase.changed", "warning"),
    ]
    assert "overridden" in said[1][2]


def test_with_a_go_the_public_phase_is_announced_as_good(coordinator_actor, said):
    record("go", T)
    services.phase_set(phase=Phase.PUBLIC, actor=coordinator_actor, reason="10:30", at=T)
    assert said == [("launch.phase.changed", "good", "Launch phase: Pre-launch → Public launch")]


def test_only_the_coordinator_may_override(groups, coordinator):
    """The coordinator role's linked contact; a launch-group member who is not that contact
    is refused (``forbidden``); the system never overrides."""
    other = make_staff("other@midas.example", "launch")
    role = LaunchRole.objects.get_or_create(key="coordinator")[0]
    LaunchContact.objects.create(role=role, name="Ana", email=coordinator.email, user=coordinator)
    record("no_go", T)
    for actor in (actors.of_user(other, "cli"), SYSTEM):
        with pytest.raises(AppError) as refused:
            services.phase_set(
                phase=Phase.PUBLIC, actor=actor, reason="x", override_go="trust me", at=T
            )
        assert refused.value.code == ErrorCode.FORBIDDEN
    services.phase_set(
        phase=Phase.PUBLIC,
        actor=actors.of_user(coordinator, "cli"),
        reason="x",
        override_go="agreed in the room",
        at=T,
    )
    assert launch_state(fresh=True).phase == Phase.PUBLIC


def test_the_soft_launch_share_is_the_plans():
    assert soft_launch_share() == Decimal(25)  # no plan loaded: the plan's 08:00 25 %
    from midas.launch.models import ScheduleStep

    ScheduleStep.objects.create(
        key="s1", at=T, title="soft", actions={"phase": "soft_launch", "ramp": 10}
    )
    ScheduleStep.objects.create(key="s2", at=T, title="expansion", actions={"ramp": 20})
    ScheduleStep.objects.create(
        key="s3", at=T, title="50", actions={"ramp": 50, "requires_go": True}
    )
    assert soft_launch_share() == Decimal(20)


def test_ramping_past_the_soft_launch_share_needs_a_standing_go(coordinator_actor, operator):
    ops = actors.of_user(operator, "cli")
    services.ramp_set(percent=10, actor=ops, reason="07:00", at=T)
    services.ramp_set(percent=25, actor=ops, reason="08:00", at=T)  # the soft launch's share
    record("no_go", T + MINUTE)
    with pytest.raises(AppError) as refused:
        services.ramp_set(percent=50, actor=ops, reason="11:00", at=T + 2 * MINUTE)
    assert refused.value.code == ErrorCode.GONOGO_REQUIRED
    assert "25%" in refused.value.message
    assert launch_state(fresh=True).ramp_percent == Decimal(25)
    with pytest.raises(AppError) as not_coordinator:  # operations may ramp, not override
        services.ramp_set(percent=50, actor=ops, reason="11:00", override_go="x", at=T + 2 * MINUTE)
    assert not_coordinator.value.code == ErrorCode.FORBIDDEN
    services.ramp_set(percent=10, actor=ops, reason="errors", at=T + 3 * MINUTE)  # lowering: ok
    services.ramp_set(
        percent=50,
        actor=coordinator_actor,
        reason="11:00",
        override_go="reviewed the burst",
        at=T + 4 * MINUTE,
    )
    assert LaunchEvent.objects.get(action="launch.gonogo.overridden").details["what"] == (
        "ramping past the soft launch's 25%"
    )
    record("go", T + 5 * MINUTE)
    services.ramp_set(percent=100, actor=ops, reason="12:00", at=T + 6 * MINUTE)
    assert launch_state(fresh=True).ramp_percent == Decimal(100)


def test_the_command_line_refuses_with_the_code_and_takes_the_override(coordinator, capsys):
    record("no_go", T)
    by = coordinator.email
    with pytest.raises(SystemExit) as done:
        call_command("launch", "phase", "set", "public", "--reason", "10:30", "--by", by)
    assert done.value.code == 2
    assert "refused (gonogo_required)" in capsys.readouterr().err
    call_command(
        "launch",
        "phase",
        "set",
        "public",
        "--reason",
        "10:30",
        "--override-go",
        "agreed in the room",
        "--by",
        by,
    )
    assert "Phase is now Public launch." in capsys.readouterr().out
    assert LaunchEvent.objects.get(action="launch.gonogo.overridden").via == "cli"


def test_the_console_refuses_with_the_code_and_takes_the_override(coordinator, client):
    record("no_go", T)
    client.force_login(coordinator)
    refused = client.post("/ops/launch/phase", {"phase": "public", "reason": "10:30"})
    assert refused.status_code == 409
    assert "gonogo_required" in refused.content.decode()
    assert launch_state(fresh=True).phase == Phase.PRELAUNCH
    done = client.post(
        "/ops/launch/phase",
        {"phase": "public", "reason": "10:30", "override_go": "agreed in the room"},
    )
    assert done.status_code == 302
    assert launch_state(fresh=True).phase == Phase.PUBLIC
    assert LaunchEvent.objects.get(action="launch.gonogo.overridden").via == "console"


# --- the access gate to the public: the same rule as the public phase ----------------------


def test_opening_the_gate_to_the_public_needs_a_standing_go(coordinator_actor, said):
    services.gate_set(mode="invite", actor=SYSTEM, reason="soft launch", at=T)
    record("go", T)
    rolled_back(T + 30 * MINUTE)
    with pytest.raises(AppError) as refused:
        services.gate_set(
            mode="public", actor=coordinator_actor, reason="resume", at=T + 31 * MINUTE
        )
    assert refused.value.code == ErrorCode.GONOGO_REQUIRED
    assert refused.value.message.startswith("Opening the access gate to the public needs a GO")
    assert "--override-go" in refused.value.message
    assert launch_state(fresh=True).gate_mode == "invite"
    # the other modes need nothing
    services.gate_set(mode="beta", actor=SYSTEM, reason="beta only", at=T + 32 * MINUTE)
    fresh = record("go", T + 40 * MINUTE)
    said.clear()
    services.gate_set(mode="public", actor=coordinator_actor, reason="10:30", at=T + 41 * MINUTE)
    assert launch_state(fresh=True).gate_mode == "public"
    event = LaunchEvent.objects.filter(action="launch.gate.changed").order_by("-id").first()
    assert event.details["overridden"] is False and f"#{fresh.pk}" in event.details["go"]
    opened = "Access gate: Beta testers → Public (within the traffic ramp)"
    assert said == [("launch.gate.changed", "good", opened)]


def test_a_gate_already_public_is_not_held_by_the_go(coordinator_actor):
    record("no_go", T)
    services.gate_set(mode="public", actor=coordinator_actor, reason="unchanged", at=T)
    assert launch_state(fresh=True).gate_mode == "public"  # the default: nothing opened


def test_the_coordinator_may_open_the_gate_with_an_override(coordinator_actor, said):
    services.gate_set(mode="closed", actor=SYSTEM, reason="freeze", at=T)
    record("no_go", T + MINUTE)
    said.clear()
    services.gate_set(
        mode="public",
        actor=coordinator_actor,
        reason="10:30 public",
        override_go="CEO agreed in the room",
        at=T + 2 * MINUTE,
    )
    override = LaunchEvent.objects.get(action="launch.gonogo.overridden")
    assert override.details["what"] == "opening the access gate to the public"
    assert override.reason == "CEO agreed in the room"
    assert LaunchEvent.objects.get(action="launch.gate.changed", details__after="public").details[
        "overridden"
    ]
    assert [(event, severity) for event, severity, _ in said] == [
        ("launch.gonogo.overridden", "warning"),
        ("launch.gate.changed", "warning"),
    ]
    assert said[1][2].endswith("(go/no-go overridden: no standing GO)")


def test_gate_set_public_on_the_command_line_and_the_console(coordinator, client, capsys):
    services.gate_set(mode="closed", actor=SYSTEM, reason="freeze", at=T)
    record("no_go", T)
    by = coordinator.email
    with pytest.raises(SystemExit) as done:
        call_command("launch", "gate", "set", "public", "--reason", "10:30", "--by", by)
    assert done.value.code == 2
    assert "refused (gonogo_required)" in capsys.readouterr().err
    client.force_login(coordinator)
    page = client.get("/ops/launch/")
    assert 'name="override_go"' in page.content.decode().split('id="gate"')[1].split("</form>")[0]
    refused = client.post("/ops/launch/gate", {"mode": "public", "reason": "10:30"})
    assert refused.status_code == 409 and "gonogo_required" in refused.content.decode()
    assert launch_state(fresh=True).gate_mode == "closed"
    done = client.post(
        "/ops/launch/gate",
        {"mode": "public", "reason": "10:30", "override_go": "agreed in the room"},
    )
    assert done.status_code == 302 and launch_state(fresh=True).gate_mode == "public"
    assert LaunchEvent.objects.get(action="launch.gonogo.overridden").via == "console"
    services.gate_set(mode="closed", actor=SYSTEM, reason="again", at=T)
    call_command(
        "launch", "gate", "set", "public", "--reason", "10:30", "--override-go", "ok", "--by", by
    )
    assert "Access gate: Public" in capsys.readouterr().out
