from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from midas.errors import AppError, ErrorCode
from midas.launch import actors
from midas.launch.models import (
    ChecklistItem,
    Decision,
    GoNoGoRecord,
    ItemStatus,
    LaunchEvent,
    LaunchRole,
    Phase,
    ScheduleStep,
    StepStatus,
    VendorContact,
)
from midas.launch.plan import data as plan_data
from midas.launch.plan import services as plan_services
from midas.launch.state.selectors import launch_state
from tests.concurrency import race

pytestmark = pytest.mark.django_db

NY = zoneinfo.ZoneInfo("America/New_York")
UTC = dt.UTC


def _utc(y, m, d, h, mi=0, sec=0):
    return dt.datetime(y, m, d, h, mi, sec, tzinfo=UTC)


def test_init_loads_every_default_item_step_role_and_vendor(coordinator_actor):
    summary = plan_services.plan_init(actor=coordinator_actor, launch_date=dt.date(2027, 3, 14))
    assert set(ChecklistItem.objects.values_list("key", flat=True)) == {
        spec.key for spec in plan_data.ITEMS
    }
    assert set(ScheduleStep.objects.values_list("key", flat=True)) == {
        spec.key for spec in plan_data.STEPS
    }
    assert set(LaunchRole.objects.values_list("key", flat=True)) == {
        spec.key for spec in plan_data.ROLES
    }
    assert set(VendorContact.objects.values_list("service", flat=True)) == {
        "payments",
        "email",
        "hosting",
        "database",
    }
    assert summary.items == len(plan_data.ITEMS) and summary.steps == len(plan_data.STEPS)
    sections = list(dict.fromkeys(ChecklistItem.objects.values_list("section", flat=True)))
    assert sections[0].startswith("T-7 Monday") and sections[-1] == "Post-launch validation"
    assert "T-1 Saturday: Final preparations" in sections
    assert "T-0 Launch authorization" in sections
    owner = ChecklistItem.objects.get(key="t7-mon-security-hardening")
    assert owner.owner_role.key == "devops" and owner.auto_check == "security_settings"
    levels = dict(LaunchRole.objects.values_list("key", "escalation_level"))
    assert levels == {
        "coordinator": 1,
        "tech_lead": 1,
        "devops": 1,
        "qa": 1,
        "cs_lead": 2,
        "marketing": 2,
        "ceo": 3,
        "cto": 3,
        "legal": 0,
        "pr": 0,
    }
    assert launch_state(fresh=True).launch_date == dt.date(2027, 3, 14)
    assert LaunchEvent.objects.filter(action="launch.plan.initialised").count() == 1


def test_init_is_idempotent_and_leaves_ticked_items_alone(coordinator_actor):
    plan_services.plan_init(actor=coordinator_actor, launch_date=dt.date(2027, 3, 14))
    item = ChecklistItem.objects.get(key="t7-tue-performance")
    plan_services.item_tick(
        item=item, actor=coordinator_actor, status=ItemStatus.DONE, note="load test report #4"
    )
    ChecklistItem.objects.filter(key="t0-team-assembled").delete()
    again = plan_services.plan_init(actor=coordinator_actor, replace=True)
    assert again.items == 1 and again.steps == 0 and again.roles == 0
    assert ChecklistItem.objects.count() == len(plan_data.ITEMS)
    item.refresh_from_db()
    assert item.status == ItemStatus.DONE and item.evidence == "load test report #4"


def test_init_without_a_date_loads_the_checklist_but_no_schedule(coordinator_actor):
    summary = plan_services.plan_init(actor=coordinator_actor)
    assert summary.items == len(plan_data.ITEMS) and not ScheduleStep.objects.exists()
    assert ChecklistItem.objects.filter(due_at__isnull=False).count() == 0
    plan_services.plan_init(actor=coordinator_actor, launch_date=dt.date(2027, 6, 6))
    assert ScheduleStep.objects.count() == len(plan_data.STEPS)
    assert not ChecklistItem.objects.filter(due_at__isnull=True).exists()


