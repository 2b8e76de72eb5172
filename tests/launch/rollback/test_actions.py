"""The rollback, declared once (``rollback.actions``): the command line and the console
refuse the same bad input with the same code and reach the same service."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from midas.launch.models import LaunchEvent, RollbackRun
from midas.launch.rollback import actions as rollback_actions

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quiet(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.LAUNCH_TEAM_EMAIL = []
    settings.SLACK_WEBHOOK_URL = ""
    settings.LAUNCH_ROLLBACK_HOOK = ""


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
        (("--reason", " "), {"reason": " "}),
        (("--reason", "x" * 501), {"reason": "x" * 501}),
        (("--reason", "r", "--restore", "x" * 201), {"reason": "r", "restore": "x" * 201}),
    ],
)
def test_the_same_bad_input_is_refused_on_both_sides(client, coordinator, cli, posted):
    events = LaunchEvent.objects.count()
    code, out, err = launch("rollback", *cli, "--by", coordinator.email)
    assert code == 2 and "refused (invalid_input)" in err
    assert "would lose" not in out  # refused before the restore's preview
    client.force_login(coordinator)
    assert client.post("/ops/launch/rollback/start", posted).status_code == 400
    assert not RollbackRun.objects.exists() and LaunchEvent.objects.count() == events


def test_without_the_permission_both_sides_refuse(client, executive):
    code, _, err = launch("rollback", "--reason", "r", "--dry-run", "--by", executive.email)
    assert code == 2 and "refused (forbidden)" in err
    client.force_login(executive)
    response = client.post("/ops/launch/rollback/start", {"reason": "r", "dry_run": "on"})
    assert response.status_code == 403
    assert not RollbackRun.objects.exists()


def test_both_sides_reach_the_same_service_with_the_same_values(client, coordinator, monkeypatch):
    seen: list[dict] = []
    real = rollback_actions.rollback_run

    def spy(**kwargs):
        seen.append({**kwargs, "actor": kwargs["actor"].user.email})
        return real(**kwargs)

    monkeypatch.setattr(rollback_actions, "rollback_run", spy)
    code, out, _ = launch(
        "rollback", "--reason", "rehearsal", "--dry-run", "--by", coordinator.email
    )
    assert code == 0 and "Dry run recorded" in out
    client.force_login(coordinator)
    response = client.post("/ops/launch/rollback/start", {"reason": "rehearsal", "dry_run": "on"})
    assert response.status_code == 302
    assert len(seen) == 2 and seen[0] == seen[1]
    assert seen[0] == {
        "actor": coordinator.email,
        "reason": "rehearsal",
        "dry_run": True,
        "restore_backup": None,
        "confirm_loss": False,
    }
    assert RollbackRun.objects.filter(dry_run=True).count() == 2


def test_yes_is_the_forms_confirm_loss():
    from argparse import ArgumentParser

    from midas.launch.actions import add_arguments, data_of

    parser = ArgumentParser()
    add_arguments(parser, rollback_actions.ROLLBACK_RUN)
    options = vars(parser.parse_args(["--reason", "r", "--yes", "--by", "x@y.z"]))
    assert data_of(rollback_actions.ROLLBACK_RUN, options)["confirm_loss"] is True
