"""Migration 0005 on an install from before roles were data: the joint "executive" role
becomes the CEO's, with its contact, and the plan's signers sign."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("launch", "0004_contact_slack_user_id")]
AFTER = [("launch", "0005_team_roles_as_data")]


def test_the_executive_role_becomes_the_ceos_with_its_contact():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("launch")
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    role = old.get_model("launch", "LaunchRole").objects.create(key="executive", escalation_level=3)
    old.get_model("launch", "LaunchRole").objects.create(key="coordinator", escalation_level=1)
    old.get_model("launch", "LaunchContact").objects.create(role=role, name="Eve Exec")
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    roles = {r.key: r for r in new.get_model("launch", "LaunchRole").objects.all()}
    assert set(roles) == {"ceo", "coordinator"}
    assert (roles["ceo"].name, roles["ceo"].signs_gonogo) == ("CEO", True)
    assert roles["coordinator"].signs_gonogo
    contact = new.get_model("launch", "LaunchContact").objects.get()
    assert (contact.name, contact.role_id) == ("Eve Exec", roles["ceo"].pk)
    executor = MigrationExecutor(connection)
    executor.migrate(latest)  # leave the database as the other tests expect it
