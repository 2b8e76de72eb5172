"""The access gate as a browser and an API client see it: each mode, the ramp, the capacity
cap, staff, the paths never gated, the JSON answer under /api/, and what it costs."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from midas.launch import actors
from midas.launch.access.admission import visitor_bucket
from midas.launch.access.selectors import forget_active
from midas.launch.access.services import VisitorToken
from midas.launch.middleware import read_token, write_token
from midas.launch.models import Invite, Visitor
from midas.launch.state import services
from midas.launch.state.selectors import launch_state
from tests.factories import PASSWORD, make_customer
from tests.launch.conftest import make_staff

SYSTEM = actors.system("test")
COOKIE = settings.LAUNCH_VISITOR_COOKIE


@pytest.fixture(autouse=True)
def _fresh_capacity_count():
    forget_active()
    yield
    forget_active()


def gate(mode: str) -> None:
    services.gate_set(mode=mode, actor=SYSTEM, reason="test")


def ramp(percent) -> None:
    services.ramp_set(percent=percent, actor=SYSTEM, reason="test")


def give_cookie(client, token: VisitorToken) -> None:
    response = HttpResponse()
    write_token(response, token)
    client.cookies[COOKIE] = response.cookies[COOKIE].value


def token_in(client) -> VisitorToken | None:
    class Fake:
        COOKIES = {COOKIE: client.cookies[COOKIE].value} if COOKIE in client.cookies else {}

    return read_token(Fake())


def visitor_with_bucket(salt: str, inside: bool, line: int) -> VisitorToken:
    n = 0
    while True:
        visitor_id = f"{n:032x}"
        bucket = visitor_bucket(salt, visitor_id)
        if (bucket < line) == inside:
            return VisitorToken(visitor_id=visitor_id, bucket=bucket)
        n += 1


@pytest.mark.django_db
def test_wide_open_the_gate_costs_no_query_and_sets_no_cookie(client):
    client.get("/")  # warm the page cache and the catalogue version
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    assert not [q for q in queries.captured_queries if "launch_" in q["sql"]]
    assert COOKIE not in response.cookies
    assert "launch-feedback" not in response.content.decode()


@pytest.mark.django_db
def test_closed_turns_everyone_away_but_staff_with_a_branded_uncached_page(client):
    gate("closed")
    response = client.get("/collection/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "Opening soon" in body and 'action="/launch/waitlist"' in body
    assert 'action="/launch/invite"' in body
    assert "no-store" in response["Cache-Control"]
    assert response["X-Launch-Gate"] == "refused:closed"
    assert "Retry-After" not in response
    customer = make_customer(is_beta=True)
    client.force_login(customer)
    assert client.get("/collection/").status_code == 403  # even a beta tester
    client.force_login(make_staff("staff@midas.example"))
    assert client.get("/collection/").status_code == 200


@pytest.mark.django_db
def test_the_api_gets_json(client, go_on_record):  # opening the gate to the public: a GO
    gate("closed")
    response = client.get("/api/v1/locations")
    assert response.status_code == 403
    assert response.json()["code"] == "launch_gate"
    assert response.json()["state"] == "refused"
    ramp(0)
    gate("public")
    response = client.get("/api/v1/locations")
    assert response.status_code == 503
    assert response.json() == {
        "code": "launch_gate",
        "message": response.json()["message"],
        "state": "waiting",
        "reason": "ramp",
    }
    assert int(response["Retry-After"]) > 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/healthz",
        "/robots.txt",
        "/account/login/",
        "/launch/",
        "/status",
        "/admin/login/",
        "/static/midas/midas.css",
    ],
)
def test_paths_never_gated_stay_open(client, path):
    gate("closed")
    response = client.get(path)
    assert "X-Launch-Gate" not in response
    assert response.status_code in (200, 302, 404)  # whatever the page says, not the gate
    assert "Opening soon" not in response.content.decode(errors="ignore") or path == "/launch/"


@pytest.mark.django_db
def test_beta_mode_admits_beta_testers_only_and_shows_them_the_feedback_control(client):
    gate("beta")
    assert client.get("/").status_code == 403
    client.force_login(make_customer("plain@example.com"))
    assert client.get("/").status_code == 403
    client.force_login(make_customer("beta@example.com", is_beta=True))
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'action="/launch/feedback"' in body
    assert response["X-Cache"] == "bypass"  # a session: never from the page cache


@pytest.mark.django_db
def test_a_beta_testers_app_signs_in_through_the_api_during_the_soft_launch(client):
    """The API's sign-in is never gated (as /account/login/): the beta tester's app gets its
    token and passes with it; anyone else's token still meets the gate."""
    gate("beta")
    make_customer("beta@example.com", is_beta=True)
    make_customer("plain@example.com")

    def token(email: str) -> str:
        answer = client.post(
            "/api/v1/auth/token",
            {"email": email, "password": PASSWORD, "name": "app"},
            content_type="application/json",
        )
        assert answer.status_code == 200 and "X-Launch-Gate" not in answer
        return answer.json()["token"]

    beta, plain = token("beta@example.com"), token("plain@example.com")
    client.cookies.clear()
    assert client.get("/api/v1/bookings", HTTP_AUTHORIZATION=f"Bearer {beta}").status_code == 200
    refused = client.get("/api/v1/bookings", HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert refused.status_code == 403 and refused.json()["code"] == "launch_gate"


@pytest.mark.django_db
def test_invite_mode_admits_invitees_after_they_type_their_code(client):
    gate("invite")
    assert client.get("/").status_code == 403
    invite = Invite.objects.create(
        code="ABCD-EFGH-JKLM", max_uses=1, expires_at=timezone.now() + dt.timedelta(days=1)
    )
    response = client.post("/launch/invite", {"code": "abcd efgh jklm", "next": "/collection/"})
    assert response.status_code == 302 and response["Location"] == "/collection/"
    response = client.get("/collection/")
    assert response.status_code == 200
    assert 'action="/launch/feedback"' in response.content.decode()
    assert Visitor.objects.get(invite=invite).reason == "invite"
    # a wrong code: the page again, with the reason
    other = client.__class__()
    response = other.post("/launch/invite", {"code": "NOPE-NOPE"})
    assert response.status_code == 404
    assert "No invitation has this code" in response.content.decode()


@pytest.mark.django_db
def test_public_ramp_admits_by_bucket_and_lowering_it_turns_visitors_away(client, go_on_record):
    ramp(40)
    salt = launch_state(fresh=True).ramp_salt
    inside = visitor_with_bucket(salt, True, 4_000)
    outside = visitor_with_bucket(salt, False, 4_000)
    give_cookie(client, outside)
    response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "600"
    assert response["X-Launch-Gate"] == "waiting:ramp"
    client.cookies.clear()
    give_cookie(client, inside)
    assert client.get("/").status_code == 200
    # lowering the ramp below this visitor's bucket turns them away (disruptive)
    ramp(Decimal(inside.bucket) / 100)  # the line is now the bucket itself: outside
    assert client.get("/").status_code == 503
    ramp(100)
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_a_new_visitor_is_recorded_when_the_cookie_comes_back_then_rarely(client):
    gate("invite")
    client.get("/")
    assert Visitor.objects.count() == 0  # a client that drops cookies leaves no row
    token = token_in(client)
    assert token is not None and token.recorded_at == 0
    client.get("/")
    row = Visitor.objects.get()
    assert (row.visitor_id, row.bucket, row.state) == (token.visitor_id, token.bucket, "refused")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/about/")
    assert response.status_code == 403
    assert queries.captured_queries == []  # turned away from the cookie alone: no query


@pytest.mark.django_db
def test_a_tampered_cookie_is_a_new_visitor(client):
    gate("invite")
    client.cookies[COOKIE] = "forged"
    response = client.get("/")
    assert response.status_code == 403
    assert response.cookies[COOKIE].value != "forged"


@pytest.mark.django_db
def test_capacity_holds_new_visitors_and_keeps_admitted_ones(client):
    services.capacity_set(sessions=1, actor=SYSTEM, reason="test")
    now = timezone.now()
    Visitor.objects.create(
        visitor_id="a" * 32,
        bucket=1,
        state="admitted",
        reason="ramp",
        first_seen_at=now,
        last_seen_at=now,
        admitted_at=now,
    )
    response = client.get("/")
    assert response.status_code == 503
    assert response["X-Launch-Gate"] == "waiting:capacity"
    assert response["Retry-After"] == "120"
    client.cookies.clear()
    give_cookie(
        client,
        VisitorToken(visitor_id="a" * 32, bucket=1, state="admitted", reason="ramp"),
    )
    assert client.get("/").status_code == 200  # admitted before: keeps going


@pytest.mark.django_db
def test_a_customer_signs_in_through_the_closed_gate_page(client):
    gate("beta")
    make_customer("beta@example.com", is_beta=True)
    page = client.get("/bookings/")
    assert page.status_code == 403
    assert re.search(r'href="/account/login/\?next=', page.content.decode())
    response = client.post("/account/login/", {"email": "beta@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_smoke_runs_and_probes_pass_with_their_signed_pass(client):
    from midas.core.synthetic import HEADER as SMOKE_HEADER
    from midas.core.synthetic import visitor_pass

    gate("closed")
    assert client.get("/", headers={SMOKE_HEADER: "forged"}).status_code == 403
    response = client.get("/", headers={SMOKE_HEADER: visitor_pass()})
    assert response.status_code == 200
    assert COOKIE not in response.cookies


@pytest.mark.django_db
def test_the_page_cache_never_stores_a_page_with_the_feedback_control(client):
    """An invitee whose session is gone still holds the invitation in the visitor cookie:
    the page shown to them has the control, and is not stored for anonymous visitors."""
    invite = Invite.objects.create(
        code="ABCD-EFGH-JKLM", max_uses=1, expires_at=timezone.now() + dt.timedelta(days=1)
    )
    give_cookie(
        client,
        VisitorToken(
            visitor_id="b" * 32, bucket=7, state="admitted", reason="invite", invite_id=invite.pk
        ),
    )
    response = client.get("/about/")
    assert 'action="/launch/feedback"' in response.content.decode()
    assert response["X-Cache"] == "bypass"
    anonymous = client.__class__()
    first = anonymous.get("/about/")
    assert first["X-Cache"] == "miss"
    assert 'action="/launch/feedback"' not in first.content.decode()
    assert anonymous.get("/about/")["X-Cache"] == "hit"


@pytest.mark.django_db
def test_an_api_client_is_known_by_its_bearer_token_without_cookies(client):
    from midas.accounts.authentication import api_token_issue

    gate("beta")
    _, beta_secret = api_token_issue(user=make_customer("beta@example.com", is_beta=True))
    _, plain_secret = api_token_issue(user=make_customer("plain@example.com"))
    ok = client.get("/api/v1/bookings", headers={"Authorization": f"Bearer {beta_secret}"})
    assert ok.status_code == 200, ok.content
    refused = client.get("/api/v1/bookings", headers={"Authorization": f"Bearer {plain_secret}"})
    assert refused.status_code == 403 and refused.json()["code"] == "launch_gate"
    forged = client.get("/api/v1/bookings", headers={"Authorization": "Bearer mt_nope"})
    assert forged.status_code == 403


@pytest.mark.django_db
def test_a_cookieless_signed_in_client_keeps_one_bucket_and_is_written_rarely():
    from midas.launch.access.admission import Gate
    from midas.launch.access.services import visitor_admit

    gate_ = Gate(mode="public", percent=Decimal(50), salt="s")
    ada = make_customer()
    now = timezone.now()
    first, _ = visitor_admit(gate=gate_, token=None, user=ada, now=now)
    with CaptureQueriesContext(connection) as queries:
        for second in range(1, 6):
            again, _ = visitor_admit(
                gate=gate_, token=None, user=ada, now=now + dt.timedelta(seconds=second)
            )
            assert (again.visitor_id, again.bucket) == (first.visitor_id, first.bucket)
    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in queries.captured_queries)
    assert Visitor.objects.filter(user=ada).count() == 1
