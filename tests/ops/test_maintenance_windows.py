"""Planned maintenance windows: a window in progress is maintenance mode (customers get the
503 with a Retry-After counting down to its end, staff pass and see a banner); before and
after it the site serves; ``midas maintenance schedule|list|cancel``; the back office;
staff sign in on the normal sign-in page during maintenance."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, IntegrityError, transaction

from midas.errors import AppError, ErrorCode
from midas.ops import selectors
from midas.ops.management.commands.maintenance import Command
from midas.ops.models import MaintenanceWindow
from midas.ops.selectors import MAX_RETRY_AFTER, maintenance_state
from midas.ops.services import (
    maintenance_disable,
    maintenance_enable,
    maintenance_window_cancel,
    maintenance_window_schedule,
)
from tests.factories import NOW, PASSWORD, make_customer, make_staff

pytestmark = pytest.mark.django_db

MIN = dt.timedelta(minutes=1)
BANNER = "Maintenance mode is on"


def plan(start_min: int, end_min: int, message: str = "Upgrading the fleet") -> MaintenanceWindow:
    """A window from ``start_min`` to ``end_min`` minutes after NOW (scheduled at NOW)."""
    return maintenance_window_schedule(
        starts_at=NOW + start_min * MIN, ends_at=NOW + end_min * MIN, message=message, now=NOW
    )


def test_a_window_in_progress_is_maintenance_for_customers(client, pinned):
    plan(10, 40, "Back at 12:40 UTC")
    assert client.get("/").status_code == 200  # not started yet

    pinned.set(NOW + 15 * MIN)  # the remembered answer knew the start: read again, no wait
    page = client.get("/")
    assert page.status_code == 503
    assert page["X-Maintenance"] == "on"
    assert page["Retry-After"] == str(25 * 60)  # seconds until the window ends
    assert "Back at 12:40 UTC" in page.content.decode()
    api = client.get("/api/v1/assets")
    assert api.status_code == 503
    assert api.json() == {"code": "maintenance", "message": "Back at 12:40 UTC"}
    assert api["Retry-After"] == str(25 * 60)

    pinned.advance(seconds=30)
    assert client.get("/")["Retry-After"] == str(25 * 60 - 30)  # counts down per request

    pinned.set(NOW + 40 * MIN)  # over
    assert client.get("/").status_code == 200
    assert not maintenance_state().enabled


def test_a_long_window_caps_retry_after_and_the_last_second_is_one(client, pinned):
    plan(0, 6 * 60)
    assert client.get("/")["Retry-After"] == str(MAX_RETRY_AFTER)
    pinned.set(NOW + 6 * 60 * MIN - dt.timedelta(milliseconds=400))
    assert client.get("/")["Retry-After"] == "1"


def test_staff_pass_and_see_the_banner(client, pinned):
    plan(0, 30)
    pinned.advance(minutes=5)
    client.force_login(make_staff())
    page = client.get("/")
    assert page.status_code == 200 and page.get("X-Maintenance") != "on"
    html = page.content.decode()
    assert BANNER in html and "since 12:00, until 12:30 UTC" in html
    [tag] = re.findall(r"<p [^>]*maintenance-banner[^>]*>", html)
    assert "style" not in tag  # classes from midas.css only: no inline style (CSP)
    console = client.get("/ops/")
    assert console.status_code == 200
    assert BANNER in console.content.decode()
    assert "midas maintenance cancel" in console.content.decode()


def test_no_banner_when_off_or_for_customers(client, pinned):
    client.force_login(make_staff())
    assert BANNER not in client.get("/").content.decode()
    maintenance_enable(message="manual")
    assert BANNER in client.get("/").content.decode()  # the switch too, since HH:MM
    client.logout()
    maintenance_disable()
    assert BANNER not in client.get("/").content.decode()


def test_the_switch_wins_and_off_leaves_a_window_on(pinned):
    window = plan(0, 30, "window")
    assert maintenance_state().window_id == window.pk
    maintenance_enable(message="by hand", retry_after=60)
    state = maintenance_state(fresh=True)
    assert state.enabled and state.message == "by hand" and state.window_id is None
    assert state.retry_seconds(NOW) == 60
    maintenance_disable()
    state = maintenance_state(fresh=True)
    assert state.enabled and state.window_id == window.pk  # the window still holds
    maintenance_window_cancel(window_id=window.pk)
    assert not maintenance_state().enabled  # cancelling a window in progress ends it


def test_the_state_is_remembered_and_fails_open(pinned, django_assert_num_queries, monkeypatch):
    plan(0, 30)
    selectors.MAINTENANCE.forget()
    with django_assert_num_queries(2):  # the switch's row and the next window
        assert maintenance_state().enabled
        assert maintenance_state().enabled
    monkeypatch.setattr(
        selectors.MAINTENANCE, "read", lambda: (_ for _ in ()).throw(DatabaseError("down"))
    )
    assert not maintenance_state(fresh=True).enabled  # the database away: the site is open


def test_the_database_refuses_a_window_that_ends_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        MaintenanceWindow.objects.create(starts_at=NOW, ends_at=NOW)


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        (10, 10, ErrorCode.INVALID_RANGE),
        (20, 10, ErrorCode.INVALID_RANGE),
        (-30, 10, ErrorCode.START_IN_PAST),
        (-90, -30, ErrorCode.START_IN_PAST),
        (25, 35, ErrorCode.INVALID_STATE),  # overlaps the planned 30-60
    ],
)
def test_the_service_refuses_bad_windows(start, end, code):
    plan(30, 60)
    with pytest.raises(AppError) as refused:
        plan(start, end)
    assert refused.value.code == code
    assert MaintenanceWindow.objects.count() == 1


def test_cancel_refuses_unknown_cancelled_and_past_windows(pinned):
    window = plan(10, 20)
    with pytest.raises(AppError):
        maintenance_window_cancel(window_id=window.pk + 1)
    pinned.set(NOW + 20 * MIN)
    with pytest.raises(AppError, match="already over"):
        maintenance_window_cancel(window_id=window.pk)
    later = plan(30, 40)
    maintenance_window_cancel(window_id=later.pk)
    with pytest.raises(AppError, match="already cancelled"):
        maintenance_window_cancel(window_id=later.pk)


# --- midas maintenance schedule | list | cancel -----------------------------------------------


def run(*args: str, capsys) -> str:
    call_command("maintenance", *args)
    return capsys.readouterr().out


def test_command_schedule_list_cancel(pinned, capsys):
    out = run(
        "schedule",
        "--start",
        "2027-01-04T13:00",
        "--end",
        "2027-01-04T09:30-05:00",
        "--message",
        "Database upgrade",
        capsys=capsys,
    )
    window = MaintenanceWindow.objects.get()
    assert (window.starts_at, window.ends_at) == (NOW + 60 * MIN, NOW + 150 * MIN)
    assert window.message == "Database upgrade"
    assert f"#{window.pk}" in out and "2027-01-04 13:00 UTC → 2027-01-04 14:30 UTC" in out

    listing = run("list", capsys=capsys)
    assert f"#{window.pk}" in listing and "planned" in listing and "Database upgrade" in listing
    status = run("status", capsys=capsys)
    assert "Maintenance mode is off." in status and "Next window" in status

    pinned.set(NOW + 70 * MIN)
    status = run("status", capsys=capsys)
    assert f"ON: window #{window.pk}" in status and "until 2027-01-04 14:30 UTC" in status
    assert "IN PROGRESS" in run("list", capsys=capsys)

    out = run("cancel", str(window.pk), capsys=capsys)
    assert "Cancelled" in out and "Maintenance mode is off." in out
    assert run("list", capsys=capsys).strip() == "No maintenance window planned."
    assert "cancelled" in run("list", "--all", capsys=capsys)


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--start", "2027-01-04T14:00", "--end", "2027-01-04T13:00"], "end must be after"),
        (["--start", "2027-01-04T13:00", "--end", "2027-01-04T13:00"], "end must be after"),
        (["--start", "tomorrow", "--end", "2027-01-04T13:00"], "must be a date like"),
        (["--start", "2027-01-04T13:00", "--end", "2027-13-04T14:00"], "must be a date like"),
        (["--start", "2027-01-04T10:00", "--end", "2027-01-04T11:00"], "in the past"),
        (["--start", "2027-01-04T10:00", "--end", "2027-01-04T13:00"], "in the past"),
    ],
)
def test_command_refuses_bad_input_with_exit_code_2(pinned, argv, says):
    with pytest.raises(CommandError, match=says) as refused:
        call_command("maintenance", "schedule", *argv)
    assert refused.value.returncode == 2
    assert not MaintenanceWindow.objects.exists()


def test_command_refusals_exit_2_from_the_command_line(pinned, capsys, monkeypatch):
    from django.core.management import base

    monkeypatch.setattr(base.connections, "close_all", lambda: None)  # the test's connection
    plan(60, 120)
    for argv in (
        ["schedule", "--start", "2027-01-04T12:30", "--end", "2027-01-04T13:30"],  # overlap
        ["cancel", "999"],
    ):
        with pytest.raises(SystemExit) as exited:
            Command().run_from_argv(["midas", "maintenance", *argv])
        assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "overlaps window" in err and "no maintenance window #999" in err
    assert MaintenanceWindow.objects.count() == 1


# --- The back office ----------------------------------------------------------------------


@pytest.fixture
def admin_client(client, pinned):
    client.force_login(make_staff(is_superuser=True))
    return client


def test_admin_plans_through_the_service_and_cancels(admin_client, pinned):
    form = {
        "starts_at_0": "2027-01-04",
        "starts_at_1": "13:00:00",
        "ends_at_0": "2027-01-04",
        "ends_at_1": "12:00:00",
        "message": "From the back office",
    }
    refused = admin_client.post("/admin/ops/maintenancewindow/add/", form)
    assert refused.status_code == 200
    assert "the end must be after the start" in refused.content.decode()
    assert not MaintenanceWindow.objects.exists()

    form["ends_at_1"] = "14:00:00"
    response = admin_client.post("/admin/ops/maintenancewindow/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    window = MaintenanceWindow.objects.get()
    assert window.created_by is not None and window.message == "From the back office"
    assert admin_client.get("/admin/ops/maintenancewindow/").status_code == 200

    response = admin_client.post(
        "/admin/ops/maintenancewindow/",
        {"action": "cancel_windows", "_selected_action": [window.pk]},
    )
    assert response.status_code == 302
    window.refresh_from_db()
    assert window.cancelled_at == NOW
    assert admin_client.post(f"/admin/ops/maintenancewindow/{window.pk}/delete/").status_code == 403


# --- Signing in during maintenance --------------------------------------------------------


def test_the_sign_in_page_is_open_and_staff_sign_in_through_it(client, pinned, clock):
    plan(0, 60)
    staff = make_staff(email="ops@midas.example")
    page = client.get("/account/login/")
    assert page.status_code == 200 and page.get("X-Maintenance") != "on"
    response = client.post(
        "/account/login/?next=/ops/", {"email": staff.email, "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/ops/"
    home = client.get("/")
    assert home.status_code == 200 and BANNER in home.content.decode()
    assert client.get("/ops/").status_code == 200


def test_a_customer_who_signs_in_still_gets_the_maintenance_page(client, pinned, clock):
    plan(0, 60)
    customer = make_customer()
    response = client.post("/account/login/", {"email": customer.email, "password": PASSWORD})
    assert response.status_code == 302  # signed in...
    for path in ("/account/", "/", "/bookings/"):
        answer = client.get(path)  # ...and still held back everywhere else
        assert answer.status_code == 503 and answer["X-Maintenance"] == "on", path
    assert BANNER not in client.get("/account/login/").content.decode()
