"""Every criterion can be waived by its owner (the launch role it names), with a reason and
an expiry: a failing criterion then passes until the waiver expires or is withdrawn, says so
on the record, and the waiver is recorded and announced."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.db.migrations.recorder import MigrationRecorder

from midas.errors import AppError, ErrorCode
from midas.launch import actors
from midas.launch.gonogo import criteria, selectors, services
from midas.launch.models import (
    ChecklistItem,
    ItemStatus,
    LaunchContact,
    LaunchEvent,
    LaunchRole,
    Waiver,
)
from tests.launch.conftest import make_staff
from tests.launch.gonogo.test_criteria import (  # noqa: F401 (fixtures)
    T0,
    add_traffic,
    backups,
    green_launch,
    ready,
    set_launch_day,
)

pytestmark = pytest.mark.django_db
MINUTE = dt.timedelta(minutes=1)


def role_with(key: str, user) -> LaunchRole:
    role = LaunchRole.objects.get_or_create(key=key)[0]
    LaunchContact.objects.create(role=role, name=user.email, email=user.email, user=user)
    return role


@pytest.fixture
def tech_lead(groups):
    user = make_staff("tech@midas.example", "launch")
    role_with("tech_lead", user)
    return actors.of_user(user, "cli")


@pytest.fixture
def burning(green_launch):  # noqa: F811
    """The 12-minute burst: every criterion passes but the 6-hour burn rate (and the
    checklist, not loaded: marked done here)."""
    ChecklistItem.objects.create(key="ssl", section="T-7", title="SSL", status=ItemStatus.DONE)
    add_traffic(requests=1000, errors=60, at=T0 - dt.timedelta(hours=5))  # burn 30


def burn_failing_only(now: dt.datetime) -> selectors.Evaluation:
    evaluation = selectors.gonogo_evaluate(now=now)
    failing = [c.key for c in evaluation.criteria if not c.ok]
    assert failing == ["burn_rate"], failing
    return evaluation


def test_a_waiver_by_the_owner_makes_a_failing_criterion_pass_until_it_expires(
    burning, tech_lead, settings
):
    settings.LAUNCH_TEAM_EMAIL, settings.SLACK_WEBHOOK_URL = ["team@midas.example"], ""
    assert burn_failing_only(T0).decision == "no_go"
    assert criteria.CRITERIA[[c.key for c in criteria.CRITERIA].index("burn_rate")].owner == (
        "tech_lead"
    )
    waiver = services.waiver_add(
        criterion="burn_rate",
        actor=tech_lead,
        reason="a 12-minute burst at 07:10, fixed by release r43; the 60-minute rate is clean",
        minutes=5,
        now=T0 - MINUTE,
    )
    assert waiver.expires_at == T0 + 4 * MINUTE
    evaluation = selectors.gonogo_evaluate(now=T0)
    assert evaluation.decision == "go" and evaluation.reasons == []
    burn = next(c for c in evaluation.criteria if c.key == "burn_rate")
    assert burn.ok and burn.waived.startswith("waived by")
    assert "tech@midas.example" in burn.waived and "a 12-minute burst" in burn.waived
    assert [w["criterion"] for w in evaluation.waivers] == ["burn_rate"]
    # shown on the record; recorded and announced
    record = services.gonogo_record(actor=actors.system("test"), now=T0)
    assert record.decision == "go" and record.waivers[0]["role"] == "tech_lead"
    assert next(c for c in record.criteria if c["key"] == "burn_rate")["waived"]
    event = LaunchEvent.objects.get(action="launch.gonogo.waived")
    assert event.details["criterion"] == "burn_rate" and event.reason.startswith("a 12-minute")
    # expired: it no longer applies
    after = T0 + 4 * MINUTE
    assert not Waiver.objects.get().in_force(after)
    assert burn_failing_only(after).decision == "no_go"


def test_a_non_owner_may_not_waive(burning, tech_lead, coordinator):
    """The coordinator holds every launch permission but is not the tech lead."""
    with pytest.raises(AppError) as refused:
        services.waiver_add(
            criterion="burn_rate",
            actor=actors.of_user(coordinator, "cli"),
            reason="go anyway",
            minutes=60,
            now=T0,
        )
    assert refused.value.code == ErrorCode.FORBIDDEN and "Technical lead" in refused.value.message
    with pytest.raises(AppError) as system:
        services.waiver_add(
            criterion="burn_rate", actor=actors.system("t"), reason="x", minutes=60, now=T0
        )
    assert system.value.code == ErrorCode.FORBIDDEN
    assert not Waiver.objects.exists()


@pytest.mark.parametrize(
    ("criterion", "minutes", "reason", "field"),
    [
        ("nope", 60, "x", "criterion"),
        ("burn_rate", 0, "x", "minutes"),
        ("burn_rate", 1441, "x", "minutes"),  # time-boxed: a day at most
        ("burn_rate", 60, "  ", "reason"),
    ],
)
def test_a_waiver_is_time_boxed_and_says_why(tech_lead, criterion, minutes, reason, field):
    with pytest.raises(AppError) as refused:
        services.waiver_add(
            criterion=criterion, actor=tech_lead, reason=reason, minutes=minutes, now=T0
        )
    assert refused.value.code == ErrorCode.INVALID_INPUT and refused.value.field == field


def test_a_withdrawn_waiver_no_longer_applies(burning, tech_lead):
    waiver = services.waiver_add(
        criterion="burn_rate", actor=tech_lead, reason="burst", minutes=120, now=T0 - MINUTE
    )
    assert selectors.gonogo_evaluate(now=T0).go
    services.waiver_withdraw(waiver=waiver, actor=tech_lead, reason="it came back", now=T0)
    assert not selectors.gonogo_evaluate(now=T0 + MINUTE).go
    with pytest.raises(AppError) as again:
        services.waiver_withdraw(waiver=waiver, actor=tech_lead, reason="x", now=T0 + MINUTE)
    assert again.value.code == ErrorCode.INVALID_STATE


def test_every_criterion_names_an_owner_and_a_checklist_item_its_owner_role(groups):
    keys = selectors.criterion_keys()
    assert {c.key for c in criteria.CRITERIA} | {"feedback", "checklist"} <= set(keys)
    assert selectors.owner_of("freeze") == "devops"
    assert selectors.owner_of("feedback") == "qa"
    qa = LaunchRole.objects.get_or_create(key="qa")[0]
    ChecklistItem.objects.create(key="beta", section="T-4", title="Beta testing", owner_role=qa)
    assert selectors.owner_of("checklist:beta") == "qa"
    ChecklistItem.objects.create(key="misc", section="T-4", title="Misc")
    assert selectors.owner_of("checklist:misc") == "coordinator"


def test_the_freeze_installed_inside_the_window_can_be_waived_by_devops(groups):
    """An install inside the window applies every migration then: the freeze criterion
    fails for good — unless DevOps waives it."""
    set_launch_day()
    devops_user = make_staff("devops@midas.example", "launch")
    role_with("devops", devops_user)
    for n in range(62):
        MigrationRecorder.Migration.objects.create(
            app="catalog", name=f"{n:04d}_step", applied=T0 - dt.timedelta(hours=3)
        )
    assert not criteria.freeze(T0).ok
    services.waiver_add(
        criterion="freeze",
        actor=actors.of_user(devops_user, "cli"),
        reason="first install on launch day",
        minutes=600,
        now=T0 - MINUTE,
    )
    freeze = next(r for r in selectors.gonogo_evaluate(now=T0).criteria if r.key == "freeze")
    assert freeze.ok and "first install" in freeze.waived


def test_the_command_line_waives_and_lists(burning, tech_lead, capsys):
    by = tech_lead.label
    call_command(
        "launch", "gonogo", "waive", "burn_rate", "--minutes", "90", "--reason", "burst", "--by", by
    )
    assert "Waiver #" in capsys.readouterr().out
    call_command("launch", "gonogo", "waivers")
    assert "burn_rate" in capsys.readouterr().out
    with pytest.raises(SystemExit) as refused:
        call_command(
            "launch", "gonogo", "waive", "burn_rate", "--minutes", "2000", "--reason", "x",
            "--by", by,
        )  # fmt: skip
    assert refused.value.code == 2
    capsys.readouterr()
    call_command("launch", "gonogo", "waivers", "--json")
    assert json.loads(capsys.readouterr().out)[0]["criterion"] == "burn_rate"


def test_the_console_waives_and_shows_the_waiver(burning, tech_lead, client):
    client.force_login(tech_lead.user)
    page = client.get("/ops/launch/gonogo/waivers")
    assert page.status_code == 200 and "burn_rate (owner: tech_lead)" in page.content.decode()
    done = client.post(
        "/ops/launch/gonogo/waivers/new",
        {"criterion": "burn_rate", "minutes": "60", "reason": "the burst"},
    )
    assert done.status_code == 302
    waiver = Waiver.objects.get()
    page = client.get("/ops/launch/gonogo/waivers").content.decode()
    assert "the burst" in page and "In force" in page
    assert (
        client.post(
            f"/ops/launch/gonogo/waivers/{waiver.pk}/withdraw", {"reason": "fixed"}
        ).status_code
        == 302
    )
    assert Waiver.objects.get().withdrawn_at is not None


def test_the_console_refuses_a_non_owner(burning, tech_lead, coordinator, client):
    client.force_login(coordinator)
    refused = client.post(
        "/ops/launch/gonogo/waivers/new",
        {"criterion": "burn_rate", "minutes": "60", "reason": "go"},
    )
    assert refused.status_code == 403 and "forbidden" in refused.content.decode()
    assert not Waiver.objects.exists()
