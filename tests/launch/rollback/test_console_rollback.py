"""The rollback in the console (/ops/launch/rollback) and on the command line."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from midas.launch.models import LaunchEvent, Phase, RollbackRun
from midas.launch.state.selectors import launch_state
from midas.ops.selectors import read_state

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quiet(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.LAUNCH_TEAM_EMAIL = []
    settings.SLACK_WEBHOOK_URL = ""
    settings.LAUNCH_ROLLBACK_HOOK = ""


def test_the_page_previews_the_steps_and_lists_runs(client, coordinator):
    client.force_login(coordinator)
    page = client.get("/ops/launch/rollback")
    assert page.status_code == 200
    html = page.content.decode()
    assert "What the rollback would do now" in html
    assert "LAUNCH_ROLLBACK_HOOK is not set" in html and "No rollback yet." in html
    assert 'action="/ops/launch/rollback/start"' in html


def test_an_unknown_backup_in_the_preview_is_said_not_a_500(client, coordinator):
    client.force_login(coordinator)
    page = client.get("/ops/launch/rollback?restore=20990101T000000Z-000000")
    assert page.status_code == 200
    assert "Cannot restore: no such backup" in page.content.decode()


def test_a_dry_run_from_the_console_is_recorded_and_changes_nothing(client, coordinator):
    client.force_login(coordinator)
    response = client.post(
        "/ops/launch/rollback/start", {"reason": "rehearsal", "dry_run": "on", "restore": ""}
    )
    run = RollbackRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/ops/launch/rollback/{run.pk}"
    assert run.dry_run and launch_state(fresh=True).phase == Phase.PRELAUNCH
    page = client.get(f"/ops/launch/rollback/{run.pk}").content.decode()
    assert "dry run: nothing changed" in page and "maintenance_on" in page


def test_a_rollback_from_the_console(client, coordinator):
    client.force_login(coordinator)
    response = client.post("/ops/launch/rollback/start", {"reason": "error rate 2%"})
    assert response.status_code == 302
    run = RollbackRun.objects.get()
    assert run.ok and launch_state(fresh=True).phase == Phase.ROLLED_BACK
    assert read_state().enabled is False
    listing = client.get("/ops/launch/rollback").content.decode()
    assert "error rate 2%" in listing


def test_bad_input_comes_back_with_the_message_and_changes_nothing(client, coordinator):
    client.force_login(coordinator)
    assert client.post("/ops/launch/rollback/start", {"reason": ""}).status_code == 400
    response = client.post(
        "/ops/launch/rollback/start", {"reason": "x", "restore": "20990101T000000Z-000000"}
    )
    assert response.status_code == 404
    assert "no such backup" in response.content.decode()
    assert not RollbackRun.objects.exists()


def test_without_the_permission_the_form_is_hidden_and_a_post_refused(client, executive):
    client.force_login(executive)
    page = client.get("/ops/launch/rollback").content.decode()
    assert 'action="/ops/launch/rollback/start"' not in page
    assert client.post("/ops/launch/rollback/start", {"reason": "x"}).status_code == 403
    assert not RollbackRun.objects.exists()


def test_customers_and_strangers_never_see_it(client):
    from tests.factories import make_customer

    assert client.get("/ops/launch/rollback").status_code == 302
    client.force_login(make_customer())
    assert client.get("/ops/launch/rollback").status_code == 404
    assert client.get("/ops/launch/rollback/1").status_code == 404


def test_the_cli_dry_run_then_rollback_then_listing(coordinator, capsys):
    call_command(
        "launch", "rollback", "--reason", "rehearse", "--dry-run", "--by", coordinator.email
    )
    out = capsys.readouterr().out
    assert "Maintenance on" in out and "nothing was changed" in out
    assert launch_state(fresh=True).phase == Phase.PRELAUNCH

    call_command("launch", "rollback", "--reason", "for real", "--by", coordinator.email)
    out = capsys.readouterr().out
    assert "phase" in out and "Rolled back (run" in out
    assert launch_state(fresh=True).phase == Phase.ROLLED_BACK

    call_command("launch", "rollbacks")
    out = capsys.readouterr().out
    assert "dry run" in out and "for real" in out
    run = RollbackRun.objects.filter(dry_run=False).get()
    call_command("launch", "rollbacks", str(run.pk))
    assert "Outcome: ok" in capsys.readouterr().out


def test_the_cli_refuses_without_a_rollback_permission(executive, capsys):
    with pytest.raises(SystemExit) as refused:
        call_command("launch", "rollback", "--reason", "x", "--by", executive.email)
    assert refused.value.code == 2
    assert "refused (forbidden)" in capsys.readouterr().err
    assert not LaunchEvent.objects.filter(action__startswith="launch.rollback").exists()


def test_a_failed_rollback_exits_1_and_says_maintenance_is_on(coordinator, settings, capsys):
    settings.LAUNCH_ROLLBACK_HOOK = "false"
    with pytest.raises(SystemExit) as failed:
        call_command("launch", "rollback", "--reason", "x", "--by", coordinator.email)
    assert failed.value.code == 1
    captured = capsys.readouterr()
    assert "ROLLBACK FAILED" in captured.err and "Maintenance mode is still ON" in captured.err
    assert read_state().enabled is True


def test_rollback_times_read_in_the_plan_zone(client, coordinator):
    """The run's steps (kept as UTC ISO strings) in the plan's zone with UTC on hover; the
    preview's times in the plan's zone, with its abbreviation."""
    import datetime as dt

    from midas.launch.state.selectors import forget, plan_time, state_row

    at = dt.datetime(2027, 1, 4, 15, 0, 5, tzinfo=dt.UTC)  # 10:00:05 in New York
    run = RollbackRun.objects.create(
        started_at=at,
        finished_at=at,
        actor_label="t",
        reason="error rate 2%",
        ok=True,
        steps=[
            {"name": "maintenance_on", "started_at": at.isoformat(), "ms": 3, "ok": True},
            {"name": "flags", "started_at": "", "ms": 0, "ok": True},
        ],
    )
    row = state_row(for_update=False)
    row.phase_changed_at = at
    row.save(update_fields=["phase_changed_at"])
    forget()
    client.force_login(coordinator)
    page = client.get(f"/ops/launch/rollback/{run.pk}").content.decode()
    assert "Started (UTC)" not in page
    assert (
        '<time datetime="2027-01-04T15:00:05Z" title="2027-01-04 15:00:05 UTC">'
        "2027-01-04 10:00:05 EST</time>"
    ) in page
    preview = client.get("/ops/launch/rollback").content.decode()
    assert "phase changed at 2027-01-04 10:00 EST stand" in preview
    assert plan_time(at, "%H:%M:%S") == "10:00:05 EST"
    summer = dt.datetime(2027, 7, 4, 15, 0, tzinfo=dt.UTC)
    assert plan_time(summer) == "2027-07-04 11:00 EDT"  # daylight saving
    from midas.launch.rollback.export import Loss

    lost = Loss(since=at, bookings=2, payments=1, customers=1).describe()
    assert lost.endswith("made since 2027-01-04 10:00:05 EST")  # the channel's "lost" field
