"""Security signals: lockouts and staff sign-ins are kept durably, and the security trigger
reads them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache

from midas.launch.models import SecuritySignal, SignalKind, TriggerFiring
from midas.launch.response.security_signals import security_reading, staff_login_record
from midas.launch.response.services import triggers_evaluate
from midas.launch.state.selectors import forget
from tests.factories import make_driver, make_staff

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC)
PASSWORD = "velvet-harbour-1912"


@pytest.fixture(autouse=True)
def clean(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LAUNCH_TEAM_EMAIL = []
    cache.clear()
    forget()
    yield
    cache.clear()


def test_a_lockout_on_the_sign_in_page_is_recorded(client, clock):
    customer = make_driver()
    for _ in range(5):
        client.post("/account/login/", {"email": customer.email, "password": "wrong"})
    [signal] = SecuritySignal.objects.filter(kind=SignalKind.LOCKOUT)
    assert (signal.email, signal.ip, signal.detail) == (customer.email, "127.0.0.1", "pair")
    response = client.post("/account/login/", {"email": customer.email, "password": PASSWORD})
    assert response.status_code == 429  # locked: the guard itself is unchanged
    assert SecuritySignal.objects.filter(kind=SignalKind.LOCKOUT).count() == 1


def test_staff_sign_ins_are_recorded_customers_are_not(client):
    staff, customer = make_staff(), make_driver()
    client.post("/account/login/", {"email": customer.email, "password": PASSWORD})
    assert not SecuritySignal.objects.exists()
    response = client.post("/account/login/", {"email": staff.email, "password": PASSWORD})
    assert response.status_code == 302
    [signal] = SecuritySignal.objects.all()
    assert (signal.kind, signal.user, signal.ip, signal.new_address) == (
        SignalKind.STAFF_LOGIN,
        staff,
        "127.0.0.1",
        False,  # the first sign-in on record is no evidence of anything
    )


def test_the_admin_login_form_records_staff_sign_ins(client):
    staff = make_staff()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": staff.email, "password": PASSWORD, "next": "/admin/"},
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 302
    [signal] = SecuritySignal.objects.all()
    assert (signal.user, signal.ip) == (staff, "198.51.100.7")
    client.logout()
    client.post("/admin/login/", {"username": staff.email, "password": "wrong"})
    assert SecuritySignal.objects.count() == 1


def test_a_new_address_is_one_not_seen_for_the_account_in_30_days():
    staff = make_staff()
    assert not staff_login_record(user=staff, ip="10.0.0.1", at=T0).new_address
    assert not staff_login_record(
        user=staff, ip="10.0.0.1", at=T0 + dt.timedelta(days=1)
    ).new_address
    assert staff_login_record(user=staff, ip="10.9.9.9", at=T0 + dt.timedelta(days=2)).new_address
    later = T0 + dt.timedelta(days=40)  # nothing on record in the 30 days before
    assert not staff_login_record(user=staff, ip="10.7.7.7", at=later).new_address
    other = make_staff()
    assert not staff_login_record(user=other, ip="10.9.9.9", at=T0).new_address


def test_the_security_trigger_fires_on_a_burst_of_lockouts_and_clears(settings):
    settings.LAUNCH_SECURITY_LOCKOUTS = 3
    for i in range(2):
        SecuritySignal.objects.create(
            kind=SignalKind.LOCKOUT, at=T0 + i * dt.timedelta(minutes=1), ip=f"203.0.113.{i}"
        )
    assert security_reading(now=T0 + dt.timedelta(minutes=2)).lockouts == 2
    assert triggers_evaluate(now=T0 + dt.timedelta(minutes=2)) == []
    SecuritySignal.objects.create(
        kind=SignalKind.LOCKOUT, at=T0 + dt.timedelta(minutes=2), ip="203.0.113.9"
    )
    [firing] = triggers_evaluate(now=T0 + dt.timedelta(minutes=3))
    # customers' lockouts: a staff-only incident for review (tests/launch/response/
    # test_security_severity.py), whose update says nothing internal should it go public
    assert firing.trigger == "security" and firing.incident.impact == "minor"
    assert not firing.incident.public
    assert firing.details["lockouts"] == 3
    assert firing.details["addresses"] == ["203.0.113.0", "203.0.113.1", "203.0.113.9"]
    assert "203.0.113" not in firing.incident.updates.get().body
    # the first lockout leaves the 10-minute window at T0 + 10 min
    assert triggers_evaluate(now=T0 + dt.timedelta(minutes=10)) == []
    firing.refresh_from_db()
    assert firing.cleared_at == T0 + dt.timedelta(minutes=10)


def test_the_security_trigger_fires_on_a_staff_sign_in_from_a_new_address():
    staff = make_staff()
    staff_login_record(user=staff, ip="10.0.0.1", at=T0 - dt.timedelta(days=3))
    staff_login_record(user=staff, ip="192.0.2.66", at=T0)
    [firing] = triggers_evaluate(now=T0 + dt.timedelta(minutes=1))
    assert firing.details["new_address_logins"] == [f"{staff.email} from 192.0.2.66"]
    assert not firing.incident.public  # for review: travelling staff are no breach
    assert TriggerFiring.objects.filter(cleared_at__isnull=True).count() == 1
