"""The go/no-go's actions, declared once (``gonogo.actions``): the command line and the
console refuse the same bad input with the same code, refuse whoever may not, and reach the
same service."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from midas.launch.gonogo import services
from midas.launch.models import GoNoGoRecord, LaunchEvent, LaunchRole, SignOff
from midas.ops.health import registry
from tests.launch.gonogo.test_criteria import Stub

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quiet(settings, monkeypatch):
    settings.LAUNCH_TEAM_EMAIL = []
    settings.SLACK_WEBHOOK_URL = ""
    monkeypatch.setattr(registry, "READINESS", [Stub("database:responseTime")])


@pytest.fixture
def record(system_actor):
    LaunchRole.objects.create(key="executive", signs_gonogo=True)
    LaunchRole.objects.create(key="qa", signs_gonogo=True)
    return services.gonogo_record(actor=system_actor)


def launch(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("launch", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


# (command line after "gonogo sign ID", console data): the same bad value on both sides
BAD = [
    (("--role", "janitor", "--approve"), {"role": "janitor", "verdict": "approve"}),  # service
    (("--role", "executive", "--reject"), {"role": "executive", "verdict": "reject"}),  # no note
    (
        ("--role", "executive", "--approve", "--note", "x" * 1001),
        {"role": "executive", "verdict": "approve", "note": "x" * 1001},
    ),
]


@pytest.mark.parametrize(("cli", "posted"), BAD)
def test_the_same_bad_sign_off_is_refused_on_both_sides(client, executive, record, cli, posted):
    events = LaunchEvent.objects.count()
    code, _, err = launch("gonogo", "sign", str(record.pk), *cli, "--by", executive.email)
    assert code == 2 and "refused (invalid_input)" in err
    client.force_login(executive)
    assert client.post(f"/ops/launch/gonogo/{record.pk}/sign", posted).status_code == 400
    assert not SignOff.objects.exists() and LaunchEvent.objects.count() == events


def test_an_unknown_role_is_the_services_refusal_not_argparse(executive, record):
    code, _, err = launch(
        "gonogo", "sign", str(record.pk), "--role", "janitor", "--approve", "--by", executive.email
    )
    assert code == 2 and "refused (invalid_input): 'janitor' does not sign the go/no-go" in err


def test_without_the_permission_both_sides_refuse(client, executive, operator, record):
    # recording needs PLAN: an executive views and signs, but does not record
    code, _, err = launch("gonogo", "--record", "--by", executive.email)
    assert code == 2 and "refused (forbidden)" in err
    client.force_login(executive)
    assert client.post("/ops/launch/gonogo/record").status_code == 403
    assert GoNoGoRecord.objects.count() == 1
    # the qa role has no contact linked: only SIGN_OFF holders sign for it, not the operator
    args = ("gonogo", "sign", str(record.pk), "--role", "qa", "--approve", "--by", operator.email)
    code, _, err = launch(*args)
    assert code == 2 and "refused (forbidden)" in err
    client.force_login(operator)
    posted = {"role": "qa", "verdict": "approve"}
    assert client.post(f"/ops/launch/gonogo/{record.pk}/sign", posted).status_code == 403
    assert not SignOff.objects.exists()


def test_staff_without_the_launch_view_are_refused_on_both_sides(client, concierge_staff, record):
    args = ("gonogo", "sign", str(record.pk), "--role", "qa", "--approve")
    code, _, err = launch(*args, "--by", concierge_staff.email)
    assert code == 2 and "refused (forbidden)" in err
    client.force_login(concierge_staff)
    posted = {"role": "qa", "verdict": "approve"}
    assert client.post(f"/ops/launch/gonogo/{record.pk}/sign", posted).status_code == 403
    assert not SignOff.objects.exists()


def test_both_sides_reach_the_same_service_with_the_same_values(
    client, coordinator, executive, monkeypatch
):
    LaunchRole.objects.create(key="executive", signs_gonogo=True)
    seen: dict[str, list[dict]] = {}
    for name in ("gonogo_record", "signoff_add"):
        real = getattr(services, name)

        def spy(_real=real, _name=name, **kwargs):
            kept = {k: v for k, v in kwargs.items() if k not in ("actor", "record")}
            seen.setdefault(_name, []).append({**kept, "actor": kwargs["actor"].user.email})
            return _real(**kwargs)

        monkeypatch.setattr(services, name, spy)
    code, out, _ = launch("gonogo", "--record", "--by", coordinator.email)
    assert code == 1 and "Decision: NO-GO" in out  # a NO-GO record exits 1, as before
    client.force_login(coordinator)
    response = client.post("/ops/launch/gonogo/record")
    assert response.status_code == 302
    first, second = GoNoGoRecord.objects.order_by("pk")
    assert response["Location"] == f"/ops/launch/gonogo/{second.pk}"

    args = ("--role", "executive", "--reject", "--note", "wait", "--by", executive.email)
    code, out, _ = launch("gonogo", "sign", str(first.pk), *args)
    assert code == 0 and out.strip() == f"Executive rejected record #{first.pk}."
    client.force_login(executive)
    posted = {"role": "executive", "verdict": "reject", "note": "wait"}
    assert client.post(f"/ops/launch/gonogo/{second.pk}/sign", posted).status_code == 302

    assert {name: len(calls) for name, calls in seen.items()} == {
        "gonogo_record": 2,
        "signoff_add": 2,
    }
    for calls in seen.values():
        assert calls[0] == calls[1]
    assert seen["signoff_add"][0] == {
        "role_key": "executive",
        "approve": False,
        "note": "wait",
        "actor": executive.email,
    }
    assert sorted(SignOff.objects.values_list("record_id", flat=True)) == [first.pk, second.pk]