@pytest.mark.parametrize(
    ("day", "soft_launch_utc", "freeze_item_utc", "first_item_utc"),
    [
        # Sunday 14 March 2027 is the day US clocks go forward: launch day is in EDT (UTC-4),
        # the day before is still EST (UTC-5).
        (dt.date(2027, 3, 14), _utc(2027, 3, 14, 11), _utc(2027, 3, 13, 23), _utc(2027, 3, 8, 23)),
        # Sunday 7 November 2027 clocks go back: launch day in EST (UTC-5), the day before EDT.
        (dt.date(2027, 11, 7), _utc(2027, 11, 7, 12), _utc(2027, 11, 6, 22), _utc(2027, 11, 1, 22)),
    ],
)
def test_schedule_times_are_local_wall_clock_across_dst(
    coordinator_actor, day, soft_launch_utc, freeze_item_utc, first_item_utc
):
    plan_services.plan_init(actor=coordinator_actor, launch_date=day)
    soft = ScheduleStep.objects.get(key="d0-0700-soft-launch")
    assert soft.at == soft_launch_utc
    assert soft.at.astimezone(NY).hour == 7
    assert soft.actions == {"phase": "soft_launch", "gate": "beta", "ramp": 10}
    assert ChecklistItem.objects.get(key="t1-system-freeze").due_at == freeze_item_utc
    assert ChecklistItem.objects.get(key="t7-mon-production-environment").due_at == first_item_utc
    local = {s.key: s.at.astimezone(NY).strftime("%H:%M") for s in ScheduleStep.objects.all()}
    assert local == {
        "d0-0600-initiation": "06:00",
        "d0-0630-core-checks": "06:30",
        "d0-0700-soft-launch": "07:00",
        "d0-0800-expansion": "08:00",
        "d0-0900-optimisation": "09:00",
        "d0-1000-gonogo": "10:00",
        "d0-1030-public": "10:30",
        "d0-1100-ramp-50": "11:00",
        "d0-1200-ramp-100": "12:00",
        "d0-1400-stabilisation": "14:00",
        "d0-1600-review": "16:00",
        "d0-1800-completion": "18:00",
    }
    completion = ScheduleStep.objects.get(key="d0-1800-completion")
    assert completion.automatic is False and completion.actions == {"phase": "launched"}


def test_a_new_launch_date_retimes_pending_steps_by_local_days(coordinator_actor):
    plan_services.plan_init(actor=coordinator_actor, launch_date=dt.date(2027, 3, 7))
    assert ScheduleStep.objects.get(key="d0-0700-soft-launch").at == _utc(2027, 3, 7, 12)
    summary = plan_services.plan_init(actor=coordinator_actor, launch_date=dt.date(2027, 3, 14))
    assert summary.retimed == len(plan_data.STEPS) + len(plan_data.ITEMS)
    # a week later, across the DST change: still 07:00 local
    assert ScheduleStep.objects.get(key="d0-0700-soft-launch").at == _utc(2027, 3, 14, 11)


def test_plan_init_needs_the_plan_permission(executive):
    with pytest.raises(AppError) as refused:
        plan_services.plan_init(actor=actors.of_user(executive, "cli"))
    assert refused.value.code == ErrorCode.FORBIDDEN
    assert not ChecklistItem.objects.exists()


# -- ticking -------------------------------------------------------------------------------


@pytest.fixture
def plan(coordinator_actor):
    plan_services.plan_init(actor=coordinator_actor, launch_date=dt.date(2027, 3, 14))
    return coordinator_actor


def test_tick_records_who_and_the_note(plan, coordinator):
    item = ChecklistItem.objects.get(key="t7-wed-staff-training")
    plan_services.item_tick(item=item, actor=plan, status="done", note="all 5 reps trained")
    item.refresh_from_db()
    assert item.status == "done" and item.checked_by == coordinator
    assert item.evidence == "all 5 reps trained" and item.checked_at is not None
    event = LaunchEvent.objects.get(action="launch.plan.item_ticked")
    assert event.reason == "all 5 reps trained" and event.details["after"] == "done"


