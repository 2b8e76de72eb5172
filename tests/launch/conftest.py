from __future__ import annotations

import datetime as dt

import pytest

from midas.launch import actors
from midas.launch.plan.groups import ensure_groups
from tests.factories import PASSWORD


@pytest.fixture
def groups(db):
    return ensure_groups()


def make_staff(email: str, *groups_: str):
    from django.contrib.auth.models import Group

    from midas.accounts.models import User

    user = User.objects.create_user(email, PASSWORD, first_name="Staff", last_name=email[:4])
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.set(Group.objects.filter(name__in=groups_))
    return User.objects.get(pk=user.pk)  # fresh: no cached permissions


@pytest.fixture
def coordinator(groups):
    """A staff account in the launch group (may do everything on the launch)."""
    return make_staff("coordinator@midas.example", "launch")


@pytest.fixture
def operator(groups):
    return make_staff("ops@midas.example", "operations")


@pytest.fixture
def executive(groups):
    return make_staff("exec@midas.example", "executive")


@pytest.fixture
def concierge_staff(groups):
    return make_staff("concierge@midas.example", "concierge")


@pytest.fixture
def coordinator_actor(coordinator):
    return actors.of_user(coordinator, "cli")


@pytest.fixture
def system_actor():
    return actors.system("test")


GO_AT = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def go_on_record(db):
    """A GO on record (as the 10:00 decision keeps it), long before any test's clock: what
    the public phase, a ramp past the soft launch's share and the waitlist's e-mail need."""
    from midas.launch.models import GoNoGoRecord

    return GoNoGoRecord.objects.create(
        created_at=GO_AT, decision="go", phase="soft_launch", actor_label="test"
    )
