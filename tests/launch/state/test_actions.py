"""The state's actions, declared once (``state.actions``): the same form decides on the
command line and in the console, and the command line says what changed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from midas.launch.models import GateMode, TriggerAction
from midas.launch.state.actions import ACTIONS
from midas.launch.state.selectors import launch_state

pytestmark = pytest.mark.django_db


def launch(*args: str, by: str) -> None:
    call_command("launch", *args, "--reason", "rehearsal", "--by", by)


def test_each_action_on_the_command_line(coordinator, capsys):
    by = coordinator.email
    launch("schedule", "set", "2027-03-20", "--tz", "America/New_York", by=by)
    launch("gate", "set", "beta", by=by)
    launch("ramp", "set", "25%", by=by)
    launch("capacity", "set", "400", by=by)
    launch("trigger-action", "execute", by=by)
    out = capsys.readouterr().out
    assert "Launch day is 2027-03-20 (America/New_York)." in out
    assert "Freeze: 2027-03-19 18:00 EDT → 2027-03-21 00:00 EDT." in out
    assert f"Access gate: {GateMode.BETA.label}." in out
    assert "Traffic ramp: 25% of new visitors." in out
    assert "Capacity: 400." in out
    state = launch_state(fresh=True)
    assert (state.gate_mode, state.ramp_percent) == (GateMode.BETA, Decimal(25))
    assert (state.capacity_sessions, state.trigger_action) == (400, TriggerAction.EXECUTE)
    launch("capacity", "set", "none", by=by)
    assert "Capacity: no cap." in capsys.readouterr().out
    assert launch_state(fresh=True).capacity_sessions is None


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("ramp", "set", "150"), "invalid_input"),
        (("schedule", "set", "20 March"), "invalid_input"),
        (("capacity", "set", "lots"), "invalid_input"),
    ],
)
def test_a_bad_value_is_refused_with_its_code_and_nothing_changes(coordinator, capsys, args, code):
    before = launch_state(fresh=True)
    with pytest.raises(SystemExit) as done:
        launch(*args, by=coordinator.email)
    assert done.value.code == 2
    assert f"refused ({code})" in capsys.readouterr().err
    after = launch_state(fresh=True)
    assert (after.ramp_percent, after.launch_date, after.capacity_sessions) == (
        before.ramp_percent,
        before.launch_date,
        before.capacity_sessions,
    )


def test_the_console_and_the_command_line_take_the_same_fields(coordinator, client):
    """Every action's form field is an argument of its command; the console posts them."""
    for action in ACTIONS:
        fields = set(action.form.base_fields)
        assert "reason" in fields and set(action.positional) <= fields
    client.force_login(coordinator)
    refused = client.post("/ops/launch/ramp", {"percent": "150", "reason": "too far"})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "A percentage from 0 to 100, at most 2 decimals." in page
    assert 'value="too far"' in page  # what was typed is kept for the second try
    done = client.post("/ops/launch/ramp", {"percent": "10%", "reason": "soft launch"})
    assert done.status_code == 302
    assert launch_state(fresh=True).ramp_percent == Decimal(10)