@pytest.mark.parametrize("who", ["executive", "concierge_staff", "operator"])
def test_tick_needs_the_plan_permission(plan, request, who):
    actor = actors.of_user(request.getfixturevalue(who), "console")
    item = ChecklistItem.objects.get(key="t7-wed-staff-training")
    with pytest.raises(AppError) as refused:
        plan_services.item_tick(item=item, actor=actor, status="done", note="I say so")
    assert refused.value.code == ErrorCode.FORBIDDEN
    item.refresh_from_db()
    assert item.status == "open" and not LaunchEvent.objects.filter(action__contains="tick")


@pytest.mark.parametrize(("status", "note"), [("done", "   "), ("finished", "a note")])
def test_tick_without_a_note_or_with_a_bad_status_writes_nothing(plan, status, note):
    item = ChecklistItem.objects.get(key="t7-wed-staff-training")
    with pytest.raises(AppError) as refused:
        plan_services.item_tick(item=item, actor=plan, status=status, note=note)
    assert refused.value.code == ErrorCode.INVALID_INPUT
    item.refresh_from_db()
    assert item.status == "open" and item.checked_by is None


def test_auto_checked_items_need_an_explicit_override(plan):
    item = ChecklistItem.objects.get(key="t1-final-backup")
    with pytest.raises(AppError) as refused:
        plan_services.item_tick(item=item, actor=plan, status="done", note="trust me")
    assert refused.value.code == ErrorCode.INVALID_STATE
    plan_services.item_tick(
        item=item, actor=plan, status="n_a", note="backups by the host", override=True
    )
    item.refresh_from_db()
    assert item.status == "n_a" and item.evidence.startswith("override of backup_verified_24h")
    # an overridden item is left alone by the checks ...
    plan_services.checks_run()
    item.refresh_from_db()
    assert item.status == "n_a"
    # ... until handed back
    plan_services.item_tick(item=item, actor=plan, status="open", note="host backups gone")
    plan_services.checks_run()
    item.refresh_from_db()
    assert item.status == "failed" and "no verified backup" in item.evidence


def test_item_update_edits_and_refuses_bad_input(plan):
    item = ChecklistItem.objects.get(key="t7-wed-documentation")
    due = dt.datetime(2027, 3, 10, 12, tzinfo=NY)
    plan_services.item_update(
        item=item, actor=plan, title="Docs final", owner_role="qa", due_at=due, reason="QA owns"
    )
    item.refresh_from_db()
    assert (item.title, item.owner_role.key, item.due_at) == ("Docs final", "qa", due)
    event = LaunchEvent.objects.get(action="launch.plan.item_updated")
    assert set(event.details["changes"]) == {"title", "owner_role", "due_at"}
    for bad in ({"title": " "}, {"owner_role": "janitor"}, {"auto_check": "nonsense"}):
        with pytest.raises(AppError):
            plan_services.item_update(item=item, actor=plan, **bad)
    item.refresh_from_db()
    assert item.title == "Docs final"
    assert LaunchEvent.objects.filter(action="launch.plan.item_updated").count() == 1


# -- the schedule --------------------------------------------------------------------------


def test_due_steps_run_in_order_once(plan):
    # 07:00 EDT on 14 March 2027 = 11:00 UTC; the 06:00 and 06:30 steps are due too
    now = _utc(2027, 3, 14, 11, 0)
    carried = plan_services.schedule_run_due(now=now)
    keys = [s.key for s in carried]
    assert keys == ["d0-0600-initiation", "d0-0630-core-checks", "d0-0700-soft-launch"]
    steps = {s.key: s for s in ScheduleStep.objects.all()}
    assert steps["d0-0600-initiation"].status == StepStatus.DONE
    # the smoke step needs midas.launch.smoke.services: failed with a reason if not there yet,
    # not stuck
    core = steps["d0-0630-core-checks"]
    assert core.status in {StepStatus.DONE, StepStatus.FAILED} and core.outcome != "running…"
    assert steps["d0-0700-soft-launch"].status == StepStatus.DONE
    state = launch_state(fresh=True)
    assert (state.phase, state.gate_mode, state.ramp_percent) == ("soft_launch", "beta", 10)
    event = LaunchEvent.objects.get(action="launch.phase.changed")
    assert event.actor_label == "system:schedule" and event.at == now
    assert plan_services.schedule_run_due(now=now) == []
    assert LaunchEvent.objects.filter(action="launch.phase.changed").count() == 1


