"""The plan and team pages of the launch console: read with VIEW, change with PLAN, bad
input a 4xx with nothing written."""

from __future__ import annotations

import datetime as dt

import pytest

from midas.launch.models import ChecklistItem, LaunchContact, LaunchEvent, ScheduleStep
from midas.launch.plan import services as plan_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(coordinator_actor):
    plan_services.plan_init(actor=coordinator_actor, launch_date=dt.date(2027, 11, 7))


def test_the_plan_page_shows_sections_schedule_and_local_times(client, coordinator, loaded):
    client.force_login(coordinator)
    page = client.get("/ops/launch/plan")
    assert page.status_code == 200
    html = page.content.decode()
    assert "T-7 Monday: Infrastructure finalisation" in html and "LAUNCH AUTHORIZED" in html
    # 07:00 EST on 7 November 2027 is 12:00 UTC
    assert "07:00 EST</td><td>12:00</td>" in html
    assert 'action="/ops/launch/plan/item/t7-wed-staff-training/tick"' in html


def test_the_executive_reads_but_cannot_tick(client, executive, loaded):
    client.force_login(executive)
    page = client.get("/ops/launch/plan").content.decode()
    assert "Staff training completion" in page and "/tick" not in page
    response = client.post(
        "/ops/launch/plan/item/t7-wed-staff-training/tick", {"status": "done", "note": "ok"}
    )
    assert response.status_code == 403
    assert ChecklistItem.objects.get(key="t7-wed-staff-training").status == "open"


def test_concierge_staff_get_403_everywhere(client, concierge_staff, loaded):
    client.force_login(concierge_staff)
    assert client.get("/ops/launch/plan").status_code == 403
    assert client.get("/ops/launch/team").status_code == 403
    response = client.post(
        "/ops/launch/plan/item/t7-wed-staff-training/tick", {"status": "done", "note": "ok"}
    )
    assert response.status_code == 403
    assert not LaunchEvent.objects.filter(action="launch.plan.item_ticked").exists()


