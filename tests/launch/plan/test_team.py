"""The launch team: contacts per role and slot, escalation levels, vendors, and the staff
permission groups, each change checked and recorded."""

from __future__ import annotations

import pytest

from midas.errors import AppError, ErrorCode
from midas.launch import actors
from midas.launch.models import LaunchContact, LaunchEvent, VendorContact
from midas.launch.plan import team as team_services
from midas.launch.plan.selectors import contact_emails, level_contacts, roles
from tests.launch.conftest import make_staff

pytestmark = pytest.mark.django_db


def test_contacts_by_role_and_slot_with_a_linked_account(coordinator_actor, coordinator):
    team_services.contact_set(
        role="tech_lead",
        name="Ada Tech",
        email="ada@midas.example",
        phone="+1 202 555 0100",
        slack_handle="@ada",
        user_email=coordinator.email,
        actor=coordinator_actor,
    )
    team_services.contact_set(
        role="tech_lead", backup=True, name="Bob Backup", actor=coordinator_actor
    )
    # naming the primary again replaces it, not adds a second
    team_services.contact_set(
        role="tech_lead", name="Ada Lovelace", email="ada@midas.example", actor=coordinator_actor
    )
    contacts = LaunchContact.objects.filter(role__key="tech_lead").order_by("backup")
    assert [(c.name, c.backup) for c in contacts] == [("Ada Lovelace", False), ("Bob Backup", True)]
    assert contacts[0].user is None  # not linked this time
    event = LaunchEvent.objects.filter(action="launch.team.contact_set").first()
    assert event.details["before"] == {"name": "Ada Tech", "email": "ada@midas.example"}
    row = next(r for r in roles() if r.role.key == "tech_lead")
    assert row.primary.name == "Ada Lovelace" and row.backup.name == "Bob Backup"


def test_escalation_levels(coordinator_actor):
    for role, name in [
        ("tech_lead", "Tech"),
        ("coordinator", "Coord"),
        ("cs_lead", "Service"),
        ("marketing", "Market"),
        ("executive", "Boss"),
    ]:
        team_services.contact_set(
            role=role, name=name, email=f"{name.lower()}@midas.example", actor=coordinator_actor
        )
    team_services.contact_set(
        role="executive",
        backup=True,
        name="Deputy",
        email="d@midas.example",
        actor=coordinator_actor,
    )
    assert {c.name for c in level_contacts(1)} == {"Tech", "Coord"}
    assert {c.name for c in level_contacts(2)} == {"Service", "Market"}
    assert [c.name for c in level_contacts(3)] == ["Boss", "Deputy"]  # primary first
    assert contact_emails(3) == ["boss@midas.example", "d@midas.example"]


@pytest.mark.parametrize(
    "bad",
    [
        {"role": "ceo", "name": "X"},
        {"role": "qa", "name": "  "},
        {"role": "qa", "name": "X", "email": "not-an-email"},
        {"role": "qa", "name": "X", "user_email": "nobody@midas.example"},
    ],
)
def test_bad_contact_input_writes_nothing(coordinator_actor, bad):
    with pytest.raises(AppError) as refused:
        team_services.contact_set(actor=coordinator_actor, **bad)
    assert refused.value.code == ErrorCode.INVALID_INPUT
    assert not LaunchContact.objects.exists() and not LaunchEvent.objects.exists()


def test_a_customer_account_cannot_be_linked(coordinator_actor):
    from tests.factories import make_customer

    customer = make_customer()
    with pytest.raises(AppError):
        team_services.contact_set(
            role="qa", name="Q", user_email=customer.email, actor=coordinator_actor
        )


@pytest.mark.parametrize("who", ["executive", "operator", "concierge_staff"])
def test_only_the_launch_group_edits_the_team(request, who):
    actor = actors.of_user(request.getfixturevalue(who), "cli")
    with pytest.raises(AppError) as refused:
        team_services.contact_set(role="qa", name="Q", actor=actor)
    assert refused.value.code == ErrorCode.FORBIDDEN
    with pytest.raises(AppError):
        team_services.staff_grant(user="exec@midas.example", group="launch", actor=actor)
    assert not LaunchContact.objects.exists()


def test_vendor_set_names_the_placeholder_and_updates_in_place(coordinator_actor):
    team_services.vendors_ensure()
    team_services.vendor_set(
        service="hosting", vendor="Fly", url="https://fly.example/support", actor=coordinator_actor
    )
    team_services.vendor_set(
        service="hosting", vendor="fly", phone="+1 555 0101", actor=coordinator_actor
    )
    hosting = VendorContact.objects.filter(service="hosting")
    assert [(v.vendor, v.phone) for v in hosting] == [("fly", "+1 555 0101")]
    assert VendorContact.objects.filter(service="payments", vendor="Stripe").exists()
    with pytest.raises(AppError):
        team_services.vendor_set(
            service="email", vendor="SendGrid", url="javascript:alert(1)", actor=coordinator_actor
        )


def test_staff_grant_puts_a_staff_account_in_a_group(coordinator_actor, groups):
    from django.contrib.auth import get_user_model

    newcomer = make_staff("new@midas.example")
    assert not actors.can(actors.of_user(newcomer, "cli"), actors.VIEW)
    team_services.staff_grant(user="NEW@midas.example", group="operations", actor=coordinator_actor)
    fresh = get_user_model().objects.get(pk=newcomer.pk)
    assert actors.can(actors.of_user(fresh, "cli"), actors.RAMP)
    assert not actors.can(actors.of_user(fresh, "cli"), actors.PLAN)
    assert LaunchEvent.objects.get(action="launch.team.granted").details == {
        "user": "new@midas.example",
        "group": "operations",
    }
    with pytest.raises(AppError):
        team_services.staff_grant(user=newcomer, group="admins", actor=coordinator_actor)