def test_public_launch_waits_for_a_go_record(plan):
    for hour in (10, 11, 12):  # 06:00, 07:00, 08:00 EDT
        plan_services.schedule_run_due(now=_utc(2027, 3, 14, hour, 0, 20))
    for step in ScheduleStep.objects.filter(key__in=["d0-0900-optimisation", "d0-1000-gonogo"]):
        plan_services.step_skip(step=step, actor=plan, reason="decided in the room")
    carried = plan_services.schedule_run_due(now=_utc(2027, 3, 14, 14, 31))
    assert [s.key for s in carried] == ["d0-1030-public"]
    public = ScheduleStep.objects.get(key="d0-1030-public")
    assert public.status == StepStatus.FAILED and "no GO decision" in public.outcome
    assert launch_state(fresh=True).phase == Phase.SOFT_LAUNCH
    GoNoGoRecord.objects.create(
        created_at=_utc(2027, 3, 14, 14, 40), decision=Decision.GO, phase="soft_launch"
    )
    plan_services.schedule_run_due(now=_utc(2027, 3, 14, 15, 1))  # 11:00 EDT: ramp 50
    assert launch_state(fresh=True).ramp_percent == 50
    # the public step is run by hand once the GO is there
    plan_services.step_run(step=public, actor=plan, now=_utc(2027, 3, 14, 15, 2))
    state = launch_state(fresh=True)
    assert (state.phase, state.gate_mode) == ("public", "public")


def test_a_step_found_hours_late_is_marked_missed_not_run(plan):
    carried = plan_services.schedule_run_due(now=_utc(2027, 3, 14, 13, 0))  # 09:00 EDT
    status = {s.key: (s.status, s.outcome) for s in carried}
    assert status["d0-0600-initiation"][0] == StepStatus.FAILED
    assert "missed" in status["d0-0700-soft-launch"][1]
    assert launch_state(fresh=True).phase == Phase.PRELAUNCH
    assert ScheduleStep.objects.get(key="d0-0800-expansion").status == StepStatus.DONE


def test_a_rolled_back_launch_holds_the_steps_that_would_move_it(plan):
    from midas.launch.state import services

    plan_services.schedule_run_due(now=_utc(2027, 3, 14, 10, 0))  # 06:00 EDT
    services.phase_set(phase="rolled_back", actor=plan, reason="drill: errors")
    carried = plan_services.schedule_run_due(now=_utc(2027, 3, 14, 11, 0))  # 07:00
    held = next(s for s in carried if s.key == "d0-0700-soft-launch")
    assert held.status == StepStatus.FAILED and held.outcome.startswith("held")
    state = launch_state(fresh=True)
    assert (state.phase, state.gate_mode, state.ramp_percent) == ("rolled_back", "public", 100)


def test_launch_completion_is_never_automatic(plan):
    completion = ScheduleStep.objects.get(key="d0-1800-completion")
    plan_services.schedule_run_due(now=_utc(2027, 3, 14, 22, 30))
    completion.refresh_from_db()
    assert completion.status == StepStatus.PENDING


def test_step_run_needs_the_permissions_of_its_actions(plan, operator, executive):
    step = ScheduleStep.objects.get(key="d0-0700-soft-launch")
    for user in (operator, executive):
        with pytest.raises(AppError) as refused:
            plan_services.step_run(step=step, actor=actors.of_user(user, "cli"))
        assert refused.value.code == ErrorCode.FORBIDDEN
    step.refresh_from_db()
    assert step.status == StepStatus.PENDING
    plan_services.step_run(step=step, actor=plan)
    step.refresh_from_db()
    assert step.status == StepStatus.DONE
    with pytest.raises(AppError) as again:
        plan_services.step_run(step=step, actor=plan)
    assert again.value.code == ErrorCode.INVALID_STATE


