from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from midas.errors import AppError, ErrorCode
from midas.launch.models import LaunchEvent, Phase
from midas.launch.state import services
from midas.launch.state.selectors import freeze_in_force, freeze_window, launch_state

pytestmark = pytest.mark.django_db


def test_phase_change_is_recorded_with_who_and_why(coordinator_actor):
    services.phase_set(phase=Phase.FREEZE, actor=coordinator_actor, reason="T-1 18:00")
    assert launch_state(fresh=True).phase == Phase.FREEZE
    event = LaunchEvent.objects.get(action="launch.phase.changed")
    assert event.actor_label == "coordinator@midas.example"
    assert event.reason == "T-1 18:00"
    assert event.details == {"before": "prelaunch", "after": "freeze"}


def test_phase_change_needs_a_reason_and_a_permission(coordinator_actor, operator):
    from midas.launch.actors import of_user

    with pytest.raises(AppError) as no_reason:
        services.phase_set(phase=Phase.FREEZE, actor=coordinator_actor, reason="  ")
    assert no_reason.value.code == ErrorCode.INVALID_INPUT
    with pytest.raises(AppError) as forbidden:
        services.phase_set(phase=Phase.FREEZE, actor=of_user(operator, "cli"), reason="x")
    assert forbidden.value.code == ErrorCode.FORBIDDEN
    assert launch_state(fresh=True).phase == Phase.PRELAUNCH
    assert not LaunchEvent.objects.exists()


def test_launched_only_from_stabilisation_and_then_only_rollback(system_actor, go_on_record):
    with pytest.raises(AppError) as early:
        services.phase_set(phase=Phase.LAUNCHED, actor=system_actor, reason="too soon")
    assert early.value.code == ErrorCode.INVALID_STATE
    for phase in [Phase.FREEZE, Phase.SOFT_LAUNCH, Phase.PUBLIC, Phase.STABILISATION]:
        services.phase_set(phase=phase, actor=system_actor, reason="plan")
    services.phase_set(phase=Phase.LAUNCHED, actor=system_actor, reason="18:00")
    assert services.allowed_phases(Phase.LAUNCHED) == [Phase.ROLLED_BACK]


@pytest.mark.parametrize("bad", ["101", "-1", "abc", "10.001"])
def test_ramp_refuses_bad_percentages(system_actor, bad):
    with pytest.raises(AppError) as exc:
        services.ramp_set(percent=bad, actor=system_actor, reason="x")
    assert exc.value.code == ErrorCode.INVALID_INPUT
    assert launch_state(fresh=True).ramp_percent == 100


def test_lowering_the_ramp_is_recorded_as_disruptive(system_actor, go_on_record):
    services.ramp_set(percent="25", actor=system_actor, reason="08:00")
    services.ramp_set(percent="10", actor=system_actor, reason="errors")
    events = list(LaunchEvent.objects.filter(action="launch.ramp.changed").order_by("at", "id"))
    assert [e.details["disruptive"] for e in events] == [True, True]  # 100 → 25 → 10
    services.ramp_set(percent="50", actor=system_actor, reason="recovered")
    last = LaunchEvent.objects.filter(action="launch.ramp.changed").order_by("-id").first()
    assert last.details["disruptive"] is False
    assert launch_state(fresh=True).ramp_percent == Decimal("50")


def test_freeze_window_is_the_day_before_at_18_until_the_end_of_launch_day(system_actor):
    import datetime as dt

    services.schedule_set(launch_date=dt.date(2027, 3, 20), actor=system_actor, reason="set")
    window = freeze_window(launch_state(fresh=True))
    assert window.starts_at == dt.datetime(2027, 3, 19, 22, 0, tzinfo=dt.UTC)  # 18:00 EDT
    assert window.ends_at == dt.datetime(2027, 3, 21, 4, 0, tzinfo=dt.UTC)  # midnight EDT
    assert freeze_in_force(dt.datetime(2027, 3, 20, 12, 0, tzinfo=dt.UTC))
    assert not freeze_in_force(dt.datetime(2027, 3, 19, 21, 59, tzinfo=dt.UTC))


def test_cli_phase_set_and_status(coordinator, capsys):
    call_command("launch", "phase", "set", "freeze", "--reason", "T-1", "--by", coordinator.email)
    call_command("launch", "status")
    out = capsys.readouterr().out
    assert "Phase is now System freeze." in out
    assert "launch.phase.changed" in out


def test_cli_refuses_without_an_operator(groups, capsys):
    with pytest.raises(SystemExit) as exit_:
        call_command("launch", "phase", "set", "freeze", "--reason", "T-1", "--by", "")
    assert exit_.value.code == 2
    assert "auth_required" in capsys.readouterr().err
