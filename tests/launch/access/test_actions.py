"""The invitations' actions, declared once (``access.actions``): the command line and the
console refuse the same bad input with the same code and reach the same service."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from midas.launch.access import invites
from midas.launch.models import Invite, LaunchEvent

pytestmark = pytest.mark.django_db


def launch(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("launch", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("cli", "posted"),
    [
        (("not-an-email",), {"email": "not-an-email", "uses": "1", "days": "14"}),
        (("a@example.com", "--uses", "0"), {"email": "a@example.com", "uses": "0", "days": "14"}),
        (
            ("a@example.com", "--days", "400"),
            {"email": "a@example.com", "uses": "1", "days": "400"},
        ),
        (("", "--send"), {"email": "", "uses": "1", "days": "14", "send": "on"}),
    ],
)
def test_the_same_bad_invitation_is_refused_on_both_sides(client, coordinator, cli, posted):
    code, _, err = launch("invite", "create", *cli, "--by", coordinator.email)
    assert code == 2 and "refused (invalid_input)" in err
    client.force_login(coordinator)
    assert client.post("/ops/launch/access/invites", posted).status_code == 400
    assert not Invite.objects.exists()


def test_a_bad_reason_to_withdraw_is_refused_on_both_sides(client, coordinator, coordinator_actor):
    invite = invites.invite_create(actor=coordinator_actor, email="a@example.com")
    events = LaunchEvent.objects.count()
    args = ("invite", "revoke", invite.code, "--reason", "x" * 501, "--by", coordinator.email)
    code, _, err = launch(*args)
    assert code == 2 and "refused (invalid_input)" in err
    client.force_login(coordinator)
    url = f"/ops/launch/access/invites/{invite.code}/revoke"
    assert client.post(url, {"reason": "x" * 501}).status_code == 400
    invite.refresh_from_db()
    assert invite.revoked_at is None and LaunchEvent.objects.count() == events


def test_without_the_permission_both_sides_refuse(client, executive):
    code, _, err = launch("invite", "create", "a@example.com", "--by", executive.email)
    assert code == 2 and "refused (forbidden)" in err
    client.force_login(executive)
    response = client.post(
        "/ops/launch/access/invites", {"email": "a@example.com", "uses": "1", "days": "14"}
    )
    assert response.status_code == 403
    assert not Invite.objects.exists()


def test_both_sides_reach_the_same_service_with_the_same_values(client, coordinator, monkeypatch):
    seen: dict[str, list[dict]] = {}
    for name in ("invite_create", "invite_send", "invite_revoke"):
        real = getattr(invites, name)

        def spy(_real=real, _name=name, **kwargs):
            kept = {k: v for k, v in kwargs.items() if k not in ("actor", "invite", "code")}
            seen.setdefault(_name, []).append({**kept, "actor": kwargs["actor"].user.email})
            return _real(**kwargs)

        monkeypatch.setattr(invites, name, spy)
    by = ("--by", coordinator.email)
    code, out, _ = launch(
        "invite", "create", "a@example.com", "--name", "Ann", "--uses", "3", "--send", *by
    )
    assert code == 0 and "Sent to a@example.com." in out
    cli_code = Invite.objects.get().code
    assert launch("invite", "revoke", cli_code, "--reason", "by mistake", *by)[0] == 0
    client.force_login(coordinator)
    posted = {"email": "a@example.com", "name": "Ann", "uses": "3", "days": "14", "send": "on"}
    assert client.post("/ops/launch/access/invites", posted).status_code == 302
    console_code = Invite.objects.exclude(code=cli_code).get().code
    url = f"/ops/launch/access/invites/{console_code}/revoke"
    assert client.post(url, {"reason": "by mistake"}).status_code == 302
    assert {name: len(calls) for name, calls in seen.items()} == {
        "invite_create": 2,
        "invite_send": 2,
        "invite_revoke": 2,
    }
    for calls in seen.values():
        assert calls[0] == calls[1]
    assert Invite.objects.filter(revoked_at__isnull=False, sent_at__isnull=False).count() == 2
