"""The team as the plan has it, from the command line and the console: ``team set legal``,
a role the team adds, the customer-service rota's shifts, what a vendor is used for."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from midas.launch.models import LaunchContact, LaunchRole, RotaShift, VendorContact

pytestmark = pytest.mark.django_db


def launch(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("launch", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_the_command_line_names_legal_adds_a_role_and_keeps_a_rota(coordinator):
    by = ("--by", coordinator.email)
    code, out, err = launch(
        "team", "set", "legal", "--name", "Lena Law", "--email", "l@m.example", *by
    )
    assert code == 0, err
    assert out.strip() == "Lena Law (Legal, primary): saved."
    code, _, err = launch("team", "set", "janitor", "--name", "J", *by)
    assert code == 2 and "Unknown role 'janitor'" in err
    code, out, err = launch(
        "team", "role", "cs_night", "--name", "Night service lead", "--level", "2", *by
    )
    assert code == 0 and out.strip() == "Night service lead (cs_night): level 2.", err
    code, out, _ = launch("team", "role", "legal", "--signs", "yes", *by)
    assert code == 0 and "signs the go/no-go" in out
    assert LaunchRole.objects.get(key="legal").signs_gonogo
    code, out, err = launch(
        "team", "shift", "add", "Sam Ortiz",
        "--start", "2027-03-21 00:00", "--end", "2027-03-21 08:00", *by,
    )  # fmt: skip
    assert code == 0, err
    shift = RotaShift.objects.get()
    assert out.strip() == (
        f"Rota shift #{shift.pk}: Sam Ortiz, 2027-03-21 00:00 to 2027-03-21 08:00 EDT."
    )
    code, _, err = launch(
        "team", "shift", "add", "X", "--start", "2027-03-14 08:00", "--end", "2027-03-14 07:00", *by
    )
    assert code == 2 and "invalid_range" in err
    code, out, _ = launch("team", "vendor", "hosting", "Netlify", "--phone", "+1 555 0100", *by)
    assert code == 0
    assert VendorContact.objects.get(service="hosting").used_for == "Website hosting, CDN and DNS"
    code, out, _ = launch("team", "show")
    assert "CEO (ceo, signs the go/no-go)" in out and "CTO (cto, signs the go/no-go)" in out
    assert "Level 0: On call (not paged by escalation)" in out
    assert "Lena Law" in out and "used for: Website hosting, CDN and DNS" in out
    assert "Customer-service rota" in out and "Sam Ortiz" in out
    code, _, _ = launch("team", "shift", "remove", str(shift.pk), *by)
    assert code == 0 and not RotaShift.objects.exists()


def test_the_console_team_page_adds_a_role_a_shift_and_a_vendors_use(client, coordinator):
    client.force_login(coordinator)
    assert (
        client.post(
            "/ops/launch/team/role", {"key": "pr", "name": "Press office", "level": "0"}
        ).status_code
        == 302
    )
    assert LaunchRole.objects.get(key="pr").label == "Press office"
    response = client.post(
        "/ops/launch/team/shift",
        {"name": "Ana", "start": "2027-03-14 08:00", "end": "2027-03-14 16:00", "role": "cs_lead"},
    )
    assert response.status_code == 302
    bad = client.post(
        "/ops/launch/team/shift", {"name": "B", "start": "soon", "end": "2027-03-14 16:00"}
    )
    assert bad.status_code == 400 and RotaShift.objects.count() == 1
    response = client.post(
        "/ops/launch/team/vendor",
        {"service": "database", "vendor": "MongoDB Atlas", "used_for": "Search index"},
    )
    assert response.status_code == 302
    page = client.get("/ops/launch/team").content.decode()
    assert "Press office" in page and "Ana" in page and "Search index" in page
    assert "signs the go/no-go" in page and "Customer-service rota" in page
    client.post("/ops/launch/team/contact", {"role": "legal", "name": "Counsel"})
    assert LaunchContact.objects.get(role__key="legal").name == "Counsel"
    shift = RotaShift.objects.get()
    assert client.post("/ops/launch/team/shift/remove", {"id": shift.pk}).status_code == 302
    assert not RotaShift.objects.exists()


def test_only_the_launch_group_changes_roles_and_shifts(client, executive):
    client.force_login(executive)
    assert client.post("/ops/launch/team/role", {"key": "x", "name": "X"}).status_code == 403
    assert (
        client.post(
            "/ops/launch/team/shift",
            {"name": "A", "start": "2027-03-14 08:00", "end": "2027-03-14 16:00"},
        ).status_code
        == 403
    )
    assert not LaunchRole.objects.filter(key="x").exists() and not RotaShift.objects.exists()
