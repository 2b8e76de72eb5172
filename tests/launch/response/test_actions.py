"""The incidents' actions, declared once (``response.actions``): ``midas incident`` and the
console refuse the same bad input with the same code, refuse whoever may not, and reach the
same service."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from midas.launch.models import Escalation, LaunchEvent
from midas.launch.response import actions as response_actions
from midas.launch.response.escalation import escalation_start
from midas.status.models import Incident, IncidentStatus
from midas.status.services import incident_open

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quiet(settings):
    settings.LAUNCH_TEAM_EMAIL = []
    settings.SLACK_WEBHOOK_URL = ""


def an_incident(title: str = "Search down") -> Incident:
    incident = incident_open(title=title, body="Looking", impact="major")
    escalation_start(incident=incident)
    return incident


def incident(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("incident", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_every_action_takes_its_positional_arguments_from_its_form():
    for action in response_actions.ACTIONS:
        assert set(action.positional) <= set(action.form.base_fields)


OPEN = {"title": "Payments slow", "body": "Stripe latency", "impact": "major"}
BAD_OPEN = [
    (("--title", " ", "--body", "b"), {**OPEN, "title": " "}),
    (("--title", "x" * 201, "--body", "b"), {**OPEN, "title": "x" * 201}),
    (("--title", "t", "--body", "x" * 2001), {**OPEN, "body": "x" * 2001}),
    # the components are checked against the status page's on both sides
    (("--title", "t", "--body", "b", "--component", "nope"), {**OPEN, "components": ["nope"]}),
]


@pytest.mark.parametrize(("cli", "posted"), BAD_OPEN)
def test_the_same_bad_incident_is_refused_on_both_sides(client, coordinator, cli, posted):
    code, _, err = incident("open", *cli, "--by", coordinator.email)
    assert code == 2 and "refused (invalid_input)" in err
    client.force_login(coordinator)
    assert client.post("/ops/launch/incidents/open", posted).status_code == 400
    assert not Incident.objects.exists() and not LaunchEvent.objects.exists()


def test_an_unknown_component_is_named_on_both_sides(client, coordinator):
    code, _, err = incident(
        "open", "--title", "t", "--body", "b", "--component", "nope", "--by", coordinator.email
    )
    assert code == 2 and "Unknown component: nope." in err
    client.force_login(coordinator)
    page = client.post("/ops/launch/incidents/open", {**OPEN, "components": ["nope"]})
    assert "Unknown component: nope." in page.content.decode()


@pytest.mark.parametrize("body", [" ", "x" * 2001])
def test_the_same_bad_resolution_is_refused_on_both_sides(client, operator, body):
    open_one = an_incident()
    events = LaunchEvent.objects.count()
    code, _, err = incident("resolve", str(open_one.pk), "--body", body, "--by", operator.email)
    assert code == 2 and "refused (invalid_input)" in err
    client.force_login(operator)
    response = client.post(f"/ops/launch/incidents/{open_one.pk}/resolve", {"body": body})
    assert response.status_code == 400
    open_one.refresh_from_db()
    assert open_one.status != IncidentStatus.RESOLVED and LaunchEvent.objects.count() == events


def test_a_resolution_needs_a_body_on_both_sides(client, operator):
    open_one = an_incident()
    with pytest.raises(CommandError, match="--body"):  # no default any more: say what resolved it
        incident("resolve", str(open_one.pk), "--by", operator.email)
    client.force_login(operator)
    response = client.post(f"/ops/launch/incidents/{open_one.pk}/resolve", {})
    assert response.status_code == 400 and "Say what resolved it." in response.content.decode()
    open_one.refresh_from_db()
    assert open_one.status != IncidentStatus.RESOLVED


def test_an_unknown_incident_is_not_found_on_both_sides(client, operator):
    for verb, cli, posted in (("ack", (), {}), ("resolve", ("--body", "ok"), {"body": "ok"})):
        code, _, err = incident(verb, "999", *cli, "--by", operator.email)
        assert code == 2 and "refused (not_found)" in err
        client.force_login(operator)
        assert client.post(f"/ops/launch/incidents/999/{verb}", posted).status_code == 404


def test_without_the_permission_both_sides_refuse(client, executive):
    open_one = an_incident()
    events = LaunchEvent.objects.count()
    by = ("--by", executive.email)
    client.force_login(executive)
    for args, url, posted in (
        (("open", "--title", "t", "--body", "b"), "open", OPEN),
        (("ack", str(open_one.pk)), f"{open_one.pk}/ack", {}),
        (("resolve", str(open_one.pk), "--body", "ok"), f"{open_one.pk}/resolve", {"body": "ok"}),
    ):
        code, _, err = incident(*args, *by)
        assert code == 2 and "refused (forbidden)" in err, args
        assert client.post(f"/ops/launch/incidents/{url}", posted).status_code == 403, url
    assert Incident.objects.count() == 1 and LaunchEvent.objects.count() == events
    assert Escalation.objects.get().acknowledged_at is None
    open_one.refresh_from_db()
    assert open_one.status != IncidentStatus.RESOLVED


def test_both_sides_reach_the_same_service_with_the_same_values(client, operator, monkeypatch):
    seen: dict[str, list[dict]] = {}
    for name in ("incident_declare", "incident_acknowledge", "incident_close"):
        real = getattr(response_actions, name)

        def spy(_real=real, _name=name, **kwargs):
            kept = {k: v for k, v in kwargs.items() if k not in ("actor", "incident")}
            seen.setdefault(_name, []).append({**kept, "actor": kwargs["actor"].user.email})
            return _real(**kwargs)

        monkeypatch.setattr(response_actions, name, spy)
    by = ("--by", operator.email)
    code, out, _ = incident(
        "open", "--title", "Payments slow", "--body", "Stripe latency",
        "--impact", "critical", "--component", "payments", *by,
    )  # fmt: skip
    assert code == 0 and "Opened incident #" in out and "(critical); level 1 told." in out
    from_cli = Incident.objects.get()
    client.force_login(operator)
    posted = {
        "title": "Payments slow",
        "body": "Stripe latency",
        "impact": "critical",
        "components": ["payments"],
    }
    assert client.post("/ops/launch/incidents/open", posted).status_code == 302
    from_console = Incident.objects.exclude(pk=from_cli.pk).get()

    code, out, _ = incident("ack", str(from_cli.pk), *by)
    assert code == 0 and out.strip() == f"Acknowledged incident #{from_cli.pk}."
    assert client.post(f"/ops/launch/incidents/{from_console.pk}/ack").status_code == 302
    code, out, _ = incident("resolve", str(from_cli.pk), "--body", "Provider ok", *by)
    assert code == 0 and out.strip() == f"Resolved incident #{from_cli.pk}."
    url = f"/ops/launch/incidents/{from_console.pk}/resolve"
    assert client.post(url, {"body": "Provider ok"}).status_code == 302

    assert {name: len(calls) for name, calls in seen.items()} == {
        "incident_declare": 2,
        "incident_acknowledge": 2,
        "incident_close": 2,
    }
    for calls in seen.values():
        assert calls[0] == calls[1]
    assert seen["incident_declare"][0] == {
        "title": "Payments slow",
        "body": "Stripe latency",
        "impact": "critical",
        "components": ["payments"],
        "public": True,  # not --staff-only, and the box left unticked
        "actor": operator.email,
    }
    for made in (from_cli, from_console):
        made.refresh_from_db()
        assert made.status == IncidentStatus.RESOLVED
        assert list(made.components.values_list("key", flat=True)) == ["payments"]
