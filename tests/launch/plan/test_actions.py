"""The plan's and the team's actions, declared once (``plan.actions``): the command line and
the console refuse the same bad input with the same code and reach the same service."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from midas.launch.models import ChecklistItem, LaunchContact, LaunchEvent, ScheduleStep
from midas.launch.plan import services as plan_services
from midas.launch.plan import team as team_services
from midas.launch.plan.actions import ACTIONS

pytestmark = pytest.mark.django_db

ITEM, STEP = "t7-wed-staff-training", "d0-0900-optimisation"


@pytest.fixture
def loaded(coordinator_actor):
    plan_services.plan_init(actor=coordinator_actor, launch_date=dt.date(2027, 11, 7))


def launch(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("launch", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def written() -> tuple:
    return (
        list(ChecklistItem.objects.values_list("key", "status", "evidence")),
        list(ScheduleStep.objects.values_list("key", "status")),
        LaunchContact.objects.count(),
        LaunchEvent.objects.count(),
    )


def test_every_action_takes_its_positional_arguments_from_its_form():
    for action in ACTIONS:
        assert set(action.positional) <= set(action.form.base_fields)


# (command line, console URL, console data): the same bad value on both sides
BAD = [
    (
        ("plan", "tick", ITEM, "--note", " "),
        f"plan/item/{ITEM}/tick",
        {"status": "done", "note": " "},
    ),
    (
        ("plan", "tick", ITEM, "--note", "x" * 2001),
        f"plan/item/{ITEM}/tick",
        {"status": "done", "note": "x" * 2001},
    ),
    (("plan", "step", "skip", STEP, "--reason", " "), f"plan/step/{STEP}/skip", {"reason": " "}),
    (("plan", "init", "--date", "7 November"), "plan/init", {"date": "7 November"}),
    (
        ("team", "set", "qa", "--name", "Q", "--email", "bad"),
        "team/contact",
        {"role": "qa", "name": "Q", "email": "bad"},
    ),
    (
        ("team", "set", "qa", "--name", "Q", "--user", "not an email"),
        "team/contact",
        {"role": "qa", "name": "Q", "user": "not an email"},
    ),
    (
        ("team", "vendor", "database", "Neon", "--url", "not a url"),
        "team/vendor",
        {"service": "database", "vendor": "Neon", "url": "not a url"},
    ),
    (
        ("team", "grant", "not-an-email", "launch"),
        "team/grant",
        {"email": "not-an-email", "group": "launch"},
    ),
]


@pytest.mark.parametrize(("args", "url", "data"), BAD)
def test_the_same_bad_input_is_refused_on_both_sides(client, coordinator, loaded, args, url, data):
    before = written()
    code, _, err = launch(*args, "--by", coordinator.email)
    assert code == 2 and "refused (invalid_input)" in err
    client.force_login(coordinator)
    assert client.post(f"/ops/launch/{url}", data).status_code == 400
    assert written() == before


def test_without_the_permission_both_sides_refuse(client, executive, loaded):
    code, _, err = launch("plan", "step", "skip", STEP, "--reason", "no", "--by", executive.email)
    assert code == 2 and "refused (forbidden)" in err
    client.force_login(executive)
    response = client.post(f"/ops/launch/plan/step/{STEP}/skip", {"reason": "no"})
    assert response.status_code == 403
    assert ScheduleStep.objects.get(key=STEP).status == "pending"


@pytest.fixture
def calls(monkeypatch):
    """Each service call the actions make, by service, with what they pass."""
    seen: dict[str, list[dict]] = {}

    def spy(module, name):
        real = getattr(module, name)

        def call(**kwargs):
            actor = kwargs["actor"]
            seen.setdefault(name, []).append(
                {**kwargs, "actor": actor.user.email if actor.user else None}
            )
            return real(**kwargs)

        monkeypatch.setattr(module, name, call)

    spy(plan_services, "item_tick")
    spy(plan_services, "step_skip")
    spy(team_services, "contact_set")
    spy(team_services, "staff_grant")
    return seen


def test_both_sides_reach_the_same_service_with_the_same_values(
    client, coordinator, groups, loaded, calls
):
    from tests.launch.conftest import make_staff

    make_staff("qa@midas.example")
    by = ("--by", coordinator.email)
    assert launch("plan", "tick", ITEM, "--status", "blocked", "--note", "no room", *by)[0] == 0
    assert launch("plan", "step", "skip", STEP, "--reason", "not needed", *by)[0] == 0
    team = ("team", "set", "qa", "--name", "Q", "--email", "q@midas.example", "--backup")
    assert launch(*team, *by)[0] == 0
    assert launch("team", "grant", "qa@midas.example", "operations", *by)[0] == 0
    cli = {name: [dict(c) for c in found] for name, found in calls.items()}
    calls.clear()
    ScheduleStep.objects.filter(key=STEP).update(status="pending")

    client.force_login(coordinator)
    posts = [
        (f"plan/item/{ITEM}/tick", {"status": "blocked", "note": "no room"}),
        (f"plan/step/{STEP}/skip", {"reason": "not needed"}),
        ("team/contact", {"role": "qa", "name": "Q", "email": "q@midas.example", "backup": "on"}),
        ("team/grant", {"email": "qa@midas.example", "group": "operations"}),
    ]
    for url, data in posts:
        assert client.post(f"/ops/launch/{url}", data).status_code == 302

    def comparable(found: dict) -> dict:
        return {
            name: [{k: getattr(v, "key", v) for k, v in c.items()} for c in each]
            for name, each in found.items()
        }

    assert set(cli) == {"item_tick", "step_skip", "contact_set", "staff_grant"}
    assert comparable(calls) == comparable(cli)
    assert cli["item_tick"][0]["note"] == "no room" and cli["contact_set"][0]["backup"] is True


def test_step_run_exits_1_when_the_step_fails(coordinator, loaded, monkeypatch):
    from midas.launch.plan import schedule

    monkeypatch.setattr(schedule, "_carry_out", lambda *a, **k: (False, "it broke"))
    code, out, _ = launch("plan", "step", "run", STEP, "--by", coordinator.email)
    assert code == 1 and "it broke" in out
