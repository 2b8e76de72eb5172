"""A contact's Slack member id: kept (upper-cased), checked, shown; mentions notify by it."""

from __future__ import annotations

import pytest

from midas.errors import AppError, ErrorCode
from midas.launch.models import LaunchContact
from midas.launch.plan import team as team_services

pytestmark = pytest.mark.django_db


def test_the_member_id_is_kept_and_a_bad_one_refused(coordinator_actor):
    contact = team_services.contact_set(
        role="tech_lead",
        name="Ada",
        slack_handle="@ada",
        slack_user_id=" u0123abcd ",
        actor=coordinator_actor,
    )
    assert LaunchContact.objects.get(pk=contact.pk).slack_user_id == "U0123ABCD"
    for bad in ("@ada", "C0123ABCD", "U12 3", "<@U123>"):
        with pytest.raises(AppError) as refused:
            team_services.contact_set(
                role="tech_lead", name="Ada", slack_user_id=bad, actor=coordinator_actor
            )
        assert refused.value.code == ErrorCode.INVALID_INPUT
        assert refused.value.field == "slack_id"
    assert LaunchContact.objects.get(pk=contact.pk).slack_user_id == "U0123ABCD"


def test_the_command_sets_the_member_id(coordinator, groups):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command(
        "launch",
        "team",
        "set",
        "tech_lead",
        "--name",
        "Ada",
        "--slack",
        "@ada",
        "--slack-id",
        "U0ADA",
        "--by",
        coordinator.email,
        stdout=out,
    )
    assert LaunchContact.objects.get(role__key="tech_lead").slack_user_id == "U0ADA"
    out = io.StringIO()
    call_command("launch", "team", "show", stdout=out)
    assert "@ada (U0ADA)" in out.getvalue()