def test_coordinator_ticks_with_a_note(client, coordinator, loaded):
    client.force_login(coordinator)
    response = client.post(
        "/ops/launch/plan/item/t7-wed-staff-training/tick",
        {"status": "done", "note": "training log signed"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("/ops/launch/plan#item-t7-wed-staff-training")
    item = ChecklistItem.objects.get(key="t7-wed-staff-training")
    assert item.status == "done" and item.checked_by == coordinator
    assert "training log signed" in client.get("/ops/launch/plan").content.decode()


@pytest.mark.parametrize(
    ("url", "data", "status"),
    [
        ("/ops/launch/plan/item/t7-wed-staff-training/tick", {"status": "done"}, 400),
        ("/ops/launch/plan/item/t7-wed-staff-training/tick", {"status": "x", "note": "n"}, 400),
        ("/ops/launch/plan/item/t1-final-backup/tick", {"status": "done", "note": "n"}, 409),
        ("/ops/launch/plan/item/t7-wed-staff-training/edit", {"title": ""}, 400),
        (
            "/ops/launch/plan/item/t7-wed-staff-training/edit",
            {"title": "T", "due": "next tuesday"},
            400,
        ),
        ("/ops/launch/plan/item/t7-wed-staff-training/edit", {"title": "T", "owner": "nope"}, 400),
        ("/ops/launch/plan/item/no-such-item/tick", {"status": "done", "note": "n"}, 404),
        ("/ops/launch/plan/step/d0-0900-optimisation/skip", {"reason": ""}, 400),
        ("/ops/launch/plan/step/d0-0900-optimisation/edit", {"at": "9am", "title": "T"}, 400),
        (
            "/ops/launch/plan/step/d0-1800-completion/edit",
            {"at": "18:00", "title": "Done", "automatic": "on"},
            400,
        ),
        ("/ops/launch/team/contact", {"role": "qa", "name": ""}, 400),
        ("/ops/launch/team/contact", {"role": "qa", "name": "Q", "user": "no@midas.example"}, 400),
        ("/ops/launch/team/grant", {"email": "no@midas.example", "group": "launch"}, 400),
        ("/ops/launch/team/vendor", {"service": "", "vendor": "X"}, 400),
    ],
)
def test_bad_input_is_a_4xx_and_writes_nothing(client, coordinator, loaded, url, data, status):
    client.force_login(coordinator)
    before = list(ChecklistItem.objects.values_list("key", "status", "title", "due_at"))
    steps = list(ScheduleStep.objects.values_list("key", "status"))
    events = LaunchEvent.objects.count()
    response = client.post(url, data)
    assert response.status_code == status
    assert list(ChecklistItem.objects.values_list("key", "status", "title", "due_at")) == before
    assert list(ScheduleStep.objects.values_list("key", "status")) == steps
    assert LaunchEvent.objects.count() == events and not LaunchContact.objects.exists()


def test_edit_due_time_is_local(client, coordinator, loaded):
    client.force_login(coordinator)
    response = client.post(
        "/ops/launch/plan/item/t7-wed-documentation/edit",
        {"title": "Docs", "owner": "qa", "due": "2027-11-03 09:30", "detail": "d", "reason": "r"},
    )
    assert response.status_code == 302
    item = ChecklistItem.objects.get(key="t7-wed-documentation")
    assert item.due_at == dt.datetime(2027, 11, 3, 13, 30, tzinfo=dt.UTC)  # EDT
    assert item.owner_role.key == "qa"


def test_run_and_skip_steps_from_the_console(client, coordinator, operator, loaded):
    client.force_login(operator)  # may ramp, may not manage the plan
    assert client.post("/ops/launch/plan/step/d0-1100-ramp-50/run").status_code == 403
    client.force_login(coordinator)
    assert client.post("/ops/launch/plan/step/d0-1100-ramp-50/run").status_code == 302
    step = ScheduleStep.objects.get(key="d0-1100-ramp-50")
    assert step.status == "done" and "ramp 50%" in step.outcome
    again = client.post("/ops/launch/plan/step/d0-1100-ramp-50/run")
    assert again.status_code == 409
    skip = client.post("/ops/launch/plan/step/d0-0900-optimisation/skip", {"reason": "no need"})
    assert skip.status_code == 302
    assert ScheduleStep.objects.get(key="d0-0900-optimisation").status == "skipped"


def test_edit_a_step_from_the_console(client, coordinator, loaded):
    client.force_login(coordinator)
    assert 'action="/ops/launch/plan/step/d0-0900-optimisation/edit"' in (
        client.get("/ops/launch/plan").content.decode()
    )
    response = client.post(
        "/ops/launch/plan/step/d0-0900-optimisation/edit",
        {"at": "2027-11-07 09:15", "title": "Tuning", "automatic": "on"},
    )
    assert response.status_code == 302
    step = ScheduleStep.objects.get(key="d0-0900-optimisation")
    assert step.at == dt.datetime(2027, 11, 7, 14, 15, tzinfo=dt.UTC) and step.title == "Tuning"


def test_checks_and_init_buttons(client, coordinator):
    client.force_login(coordinator)
    assert client.post("/ops/launch/plan/init", {"date": "2027-03-14"}).status_code == 302
    assert ScheduleStep.objects.count() == 12
    assert client.post("/ops/launch/plan/checks").status_code == 302
    assert ChecklistItem.objects.get(key="t1-final-backup").status == "failed"
    assert client.post("/ops/launch/plan/init", {"date": "14/03/2027"}).status_code == 400


def test_team_page_and_edits(client, coordinator, executive, loaded):
    client.force_login(executive)
    page = client.get("/ops/launch/team").content.decode()
    assert "Customer service lead" in page and "team/contact" not in page
    assert client.post("/ops/launch/team/contact", {"role": "qa", "name": "Q"}).status_code == 403
    client.force_login(coordinator)
    response = client.post(
        "/ops/launch/team/contact",
        {"role": "qa", "name": "Quinn", "email": "q@midas.example", "user": coordinator.email},
    )
    assert response.status_code == 302
    assert LaunchContact.objects.get(role__key="qa").user == coordinator
    page = client.get("/ops/launch/team").content.decode()
    assert "Quinn" in page and 'name="name" value="Quinn"' in page and "Edit backup" in page
    response = client.post(
        "/ops/launch/team/grant", {"email": "exec@midas.example", "group": "launch"}
    )
    assert response.status_code == 302
    assert executive.groups.filter(name="launch").exists()