def test_step_skip_needs_a_reason(plan):
    step = ScheduleStep.objects.get(key="d0-0900-optimisation")
    with pytest.raises(AppError):
        plan_services.step_skip(step=step, actor=plan, reason=" ")
    step.refresh_from_db()
    assert step.status == StepStatus.PENDING


def _race_due(now):
    def attempt(_i):
        return [s.key for s in plan_services.schedule_run_due(now=now)]

    return attempt


@pytest.mark.django_db(transaction=True)
def test_a_due_step_runs_once_with_two_workers(coordinator):
    plan_services.plan_init(
        actor=actors.of_user(coordinator, "cli"), launch_date=dt.date(2027, 3, 14)
    )
    ScheduleStep.objects.exclude(key="d0-0700-soft-launch").update(status=StepStatus.SKIPPED)
    results = race(2, _race_due(_utc(2027, 3, 14, 11, 0, 30)))
    assert sorted(results, key=len) == [[], ["d0-0700-soft-launch"]], results
    assert LaunchEvent.objects.filter(action="launch.schedule.step_done").count() == 1
    assert LaunchEvent.objects.filter(action="launch.phase.changed").count() == 1
    assert LaunchEvent.objects.filter(action="launch.ramp.changed").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_due_step_runs_once_with_four_workers_on_postgres(coordinator):
    plan_services.plan_init(
        actor=actors.of_user(coordinator, "cli"), launch_date=dt.date(2027, 11, 7)
    )
    ScheduleStep.objects.exclude(key__in=["d0-0700-soft-launch", "d0-0800-expansion"]).update(
        status=StepStatus.SKIPPED
    )
    results = race(4, _race_due(_utc(2027, 11, 7, 13, 0)))  # 08:00 EST; 07:00 is 60 min old
    carried = [k for r in results for k in r]
    assert sorted(carried) == ["d0-0700-soft-launch", "d0-0800-expansion"], results
    state = launch_state(fresh=True)
    assert (state.gate_mode, state.ramp_percent) == ("invite", 25)
    assert LaunchEvent.objects.filter(action="launch.schedule.step_done").count() == 2


def test_the_worker_job_runs_checks_and_due_steps_only_with_a_launch_date(coordinator_actor):
    from django.utils import timezone

    from midas.launch.plan.jobs import launch_plan

    plan_services.plan_init(actor=coordinator_actor)  # no date: checklist only
    assert launch_plan.call() == 0
    assert not ChecklistItem.objects.exclude(status="open").exists()
    in_two_days = timezone.localdate(timezone=NY) + dt.timedelta(days=2)  # no step due yet
    plan_services.plan_init(actor=coordinator_actor, launch_date=in_two_days)
    assert launch_plan.call() > 0  # the failing automatic checks at least
    assert not ScheduleStep.objects.exclude(status="pending").exists()
    assert ChecklistItem.objects.get(key="t1-final-backup").status == "failed"


def test_step_update_moves_a_pending_step_in_local_time(plan, executive):
    step = ScheduleStep.objects.get(key="d0-1100-ramp-50")
    with pytest.raises(AppError):
        plan_services.step_update(step=step, actor=actors.of_user(executive, "cli"), title="Fifty")
    from midas.launch.plan.selectors import parse_local

    plan_services.step_update(
        step=step, actor=plan, at=parse_local("11:30"), automatic=False, reason="slower"
    )
    step.refresh_from_db()
    assert step.at == _utc(2027, 3, 14, 15, 30) and step.automatic is False
    event = LaunchEvent.objects.get(action="launch.schedule.step_updated")
    assert set(event.details["changes"]) == {"at", "automatic"} and event.reason == "slower"
    completion = ScheduleStep.objects.get(key="d0-1800-completion")
    with pytest.raises(AppError) as refused:
        plan_services.step_update(step=completion, actor=plan, automatic=True)
    assert refused.value.code == ErrorCode.INVALID_INPUT
    plan_services.step_run(step=step, actor=plan)
    with pytest.raises(AppError) as done:
        plan_services.step_update(step=step, actor=plan, title="later")
    assert done.value.code == ErrorCode.INVALID_STATE
