"""VIP invitations: single and shared codes, expiry, withdrawal, the CSV import (all or
nothing), the emailed signed link, the CLI, and concurrent redemptions never passing the cap."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from midas.errors import AppError, ErrorCode
from midas.launch.access import invites as access_invites
from midas.launch.access.services import VisitorToken
from midas.launch.models import Invite, InviteRedemption, LaunchEvent, Visitor
from midas.notifications.models import OutboxMessage
from tests.concurrency import race

NOW = dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC)


def visitor(n: int) -> VisitorToken:
    return VisitorToken(visitor_id=f"{n:032x}", bucket=n % 10_000)


def redeem(invite: Invite, n: int, at: dt.datetime = NOW):
    return access_invites.invite_redeem(code=invite.code, token=visitor(n), now=at)


@pytest.fixture
def invite(coordinator_actor):
    return access_invites.invite_create(
        actor=coordinator_actor, email="Vip@Example.com", name="Vera", now=NOW
    )


def test_create_records_and_normalises(invite):
    assert invite.email == "vip@example.com"
    assert invite.max_uses == 1 and invite.uses == 0
    assert invite.expires_at == NOW + dt.timedelta(days=14)
    assert len(invite.code) == 14 and invite.code.count("-") == 2
    assert LaunchEvent.objects.filter(action="launch.invite.created").count() == 1


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"email": "not-an-email"}, "email"),
        ({"uses": 0}, "uses"),
        ({"days": 0}, "days"),
        ({"days": 400}, "days"),
    ],
)
def test_bad_input_is_refused(coordinator_actor, kwargs, field):
    with pytest.raises(AppError) as refused:
        access_invites.invite_create(actor=coordinator_actor, **kwargs)
    assert refused.value.field == field
    assert not Invite.objects.exists()


def test_creating_needs_the_plan_permission(executive):
    from midas.launch import actors

    with pytest.raises(AppError) as refused:
        access_invites.invite_create(actor=actors.of_user(executive, "cli"), email="a@b.example")
    assert refused.value.code == ErrorCode.FORBIDDEN


def test_a_single_use_invite_admits_one_visitor_and_the_same_one_twice(invite):
    used, token = redeem(invite, 1)
    assert used.uses == 1 and token.invite_id == invite.pk and token.reason == "invite"
    again, _ = redeem(invite, 1)  # the same visitor again: no second use
    assert again.uses == 1
    with pytest.raises(AppError) as refused:
        redeem(invite, 2)
    assert refused.value.code == ErrorCode.INVALID_STATE
    assert "used up" in refused.value.message
    assert InviteRedemption.objects.count() == 1
    assert Visitor.objects.get(visitor_id=visitor(1).visitor_id).state == "admitted"


def test_a_shared_code_admits_up_to_its_uses(coordinator_actor):
    shared = access_invites.invite_create(actor=coordinator_actor, uses=3, now=NOW)
    for n in range(3):
        redeem(shared, n)
    with pytest.raises(AppError):
        redeem(shared, 99)
    shared.refresh_from_db()
    assert shared.uses == 3


def test_an_expired_invite_is_refused(invite):
    with pytest.raises(AppError) as refused:
        redeem(invite, 1, at=NOW + dt.timedelta(days=14))
    assert "expired" in refused.value.message
    assert redeem(invite, 1, at=NOW + dt.timedelta(days=13))[0].uses == 1


def test_a_revoked_invite_is_refused_and_its_holders_lose_the_exemption(invite, coordinator_actor):
    from decimal import Decimal

    from midas.launch.access.admission import Gate
    from midas.launch.access.services import visitor_seen

    _, token = redeem(invite, 1)
    access_invites.invite_revoke(code=invite.code.lower(), actor=coordinator_actor, reason="leaked")
    with pytest.raises(AppError) as refused:
        redeem(invite, 2)
    assert "withdrawn" in refused.value.message
    gate = Gate(mode="invite", percent=Decimal(100))
    fresh, decision = visitor_seen(gate=gate, token=token, user=None, now=NOW)
    assert (decision.state, decision.reason) == ("refused", "invite_only")
    assert fresh.invite_id is None
    with pytest.raises(AppError):
        access_invites.invite_revoke(code=invite.code, actor=coordinator_actor)


def test_an_unknown_code(db):
    with pytest.raises(AppError) as refused:
        access_invites.invite_redeem(code="NOPE", token=visitor(1))
    assert refused.value.code == ErrorCode.NOT_FOUND


def test_send_emails_the_signed_link_that_leads_in(invite, coordinator_actor, settings, client):
    settings.SITE_URL = "https://midas.example"
    access_invites.invite_send(invite=invite, actor=coordinator_actor, now=NOW)
    mail = OutboxMessage.objects.get(to="vip@example.com")
    assert mail.template == "launch_invite"
    link = access_invites.invite_link(invite)
    assert link.startswith("https://midas.example/launch/invite/") and link in mail.body_text
    assert invite.code in mail.body_text
    path = link.removeprefix("https://midas.example")
    page = client.get(path)  # a GET (a mail scanner) shows the invitation, uses nothing
    assert page.status_code == 200 and "Vera, you are invited" in page.content.decode()
    invite.refresh_from_db()
    assert invite.uses == 0 and invite.sent_at == NOW
    assert client.post(path).status_code == 302
    invite.refresh_from_db()
    assert invite.uses == 1
    assert client.get(path[:-3] + "xyz").status_code == 404  # a forged signature


def test_send_needs_an_address(coordinator_actor):
    code = access_invites.invite_create(actor=coordinator_actor, uses=5)
    with pytest.raises(AppError) as refused:
        access_invites.invite_send(invite=code, actor=coordinator_actor)
    assert refused.value.field == "email"


GOOD_CSV = "email,name,uses,days\nann@example.com,Ann,1,7\nbob@example.com,Bob,2,\n"


def test_csv_import(coordinator_actor):
    invites = access_invites.invites_import_csv(
        io.BytesIO(GOOD_CSV.encode()), actor=coordinator_actor
    )
    assert [(i.email, i.name, i.max_uses) for i in sorted(invites, key=lambda i: i.email)] == [
        ("ann@example.com", "Ann", 1),
        ("bob@example.com", "Bob", 2),
    ]


def test_csv_with_bad_rows_reports_each_and_writes_nothing(coordinator_actor):
    access_invites.invite_create(actor=coordinator_actor, email="old@example.com")
    bad = (
        "email,name,uses,days\n"
        "ann@example.com,Ann,1,7\n"
        "not-an-email,X,1,7\n"
        "ann@example.com,Ann again,1,7\n"
        "cy@example.com,Cy,zero,7\n"
        "di@example.com,Di,1,9999\n"
        "old@example.com,Old,1,7\n"
    )
    with pytest.raises(AppError) as refused:
        access_invites.invites_import_csv(io.StringIO(bad), actor=coordinator_actor)
    assert refused.value.code == ErrorCode.IMPORT_INVALID
    assert refused.value.message.splitlines() == [
        "line 3: email: Not an email address: 'not-an-email'.",
        "line 4: email: ann@example.com is listed twice",
        "line 5: uses: a whole number from 1 to 10000",
        "line 6: days: a whole number from 1 to 365",
        "line 7: email: old@example.com already has an invitation",
    ]
    assert Invite.objects.count() == 1  # only the earlier one


def test_csv_without_an_email_column(coordinator_actor):
    with pytest.raises(AppError) as refused:
        access_invites.invites_import_csv(io.StringIO("name\nAnn\n"), actor=coordinator_actor)
    assert refused.value.message.startswith("line 1: email:")


def test_the_cli(coordinator, tmp_path, capsys, settings):
    settings.SITE_URL = "https://midas.example"
    by = ["--by", coordinator.email]
    call_command("launch", "invite", "create", "vip@example.com", "--uses", "2", "--send", *by)
    out = capsys.readouterr().out
    assert "2 use(s)" in out and "https://midas.example/launch/invite/" in out
    assert OutboxMessage.objects.filter(to="vip@example.com", template="launch_invite").exists()
    path = tmp_path / "vips.csv"
    path.write_text(GOOD_CSV)
    call_command("launch", "invite", "import", str(path), "--send", *by)
    assert "Imported 2" in capsys.readouterr().out
    assert OutboxMessage.objects.filter(template="launch_invite").count() == 3
    call_command("launch", "invite", "list")
    listing = capsys.readouterr().out
    assert "ann@example.com" in listing and "0/2" in listing and "open" in listing
    code = Invite.objects.get(email="ann@example.com").code
    call_command("launch", "invite", "revoke", code, *by)
    call_command("launch", "invite", "list")
    assert "revoked" in capsys.readouterr().out
    path.write_text("email\nbroken\n")
    with pytest.raises(SystemExit) as refused:
        call_command("launch", "invite", "import", str(path), *by)
    assert refused.value.code == 2
    assert "line 2: email" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_concurrent_redemptions_never_pass_the_cap(coordinator_actor):
    shared = access_invites.invite_create(actor=coordinator_actor, uses=3, now=timezone.now())
    attempts = 12

    def attempt(i: int) -> str:
        try:
            access_invites.invite_redeem(code=shared.code, token=visitor(1000 + i))
        except AppError as exc:
            return exc.code
        return "ok"

    results = Counter(race(attempts, attempt))
    assert results == {"ok": 3, ErrorCode.INVALID_STATE: attempts - 3}, results
    shared.refresh_from_db()
    assert shared.uses == 3
    assert InviteRedemption.objects.filter(invite=shared).count() == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_redemptions_over_http(coordinator_actor):
    single = access_invites.invite_create(actor=coordinator_actor, uses=1)

    def attempt(i: int) -> int:
        return Client().post("/launch/invite", {"code": single.code}).status_code

    results = Counter(race(8, attempt))
    assert results == {302: 1, 409: 7}, results


def test_guessing_codes_is_rate_limited(client, db, clock):
    for _ in range(10):
        assert client.post("/launch/invite", {"code": "GUES-SGUE-SSGU"}).status_code == 404
    response = client.post("/launch/invite", {"code": "GUES-SGUE-SSGU"})
    assert response.status_code == 429 and "Retry-After" in response


def test_the_expiry_reads_in_the_plan_zone_with_utc_on_hover(
    coordinator_actor, coordinator, client
):
    """Sent at 02:00 UTC on 4 Jan, 21:00 on 3 Jan in New York: the invitation runs out on the
    evening of 17 January there, not "18 January" (its UTC date)."""
    late = dt.datetime(2027, 1, 4, 2, 0, tzinfo=dt.UTC)
    invite = access_invites.invite_create(
        actor=coordinator_actor, email="late@example.com", now=late
    )
    access_invites.invite_send(invite=invite, actor=coordinator_actor, now=late)
    mail = OutboxMessage.objects.get(to="late@example.com")
    assert "valid until 17 January 2027, 21:00 EST." in mail.body_text
    assert (
        '<time datetime="2027-01-18T02:00:00+00:00" title="2027-01-18 02:00 UTC">'
        "17 January 2027, 21:00 EST</time>"
    ) in mail.body_html
    assert "18 January" not in mail.body_text
    client.force_login(coordinator)
    page = client.get("/ops/launch/access").content.decode()
    assert (
        '<time datetime="2027-01-18T02:00:00Z" title="2027-01-18 02:00 UTC">'
        "2027-01-17 21:00 EST</time>"
    ) in page
