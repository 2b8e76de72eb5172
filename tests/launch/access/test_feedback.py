"""Beta feedback: the control on customer pages for beta testers and invitees only (a plain
form POST that comes back to the page), the rating rule, the release, triage, the summary."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from midas.errors import AppError, ErrorCode
from midas.launch import actors
from midas.launch.access.selectors import feedback_summary
from midas.launch.access.services import feedback_submit, feedback_triage
from midas.launch.models import Feedback, Invite, LaunchEvent
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def test_a_beta_tester_rates_a_page_and_comes_back_to_it(client, settings):
    settings.RELEASE = "2027.01.04-1"
    client.force_login(make_customer("beta@example.com", is_beta=True))
    page = client.get("/about/")
    assert 'action="/launch/feedback"' in page.content.decode()
    response = client.post(
        "/launch/feedback", {"rating": "4", "comment": "Lovely", "next": "/about/"}
    )
    assert response.status_code == 302 and response["Location"] == "/about/"
    fb = Feedback.objects.get()
    assert (fb.rating, fb.comment, fb.path, fb.release) == (4, "Lovely", "/about/", "2027.01.04-1")
    assert fb.user.email == "beta@example.com"
    assert "Thank you for your feedback" in client.get("/about/").content.decode()
    assert "Thank you" not in client.get("/about/").content.decode()  # said once


def test_customers_and_visitors_see_no_control_and_may_not_post(client):
    assert 'action="/launch/feedback"' not in client.get("/about/").content.decode()
    assert client.post("/launch/feedback", {"rating": "5"}).status_code == 403
    client.force_login(make_customer())
    assert 'action="/launch/feedback"' not in client.get("/about/").content.decode()
    assert client.post("/launch/feedback", {"rating": "5"}).status_code == 403
    assert not Feedback.objects.exists()


def test_an_invitee_may_send_feedback(client):
    invite = Invite.objects.create(
        code="ABCD-EFGH-JKLM", max_uses=1, expires_at=timezone.now() + dt.timedelta(days=1)
    )
    client.post("/launch/invite", {"code": invite.code})
    assert 'action="/launch/feedback"' in client.get("/about/").content.decode()
    assert client.post("/launch/feedback", {"rating": "2", "next": "/"}).status_code == 302
    assert Feedback.objects.get().user is None


def test_an_off_site_next_goes_home(client):
    client.force_login(make_customer(is_beta=True))
    response = client.post("/launch/feedback", {"rating": "3", "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.parametrize("rating", [0, 6, "x", None])
def test_the_rating_is_one_to_five(rating):
    with pytest.raises(AppError) as refused:
        feedback_submit(user=None, rating=rating, path="/")
    assert refused.value.field == "rating"
    assert not Feedback.objects.exists()


def test_a_bad_rating_from_the_form_is_said_on_the_page(client):
    client.force_login(make_customer(is_beta=True))
    client.post("/launch/feedback", {"rating": "9", "next": "/about/"})
    assert "not sent" in client.get("/about/").content.decode()
    assert not Feedback.objects.exists()


def test_triage_and_summary(coordinator_actor, executive):
    for rating in (5, 4, 1, 2):
        feedback_submit(user=None, rating=rating, comment=f"r{rating}", path="/")
    summary = feedback_summary()
    assert summary["count"] == 4 and summary["average"] == 3.0
    assert sorted(f.rating for f in summary["low"]) == [1, 2]
    assert summary["by_status"] == {"new": 4}
    low = Feedback.objects.get(rating=1)
    feedback_triage(
        feedback=low, actor=coordinator_actor, status="triaged", severity="high", note="checkout"
    )
    low.refresh_from_db()
    assert (low.status, low.severity, low.triage_note) == ("triaged", "high", "checkout")
    assert LaunchEvent.objects.filter(action="launch.feedback.triaged").count() == 1
    assert feedback_summary()["by_status"] == {"new": 3, "triaged": 1}
    with pytest.raises(AppError):
        feedback_triage(feedback=low, actor=coordinator_actor, status="bogus")
    with pytest.raises(AppError):
        feedback_triage(feedback=low, actor=coordinator_actor, status="new", severity="huge")
    with pytest.raises(AppError) as refused:
        feedback_triage(feedback=low, actor=actors.of_user(executive, "cli"), status="resolved")
    assert refused.value.code == ErrorCode.FORBIDDEN
    future = timezone.now() + dt.timedelta(days=1)
    assert feedback_summary(since=future) == {
        "count": 0,
        "average": None,
        "low": [],
        "by_status": {},
    }


def test_the_cli(capsys):
    feedback_submit(user=None, rating=2, comment="slow", path="/x/")
    call_command("launch", "feedback", "list")
    out = capsys.readouterr().out
    assert "1 feedback, average 2.0/5" in out and "slow" in out
    call_command("launch", "feedback", "list", "--status", "resolved")
    assert "slow" not in capsys.readouterr().out
