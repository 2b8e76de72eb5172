"""The go/no-go decision: GO only when every required checklist item and every criterion
passes, NO-GO with one reason per failure, exit codes 0/1, records kept and announced,
a good flags snapshot on GO, and who may sign for a role."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command

from midas.errors import AppError, ErrorCode
from midas.launch import actors
from midas.launch.gonogo import selectors, services
from midas.launch.models import (
    ChecklistItem,
    Decision,
    Feedback,
    FlagSnapshot,
    GoNoGoRecord,
    ItemStatus,
    LaunchContact,
    LaunchEvent,
    LaunchRole,
    SignOff,
)
from midas.notifications.models import OutboxMessage
from tests.launch.conftest import make_staff
from tests.launch.gonogo.test_criteria import T0, backups, green_launch, ready  # noqa: F401 (fixtures)
from tests.slo.conftest import add_minute

pytestmark = pytest.mark.django_db


def add_item(key: str, status: str = ItemStatus.DONE, *, required: bool = True) -> ChecklistItem:
    return ChecklistItem.objects.create(
        key=key,
        section="T-7 Monday: Infrastructure",
        title=key.replace("-", " ").capitalize(),
        status=status,
        required_for_go=required,
    )


@pytest.fixture
def all_green(green_launch):  # noqa: F811
    add_item("ssl-certificates")
    add_item("load-balancer", ItemStatus.NOT_APPLICABLE)
    add_item("nice-to-have", ItemStatus.OPEN, required=False)  # not required for GO


@pytest.fixture
def team_mail(settings):
    settings.LAUNCH_TEAM_EMAIL = ["launch-team@midas.example"]
    settings.SLACK_WEBHOOK_URL = ""


def role(key: str) -> LaunchRole:
    """A role that signs the go/no-go (which roles sign is data: ``signs_gonogo``)."""
    return LaunchRole.objects.get_or_create(key=key, defaults={"signs_gonogo": True})[0]


def test_go_when_everything_passes(all_green):
    evaluation = selectors.gonogo_evaluate(now=T0)
    assert evaluation.reasons == []
    assert evaluation.decision == Decision.GO and evaluation.exit_code == 0
    keys = [c.key for c in evaluation.criteria]
    assert keys[:2] == ["checklist:ssl-certificates", "checklist:load-balancer"]
    assert "checklist:nice-to-have" not in keys
    assert keys[-1] == "feedback"
    assert not GoNoGoRecord.objects.exists()  # evaluating keeps nothing


def test_no_go_names_every_failure(all_green):
    add_item("payment-tests", ItemStatus.BLOCKED)
    add_minute(T0 - dt.timedelta(minutes=3), process="web-2:1", le_100=100, errors=5)
    evaluation = selectors.gonogo_evaluate(now=T0)
    assert evaluation.decision == Decision.NO_GO and evaluation.exit_code == 1
    assert evaluation.reasons == [
        "Payment tests: Blocked (needs done or n/a) — T-7 Monday: Infrastructure",
        "Error rate, last 60 min: 0.455% (needs < 0.1%) — 5 of 1100 requests",
        "Error-budget burn rate, last 6 h: 4.55 (needs < 2) — 5 of 1100 requests failed; "
        "budget 0.1%",
    ]


def test_no_plan_is_a_no_go(green_launch):  # noqa: F811
    evaluation = selectors.gonogo_evaluate(now=T0)
    assert evaluation.reasons == [
        "Launch checklist: no data: no checklist items (midas launch plan init) "
        "(needs every required item done or n/a)"
    ]


def test_beta_feedback_is_a_reason_only_from_ten_ratings(all_green, coordinator):
    for rating in (1, 2, 5, 5, 5):
        Feedback.objects.create(user=coordinator, rating=rating, path="/")
    evaluation = selectors.gonogo_evaluate(now=T0)
    assert evaluation.go  # average 3.6 over 5 ratings: shown, not judged
    assert evaluation.feedback["count"] == 5 and evaluation.feedback["average"] == 3.6
    feedback = evaluation.criteria[-1]
    assert feedback.value == "3.60 / 5 over 5"
    assert feedback.detail.startswith("2 open low rating(s); fewer than 10 ratings")
    for _ in range(5):
        Feedback.objects.create(user=coordinator, rating=4, path="/book")
    evaluation = selectors.gonogo_evaluate(now=T0)
    assert not evaluation.go
    assert evaluation.reasons[0].startswith("Beta feedback: 3.80 / 5 over 10 (needs >= 4.5")
    json.dumps(evaluation.as_json())  # the summary is plain JSON


def test_command_exit_codes(all_green, capsys):
    call_command("launch", "gonogo", "--at", T0.isoformat())  # GO: returns (exit 0)
    assert "Decision: GO" in capsys.readouterr().out
    add_item("security-scan", ItemStatus.FAILED)
    with pytest.raises(SystemExit) as no_go:
        call_command("launch", "gonogo", "--at", T0.isoformat())
    assert no_go.value.code == 1
    out = capsys.readouterr().out
    assert "Decision: NO-GO" in out and "Security scan: Failed" in out
    with pytest.raises(SystemExit) as as_json:
        call_command("launch", "gonogo", "--json", "--at", T0.isoformat())
    assert as_json.value.code == 1
    assert json.loads(capsys.readouterr().out)["decision"] == "no_go"
    assert not GoNoGoRecord.objects.exists()


def test_bad_time_is_refused(capsys):
    with pytest.raises(SystemExit) as refused:
        call_command("launch", "gonogo", "--at", "ten o'clock")
    assert refused.value.code == 2
    assert "refused (invalid_input)" in capsys.readouterr().err


def test_a_go_record_is_kept_announced_audited_and_snapshots_the_flags(
    all_green, coordinator_actor, team_mail
):
    record = services.gonogo_record(actor=coordinator_actor, now=T0)
    assert record.decision == Decision.GO and record.reasons == []
    assert record.created_at == T0 and record.actor_label == "coordinator@midas.example"
    assert record.criteria[0]["key"] == "checklist:ssl-certificates"
    assert all(c["ok"] for c in record.criteria)
    event = LaunchEvent.objects.get(action="launch.gonogo.recorded")
    assert event.details["decision"] == "go" and event.details["record"] == record.pk
    mail = OutboxMessage.objects.get(template="launch_announcement")
    assert mail.to == "launch-team@midas.example"
    assert f"Go/no-go #{record.pk}: GO" in mail.body_text
    snapshot = FlagSnapshot.objects.get()
    assert snapshot.good and snapshot.taken_at == T0
    assert snapshot.reason == f"GO decision #{record.pk}"
    assert event.details["flag_snapshot"] == snapshot.pk


def test_a_no_go_record_takes_no_snapshot(green_launch, coordinator, capsys):  # noqa: F811
    with pytest.raises(SystemExit) as exit_:  # now, not T0: the green evidence is not fresh
        call_command("launch", "gonogo", "--record", "--by", coordinator.email)
    assert exit_.value.code == 1
    record = GoNoGoRecord.objects.get()
    assert record.decision == Decision.NO_GO and record.actor_label == coordinator.email
    assert any(r.startswith("Smoke journey passed") for r in record.reasons)
    assert f"Go/no-go record #{record.pk}" in capsys.readouterr().out
    assert not FlagSnapshot.objects.exists()


def test_a_record_cannot_be_backdated_from_the_command_line(coordinator, capsys):
    with pytest.raises(SystemExit) as refused:
        call_command(
            "launch", "gonogo", "--record", "--at", T0.isoformat(), "--by", coordinator.email
        )
    assert refused.value.code == 2
    assert "a record is kept as of now" in capsys.readouterr().err
    assert not GoNoGoRecord.objects.exists()


@pytest.mark.parametrize("who", ["executive", "operator"])
def test_only_the_launch_group_records(all_green, who, request):
    actor = actors.of_user(request.getfixturevalue(who), "console")
    with pytest.raises(AppError) as refused:
        services.gonogo_record(actor=actor, now=T0)
    assert refused.value.code == ErrorCode.FORBIDDEN
    assert not GoNoGoRecord.objects.exists() and not LaunchEvent.objects.exists()


def test_records_are_listed_newest_first_and_shown(all_green, system_actor, capsys):
    first = services.gonogo_record(actor=system_actor, now=T0 - dt.timedelta(minutes=10))
    second = services.gonogo_record(actor=system_actor, now=T0)
    assert [r.pk for r in selectors.records_list()] == [second.pk, first.pk]
    call_command("launch", "gonogo", "list")
    out = capsys.readouterr().out
    assert out.index(f"#{second.pk}") < out.index(f"#{first.pk}")
    call_command("launch", "gonogo", "show", str(first.pk))
    out = capsys.readouterr().out
    assert "Decision: NO-GO" in out  # 10 minutes earlier the smoke run had not happened
    assert "Smoke journey passed, last 15 min" in out and "No sign-offs yet." in out
    with pytest.raises(SystemExit) as missing:
        call_command("launch", "gonogo", "show", "999")
    assert missing.value.code == 2


# --- sign-offs ------------------------------------------------------------------------------


@pytest.fixture
def record(all_green, system_actor):
    return services.gonogo_record(actor=system_actor, now=T0)


def link(role_key: str, user, *, backup: bool = False) -> LaunchContact:
    return LaunchContact.objects.create(
        role=role(role_key), backup=backup, name=user.email, user=user
    )


def test_a_roles_contacts_sign_for_it_and_nobody_else(record, coordinator, operator, groups):
    backup_user = make_staff("devops-backup@midas.example", "operations")
    link("devops", operator)
    link("devops", backup_user, backup=True)
    as_coordinator = actors.of_user(coordinator, "console")
    with pytest.raises(AppError) as not_contact:  # SIGN_OFF, but devops has contacts
        services.signoff_add(record=record, role_key="devops", actor=as_coordinator, approve=True)
    assert not_contact.value.code == ErrorCode.FORBIDDEN
    # the operator lacks SIGN_OFF but is the devops primary contact
    signoff = services.signoff_add(
        record=record,
        role_key="devops",
        actor=actors.of_user(operator, "console"),
        approve=True,
        note="infra green",
        now=T0,
    )
    assert (signoff.user, signoff.approve, signoff.at) == (operator, True, T0)
    with pytest.raises(AppError) as twice:
        services.signoff_add(
            record=record,
            role_key="devops",
            actor=actors.of_user(backup_user, "console"),
            approve=True,
        )
    assert twice.value.code == ErrorCode.INVALID_STATE
    event = LaunchEvent.objects.get(action="launch.gonogo.signed")
    assert event.details == {"record": record.pk, "role": "devops", "approve": True}
    assert event.reason == "infra green"


def test_a_role_without_linked_contacts_is_signed_by_sign_off_holders(record, executive, operator):
    LaunchContact.objects.create(role=role("executive"), name="CEO (no account)")
    with pytest.raises(AppError) as no_perm:
        services.signoff_add(
            record=record,
            role_key="executive",
            actor=actors.of_user(operator, "cli"),
            approve=True,
        )
    assert no_perm.value.code == ErrorCode.FORBIDDEN
    services.signoff_add(
        record=record, role_key="executive", actor=actors.of_user(executive, "cli"), approve=True
    )
    assert SignOff.objects.get().role.key == "executive"


def test_sign_off_refusals(record, executive, system_actor):
    as_exec = actors.of_user(executive, "cli")
    role("qa")
    LaunchRole.objects.create(key="pr", signs_gonogo=False)
    cases = [
        (dict(role_key="qa", actor=as_exec, approve=False, note=" "), ErrorCode.INVALID_INPUT),
        (dict(role_key="janitor", actor=as_exec, approve=True), ErrorCode.INVALID_INPUT),
        (dict(role_key="pr", actor=as_exec, approve=True), ErrorCode.INVALID_INPUT),  # no signer
        (dict(role_key="marketing", actor=as_exec, approve=True), ErrorCode.NOT_FOUND),
        (dict(role_key="qa", actor=system_actor, approve=True), ErrorCode.FORBIDDEN),
    ]
    for kwargs, code in cases:
        with pytest.raises(AppError) as refused:
            services.signoff_add(record=record, **kwargs)
        assert refused.value.code == code, kwargs
    assert not SignOff.objects.exists()


def test_sign_from_the_command_line(team_mail, record, executive, capsys):
    role("executive")
    call_command(
        "launch",
        "gonogo",
        "sign",
        str(record.pk),
        "--role",
        "executive",
        "--reject",
        "--note",
        "wait for the payment provider",
        "--by",
        executive.email,
    )
    assert f"Executive rejected record #{record.pk}." in capsys.readouterr().out
    signoff = SignOff.objects.get()
    assert not signoff.approve and signoff.note == "wait for the payment provider"
    assert OutboxMessage.objects.count() == 2  # the record and the sign-off announced
    call_command("launch", "gonogo", "show", str(record.pk), "--json")
    body = json.loads(capsys.readouterr().out)
    assert body["signoffs"][0]["role"] == "executive" and body["signoffs"][0]["approve"] is False
    with pytest.raises(CommandError, match="--approve --reject is required"):
        call_command("launch", "gonogo", "sign", str(record.pk), "--role", "qa", "--by", "x")
