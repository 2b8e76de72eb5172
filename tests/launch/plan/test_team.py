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
        ("ceo", "Boss"),
        ("legal", "Counsel"),
    ]:
        team_services.contact_set(
            role=role, name=name, email=f"{name.lower()}@midas.example", actor=coordinator_actor
        )
    team_services.contact_set(
        role="ceo",
        backup=True,
        name="Deputy",
        email="d@midas.example",
        actor=coordinator_actor,
    )
    assert {c.name for c in level_contacts(1)} == {"Tech", "Coord"}
    assert {c.name for c in level_contacts(2)} == {"Service", "Market"}
    assert [c.name for c in level_contacts(3)] == ["Boss", "Deputy"]  # primary first
    assert contact_emails(3) == ["boss@midas.example", "d@midas.example"]
    assert [c.name for c in level_contacts(0)] == ["Counsel"]  # on call: never escalated to


@pytest.mark.parametrize(
    "bad",
    [
        {"role": "janitor", "name": "X"},
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


def test_the_plans_roles_are_data_with_ceo_cto_legal_and_pr(coordinator_actor):
    team_services.roles_ensure()
    found = {r.role.key: r.role for r in roles()}
    assert set(found) == {
        "coordinator", "tech_lead", "devops", "qa", "cs_lead", "marketing",
        "ceo", "cto", "legal", "pr",
    }  # fmt: skip
    assert (found["ceo"].label, found["cto"].label, found["pr"].label) == (
        "CEO",
        "CTO",
        "PR / communications",
    )
    assert {k for k, r in found.items() if r.signs_gonogo} == {"coordinator", "ceo", "cto"}
    assert (found["legal"].escalation_level, found["pr"].escalation_level) == (0, 0)
    contact = team_services.contact_set(
        role="legal", name="Lena Law", email="legal@midas.example", actor=coordinator_actor
    )
    assert str(contact) == "Lena Law (Legal, primary)"


def test_a_team_adds_its_own_role_and_changes_one(coordinator_actor):
    role = team_services.role_set(
        key="cs_night",
        name="Night service lead",
        escalation_level=2,
        actor=coordinator_actor,
    )
    assert (role.label, role.escalation_level, role.signs_gonogo) == (
        "Night service lead",
        2,
        False,
    )
    team_services.contact_set(role="cs_night", name="Nora", actor=coordinator_actor)
    assert [c.name for c in level_contacts(2)] == ["Nora"]
    changed = team_services.role_set(key="legal", signs_gonogo=True, actor=coordinator_actor)
    assert changed.signs_gonogo and changed.escalation_level == 0  # the rest as it was
    event = LaunchEvent.objects.filter(action="launch.team.role_set").first()
    assert event.details["before"] == {"name": "Legal", "level": 0, "signs_gonogo": False}
    for bad in (
        {"key": "Bad Key", "name": "x"},
        {"key": "new_role"},  # a new role needs a name
        {"key": "qa", "escalation_level": 4},
    ):
        with pytest.raises(AppError) as refused:
            team_services.role_set(actor=coordinator_actor, **bad)
        assert refused.value.code == ErrorCode.INVALID_INPUT


def test_an_unknown_role_is_refused_naming_the_roles_there_are(coordinator_actor):
    with pytest.raises(AppError) as refused:
        team_services.contact_set(role="janitor", name="J", actor=coordinator_actor)
    assert "one of ceo, coordinator, cs_lead, cto, devops, legal, marketing, pr, qa," in str(
        refused.value
    )
    assert "midas launch team role janitor --name" in str(refused.value)


def test_the_customer_service_rota_has_shifts(coordinator_actor):
    import datetime as dt

    from midas.launch.plan.selectors import on_shift, rota, rota_gaps

    day = dt.datetime(2027, 3, 14, 0, 0, tzinfo=dt.UTC)
    for hour, who in ((0, "Night"), (8, "Day"), (12, "Extra")):
        team_services.shift_add(
            name=who,
            starts_at=day + dt.timedelta(hours=hour),
            ends_at=day + dt.timedelta(hours=hour + 8),
            email=f"{who.lower()}@midas.example",
            actor=coordinator_actor,
        )
    assert [s.name for s in rota()] == ["Night", "Day", "Extra"]
    assert all(s.role.key == "cs_lead" for s in rota())
    assert {s.name for s in on_shift(day + dt.timedelta(hours=13))} == {"Day", "Extra"}
    # 24/7: nobody from 20:00 to midnight
    assert rota_gaps(day, day + dt.timedelta(days=1)) == [
        (day + dt.timedelta(hours=20), day + dt.timedelta(days=1))
    ]
    for bad in (
        {"starts_at": day, "ends_at": day},  # ends after it starts
        {"starts_at": day, "ends_at": day + dt.timedelta(hours=25)},  # at most 24 h
    ):
        with pytest.raises(AppError):
            team_services.shift_add(name="X", actor=coordinator_actor, **bad)
    night = rota()[0]
    team_services.shift_remove(shift_id=night.pk, actor=coordinator_actor)
    assert [s.name for s in rota()] == ["Day", "Extra"]
    assert LaunchEvent.objects.filter(action="launch.team.shift_added").count() == 3
    assert LaunchEvent.objects.filter(action="launch.team.shift_removed").count() == 1


def test_the_plans_vendors_with_what_each_is_used_for_editable(coordinator_actor):
    team_services.vendors_ensure()
    by_service = {v.service: v for v in VendorContact.objects.all()}
    assert {s: v.vendor for s, v in by_service.items()} == {
        "payments": "Stripe",
        "email": "SendGrid",
        "hosting": "Netlify",
        "database": "MongoDB Atlas",
    }
    assert all(v.used_for for v in by_service.values())
    edited = team_services.vendor_set(
        service="hosting",
        vendor="Netlify",
        email="support@netlify.example",
        used_for="Static site and CDN in front of the app",
        actor=coordinator_actor,
    )
    assert edited.pk == by_service["hosting"].pk
    kept = team_services.vendor_set(
        service="hosting", vendor="Netlify", phone="+1 555 0102", actor=coordinator_actor
    )
    assert kept.used_for == "Static site and CDN in front of the app"  # None keeps it


def test_an_earlier_plans_placeholders_become_the_plans_vendors():
    VendorContact.objects.create(service="hosting", vendor="Hosting provider", notes="Name it.")
    VendorContact.objects.create(service="database", vendor="Database provider", email="x@y.z")
    team_services.vendors_ensure()
    assert VendorContact.objects.get(service="hosting").vendor == "Netlify"
    # a placeholder someone filled in is theirs: left alone
    assert VendorContact.objects.get(service="database").vendor == "Database provider"
