"""The console's access pages: counts with the ramp and capacity, invitations (create,
CSV upload with its errors, withdraw), the waitlist, feedback triage; permissions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from midas.launch import actors
from midas.launch.access.selectors import admission_counts
from midas.launch.access.services import feedback_submit, waitlist_join
from midas.launch.models import Feedback, Invite, Visitor
from midas.launch.state import services
from midas.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db
URL = "/ops/launch/access"


def visitor(n: int, state: str, minutes_ago: int) -> Visitor:
    at = timezone.now() - dt.timedelta(minutes=minutes_ago)
    return Visitor.objects.create(
        visitor_id=f"{n:032x}", bucket=n, state=state, first_seen_at=at, last_seen_at=at
    )


def test_counts_ramp_and_capacity(client, coordinator):
    visitor(1, "admitted", 1)
    visitor(2, "admitted", 30)  # admitted, not active
    visitor(3, "waiting", 1)
    visitor(4, "refused", 1)
    visitor(5, "refused", 2)
    assert admission_counts() == {"admitted": 2, "waiting": 1, "refused": 2, "active": 1}
    system = actors.system("test")
    services.ramp_set(percent=25, actor=system, reason="t")
    services.capacity_set(sessions=500, actor=system, reason="t")
    client.force_login(coordinator)
    page = client.get(URL).content.decode()
    assert '<td id="count-admitted">2</td>' in page
    assert 'id="count-refused">2 ' in page
    assert "25% of new visitors" in page and "500 active visitors" in page
    assert 'href="/ops/launch/access"' in page  # in the navigation


def test_create_send_and_withdraw_an_invitation(client, coordinator):
    client.force_login(coordinator)
    response = client.post(
        f"{URL}/invites", {"email": "vip@example.com", "uses": 2, "days": 7, "send": "on"}
    )
    assert response.status_code == 302
    invite = Invite.objects.get()
    assert invite.max_uses == 2 and invite.sent_at is not None
    assert OutboxMessage.objects.filter(to="vip@example.com", template="launch_invite").exists()
    page = client.get(URL).content.decode()
    assert invite.code in page and "0/2" in page and "open" in page
    assert client.post(f"{URL}/invites/{invite.code}/revoke").status_code == 302
    invite.refresh_from_db()
    assert invite.revoked_at is not None
    again = client.post(f"{URL}/invites/{invite.code}/revoke")
    assert again.status_code == 409 and "Already withdrawn" in again.content.decode()


def test_bad_form_input_is_a_400(client, coordinator):
    client.force_login(coordinator)
    assert client.post(f"{URL}/invites", {"email": "x", "uses": 0, "days": 7}).status_code == 400
    assert not Invite.objects.exists()


def test_a_csv_with_bad_rows_shows_every_error_and_imports_nothing(client, coordinator):
    client.force_login(coordinator)
    bad = SimpleUploadedFile("v.csv", b"email,uses\nok@example.com,1\nbad,1\nz@example.com,0\n")
    response = client.post(f"{URL}/invites/import", {"file": bad})
    assert response.status_code == 400
    page = response.content.decode()
    assert "line 3: email: Not an email address" in page
    assert "line 4: uses: a whole number from 1 to 10000" in page
    assert not Invite.objects.exists()
    good = SimpleUploadedFile("v.csv", b"email,name\nok@example.com,Ok\n")
    assert client.post(f"{URL}/invites/import", {"file": good}).status_code == 302
    assert Invite.objects.get().name == "Ok"


def test_an_executive_sees_but_cannot_change(client, executive):
    client.force_login(executive)
    page = client.get(URL)
    assert page.status_code == 200 and "Invite someone" not in page.content.decode()
    assert (
        client.post(f"{URL}/invites", {"email": "a@example.com", "uses": 1, "days": 1}).status_code
        == 403
    )
    assert client.get(f"{URL}/feedback").status_code == 200
    assert not Invite.objects.exists()


def test_concierge_staff_get_403_and_customers_404(client, concierge_staff):
    from tests.factories import make_customer

    client.force_login(concierge_staff)
    assert client.get(URL).status_code == 403
    client.force_login(make_customer())
    assert client.get(URL).status_code == 404


def test_waitlist_page_and_notify(client, coordinator, go_on_record):
    waitlist_join(email="w@example.com", path="/collection/")
    services.phase_set(phase="public", actor=actors.system("test"), reason="10:30")
    client.force_login(coordinator)
    page = client.get(f"{URL}/waitlist").content.decode()
    assert "w@example.com" in page and "1 waiting" in page and "Tell them now" in page
    assert client.post(f"{URL}/waitlist/notify").status_code == 302
    assert OutboxMessage.objects.filter(template="launch_waitlist_open").count() == 1


def test_feedback_triage(client, coordinator):
    fb = feedback_submit(user=None, rating=1, comment="Booking page froze", path="/bookings/")
    client.force_login(coordinator)
    page = client.get(f"{URL}/feedback").content.decode()
    assert "Booking page froze" in page and "average 1.0/5" in page
    response = client.post(
        f"{URL}/feedback/{fb.pk}/triage",
        {"status": "triaged", "severity": "critical", "note": "ticket 12"},
    )
    assert response.status_code == 302
    fb.refresh_from_db()
    assert (fb.status, fb.severity, fb.triage_note) == ("triaged", "critical", "ticket 12")
    bad = client.post(f"{URL}/feedback/{fb.pk}/triage", {"status": "nope"})
    assert bad.status_code == 400
    assert Feedback.objects.get().status == "triaged"
    assert client.post(f"{URL}/feedback/999/triage", {"status": "new"}).status_code == 404
    filtered = client.get(f"{URL}/feedback?status=resolved").content.decode()
    assert "Booking page froze" not in filtered


def test_the_visitors_command(capsys):
    from django.core.management import call_command

    visitor(1, "admitted", 1)
    visitor(2, "waiting", 1)
    services.ramp_set(percent=10, actor=actors.system("test"), reason="t")
    call_command("launch", "visitors")
    out = capsys.readouterr().out
    assert "Ramp:      10% of new visitors" in out
    assert "Admitted:  1" in out and "Waiting:   1" in out and "Active:    1" in out
