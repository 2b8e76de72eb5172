"""``midas launch plan ...`` and ``midas launch team ...``: refusals exit 2 with the code,
nothing written."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from midas.launch.models import ChecklistItem, LaunchContact, LaunchEvent, ScheduleStep

pytestmark = pytest.mark.django_db


def launch(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("launch", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_init_show_check_tick(coordinator):
    by = ("--by", coordinator.email)
    code, out, _ = launch("plan", "init", "--date", "2027-11-07", *by)
    assert code == 0 and "Loaded 30 item(s), 12 step(s), 10 role(s)" in out
    code, out, _ = launch("plan", "init", *by)
    assert code == 0 and "Loaded 0 item(s), 0 step(s)" in out
    code, out, _ = launch("plan", "show")
    assert code == 0
    assert "T-1 Saturday: Final preparations  [0/5]" in out
    # soft launch at 07:00 EST = 12:00 UTC; completion by hand
    assert "07:00 EST (12:00 UTC)" in out and "d0-1800-completion" in out and "(by hand)" in out
    code, out, _ = launch("plan", "check")
    assert code == 0 and "t1-final-backup: Failed" in out
    code, out, _ = launch(
        "plan", "tick", "t7-thu-beta-testing", "--note", "12 VIPs, 3 bugs fixed", *by
    )
    assert code == 0 and "Beta user testing: Done." in out
    code, out, _ = launch("plan", "show")
    assert "evidence: 12 VIPs, 3 bugs fixed — coordinator@midas.example" in out
    assert "OVERDUE" not in out  # launch day is in 2027


def test_show_marks_open_items_past_due(coordinator):
    launch("plan", "init", "--date", "2020-01-05", "--by", coordinator.email)
    code, out, _ = launch("plan", "show")
    assert code == 0 and "due Mon 12-30 18:00 OVERDUE" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("plan", "tick", "t7-thu-beta-testing", "--note", "x"), "auth_required"),
        (("plan", "tick", "t7-thu-beta-testing", "--note", " ", "--by", "C"), "invalid_input"),
        (("plan", "tick", "nope", "--note", "x", "--by", "C"), "not_found"),
        (("plan", "tick", "t1-final-backup", "--note", "x", "--by", "C"), "invalid_state"),
        (("plan", "tick", "t7-thu-beta-testing", "--note", "x", "--by", "E"), "forbidden"),
        (
            ("plan", "edit", "t7-thu-beta-testing", "--due", "tomorrow", "--by", "C"),
            "invalid_input",
        ),
        (("plan", "step", "skip", "d0-0600-initiation", "--reason", "", "--by", "C"), "invalid"),
        (("plan", "step", "run", "d0-0700-soft-launch", "--by", "E"), "forbidden"),
        (("team", "set", "qa", "--name", "Q", "--email", "bad", "--by", "C"), "invalid_input"),
        (("team", "grant", "nobody@midas.example", "launch", "--by", "C"), "invalid_input"),
    ],
)
def test_refusals_exit_2_and_write_nothing(coordinator, executive, monkeypatch, args, message):
    monkeypatch.delenv("MIDAS_OPERATOR", raising=False)
    assert launch("plan", "init", "--date", "2027-11-07", "--by", coordinator.email)[0] == 0
    emails = {"C": coordinator.email, "E": executive.email}
    args = tuple(emails.get(a, a) for a in args)
    events = LaunchEvent.objects.count()
    items = list(ChecklistItem.objects.values_list("status", "due_at"))
    code, _, err = launch(*args)
    assert code == 2 and f"refused ({message}" in err
    assert LaunchEvent.objects.count() == events
    assert list(ChecklistItem.objects.values_list("status", "due_at")) == items
    assert not ScheduleStep.objects.exclude(status="pending").exists()
    assert not LaunchContact.objects.exists()


def test_step_run_and_skip(coordinator):
    by = ("--by", coordinator.email)
    launch("plan", "init", "--date", "2027-11-07", *by)
    code, out, _ = launch("plan", "step", "run", "d0-0800-expansion", *by)
    assert code == 0 and "gate invite; ramp 25%" in out
    code, out, _ = launch("plan", "step", "skip", "d0-0900-optimisation", "--reason", "n/a", *by)
    assert code == 0 and "skipped" in out
    code, _, err = launch("plan", "step", "run", "d0-0800-expansion", *by)
    assert code == 2 and "invalid_state" in err
    code, out, _ = launch(
        "plan", "step", "edit", "d0-1100-ramp-50", "--at", "11:30", "--by-hand", *by
    )
    assert code == 0 and "2027-11-07 11:30 EST saved" in out
    assert ScheduleStep.objects.get(key="d0-1100-ramp-50").automatic is False


def test_team_commands(coordinator, groups):
    from tests.launch.conftest import make_staff

    by = ("--by", coordinator.email)
    launch("plan", "init", *by)
    code, out, _ = launch(
        "team", "set", "devops", "--name", "Dee Ops", "--email", "dee@midas.example",
        "--phone", "+1 555 0102", "--slack", "@dee", "--user", coordinator.email, *by,
    )  # fmt: skip
    assert code == 0
    code, _, _ = launch("team", "vendor", "database", "Neon", "--url", "https://neon.example", *by)
    assert code == 0
    make_staff("qa@midas.example")
    assert launch("team", "grant", "qa@midas.example", "operations", *by)[0] == 0
    code, out, _ = launch("team", "show")
    assert "Level 1: Technical team" in out and "Dee Ops <dee@midas.example>" in out
    assert "[coordinator@midas.example]" in out and "Neon: https://neon.example" in out
    assert launch("team", "unset", "devops", *by)[0] == 0
    assert not LaunchContact.objects.filter(role__key="devops").exists()
    assert launch("team", "unset", "devops", *by)[0] == 2  # nobody left to remove
    code, out, _ = launch("team", "groups")
    assert "operations  1 member(s)" in out
