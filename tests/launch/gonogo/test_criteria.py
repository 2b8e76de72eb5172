"""The live go/no-go criteria, each with pass, fail and no data, over real SLO rows,
backups, smoke runs, incidents and the freeze record. ``green_launch`` builds a launch on
which every criterion passes at ``T0`` (used by test_gonogo too)."""

from __future__ import annotations

import datetime as dt

import pytest

from midas.backups.manifest import Manifest
from midas.backups.services import vendor
from midas.launch import audit
from midas.launch.gonogo import criteria
from midas.launch.models import LaunchEvent, ReleaseSeen, SmokeRun
from midas.launch.state.selectors import state_row
from midas.ops.health import registry
from midas.ops.health.base import FAIL, PASS, WARN, HealthCheck, Observation
from midas.status.models import Incident, IncidentImpact, IncidentStatus
from tests.slo.conftest import add_minute, add_probe

pytestmark = pytest.mark.django_db

# Launch day 2027-01-04 (America/New_York): 06:00 local = 11:00 UTC; the freeze runs from
# 2027-01-03 23:00 UTC to 2027-01-05 05:00 UTC. T0 is 07:00 local.
T0 = dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC)
SOFT_LAUNCH = dt.datetime(2027, 1, 4, 11, 0, tzinfo=dt.UTC)


class Stub(HealthCheck):
    def __init__(self, name: str, status: str = PASS, output: str = "") -> None:
        self.name, self.status, self.output = name, status, output

    def observe(self) -> Observation:
        return Observation(self.status, self.output)


def set_launch_day(day: dt.date = dt.date(2027, 1, 4)) -> None:
    row = state_row()
    row.launch_date = day
    row.timezone = "America/New_York"
    row.save(update_fields=["launch_date", "timezone"])


def add_backup(tmp_path, *, created: dt.datetime, verified: bool = True, bid: str = "b1") -> None:
    Manifest(
        id=bid,
        created_at=created.isoformat(),
        kind="manual",
        vendor=vendor(),
        dump_file=f"{bid}.dump",
        sha256="0" * 64,
        size=1,
        release={},
        sentinel="",
        tables={},
        verified_at=(created + dt.timedelta(minutes=5)).isoformat() if verified else None,
    ).save(tmp_path)


def add_smoke(started: dt.datetime, *, ok: bool = True) -> SmokeRun:
    return SmokeRun.objects.create(
        started_at=started,
        finished_at=started + dt.timedelta(seconds=20),
        base_url="http://127.0.0.1:8000",
        ok=ok,
        steps=[{"name": "home", "ok": True}, {"name": "email", "ok": ok}],
    )


def add_traffic(*, requests: int = 1000, errors: int = 0, at: dt.datetime = T0) -> None:
    add_minute(at - dt.timedelta(minutes=30), le_100=requests, errors=errors)


def add_probes(start: dt.datetime = SOFT_LAUNCH, end: dt.datetime = T0, down: int = 0) -> None:
    minute, n = start, 0
    while minute < end:
        add_probe(minute, ok=n >= down)
        minute += dt.timedelta(minutes=1)
        n += 1


@pytest.fixture
def backups(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path
    return tmp_path


@pytest.fixture
def ready(monkeypatch):
    checks = [Stub("database:responseTime"), Stub("worker:heartbeat")]
    monkeypatch.setattr(registry, "READINESS", checks)
    return checks


@pytest.fixture
def green_launch(backups, ready):
    """Every live criterion passes at T0."""
    set_launch_day()
    add_traffic()
    add_probes()
    add_backup(backups, created=T0 - dt.timedelta(hours=2))
    add_smoke(T0 - dt.timedelta(minutes=5))


def by_key(now: dt.datetime = T0) -> dict[str, criteria.Result]:
    return {r.key: r for r in criteria.evaluate_all(now=now)}


def test_every_criterion_passes_on_a_green_launch(green_launch):
    results = by_key()
    assert list(results) == [c.key for c in criteria.CRITERIA]
    assert {k: r.ok for k, r in results.items() if not r.ok} == {}
    assert results["error_rate"].value == "0.000%"
    assert results["avg_response"].value == "100 ms"
    assert results["uptime"].value == "100.000%"
    assert "since 2027-01-04 11:00 UTC" in results["uptime"].detail  # the soft launch


def test_every_registered_criterion_is_documented():
    assert all(entry.doc for entry in criteria.CRITERIA)
    assert len({entry.key for entry in criteria.CRITERIA}) == len(criteria.CRITERIA)


def test_nothing_measured_is_no_data_and_a_failure(backups, monkeypatch):
    monkeypatch.setattr(registry, "READINESS", [])
    results = by_key()
    no_data = {k for k, r in results.items() if r.value == "no data"}
    assert no_data == {
        "readiness",
        "error_rate",
        "avg_response",
        "p95_response",
        "uptime",
        "backup",
        "smoke",
        "freeze",
        "burn_rate",
    }
    assert not any(results[k].ok for k in no_data)
    assert all(results[k].detail.startswith("no data") for k in no_data)
    assert results["no_critical_incident"].ok  # zero open incidents is evidence


def test_a_criterion_that_raises_fails(monkeypatch, green_launch):
    def broken(now):
        raise RuntimeError("boom")

    monkeypatch.setattr(
        criteria, "CRITERIA", [criteria.Criterion("broken", "Broken", broken, "doc")]
    )
    [result] = criteria.evaluate_all(now=T0)
    assert not result.ok and result.detail == "RuntimeError: boom"


def test_readiness_warn_or_fail_is_not_a_pass(monkeypatch):
    monkeypatch.setattr(
        registry, "READINESS", [Stub("disk:free", WARN, "12% free"), Stub("outbox:backlog", FAIL)]
    )
    result = criteria.readiness(T0)
    assert not result.ok and result.value == "fail"
    assert "disk:free: warn (12% free)" in result.detail and "outbox:backlog: fail" in result.detail


def test_error_rate_at_the_threshold_fails():
    add_traffic(requests=1000, errors=1)  # exactly 0.1 %
    assert criteria.error_rate(T0).value == "0.100%"
    assert not criteria.error_rate(T0).ok
    burn = criteria.burn_rate(T0)  # 0.1 % against a 0.1 % budget: 1.0, within 2
    assert burn.value == "1.00" and burn.ok


def test_traffic_older_than_an_hour_is_not_counted():
    add_traffic(at=T0 - dt.timedelta(minutes=45))  # the minute at T0-75 min
    assert criteria.error_rate(T0).value == "no data"
    assert criteria.burn_rate(T0).ok  # 6 h window sees it


def test_slow_average_and_p95():
    add_minute(T0 - dt.timedelta(minutes=10), le_5000=10)  # each 5 s
    assert not criteria.avg_response(T0).ok
    p95 = criteria.p95_response(T0)
    assert not p95.ok and p95.threshold == "< 2500 ms"
    add_minute(T0 - dt.timedelta(minutes=9), le_100=990)
    assert criteria.avg_response(T0).ok  # (50 s + 99 s) / 1000 requests
    assert criteria.p95_response(T0).ok


def test_burn_rate_formula():
    add_minute(T0 - dt.timedelta(hours=5), le_100=1000, errors=3)  # 0.3 % → burn 3
    result = criteria.burn_rate(T0)
    assert result.value == "3.00" and not result.ok
    assert criteria.error_rate(T0).value == "no data"  # outside the last 60 minutes


def test_uptime_over_the_soft_launch_and_its_target():
    set_launch_day()
    add_probe(SOFT_LAUNCH - dt.timedelta(minutes=5), ok=False)  # before the soft launch
    add_probes(down=0)
    assert criteria.uptime(T0).ok
    add_probe(SOFT_LAUNCH + dt.timedelta(minutes=30, seconds=20), ok=False)
    result = criteria.uptime(T0)
    assert result.value == "98.333%" and not result.ok  # 59 of 60 minutes up


def test_uptime_without_a_launch_day_is_the_last_24_hours():
    add_probe(T0 - dt.timedelta(hours=23))
    assert "since 2027-01-03 12:00 UTC" in criteria.uptime(T0).detail
    assert criteria.uptime(T0).ok


def test_open_critical_incident_fails_until_resolved():
    incident = Incident.objects.create(
        title="Payments down", impact=IncidentImpact.CRITICAL, started_at=T0
    )
    Incident.objects.create(title="Slow search", impact=IncidentImpact.MAJOR, started_at=T0)
    result = criteria.no_critical_incident(T0)
    assert not result.ok and result.value == "1" and result.detail == "Payments down"
    incident.status = IncidentStatus.RESOLVED
    incident.save(update_fields=["status"])
    assert criteria.no_critical_incident(T0).ok


def test_backup_must_be_verified_and_fresh(backups):
    add_backup(backups, created=T0 - dt.timedelta(hours=1), verified=False, bid="new")
    result = criteria.backup(T0)
    assert not result.ok and result.value == "not verified"
    add_backup(backups, created=T0 - dt.timedelta(hours=30), bid="old")
    result = criteria.backup(T0)
    assert not result.ok and result.value == "30.0 h old"
    add_backup(backups, created=T0 - dt.timedelta(hours=3), bid="fresh")
    assert criteria.backup(T0).ok


def test_smoke_must_have_passed_in_the_last_15_minutes():
    add_smoke(T0 - dt.timedelta(minutes=20))
    assert criteria.smoke(T0).value == "no data"
    add_smoke(T0 - dt.timedelta(minutes=10))
    assert criteria.smoke(T0).ok
    add_smoke(T0 - dt.timedelta(minutes=2), ok=False)  # the newest failed
    result = criteria.smoke(T0)
    assert not result.ok and result.detail == "failed steps: email"
    SmokeRun.objects.create(started_at=T0 - dt.timedelta(minutes=1), base_url="x", ok=False)
    assert not criteria.smoke(T0).ok  # still running: the newest finished one counts


def test_freeze_without_a_launch_day_or_before_it_begins_is_no_data():
    assert criteria.freeze(T0).detail == "no data: no freeze window (set the launch day)"
    set_launch_day(dt.date(2027, 1, 10))
    assert criteria.freeze(T0).detail == "no data: the freeze has not begun"


def test_a_deploy_in_the_freeze_fails_unless_overridden(system_actor):
    set_launch_day()
    assert criteria.freeze(T0).ok
    ReleaseSeen.objects.create(
        release="r42", first_seen_at=T0 - dt.timedelta(hours=2), during_freeze=True
    )
    result = criteria.freeze(T0)
    assert not result.ok and "not overridden: deploy of release r42" in result.detail
    audit.record(  # the record freeze_override() writes
        "launch.freeze.override",
        actor=system_actor,
        reason="hotfix for the payment form",
        at=T0 - dt.timedelta(hours=2, minutes=10),
        what="deploy r42",
        until=(T0 - dt.timedelta(hours=1, minutes=10)).isoformat(),
    )
    result = criteria.freeze(T0)
    assert result.ok, result.detail
    assert "override" in result.detail and "hotfix for the payment form" in result.detail
    assert result.value == "1 change(s), 0 not overridden, 1 override(s)"


def test_an_expired_override_does_not_cover_a_later_deploy(system_actor):
    set_launch_day()
    audit.record(
        "launch.freeze.override",
        actor=system_actor,
        reason="migration",
        at=T0 - dt.timedelta(hours=3),
        what="migrate",
        until=(T0 - dt.timedelta(hours=2, minutes=30)).isoformat(),
    )
    ReleaseSeen.objects.create(release="r43", first_seen_at=T0 - dt.timedelta(hours=1))
    assert not criteria.freeze(T0).ok
    assert LaunchEvent.objects.count() == 1


def test_support_keeps_up_until_someone_waits_past_a_target(settings, monkeypatch):
    """The go/no-go shows the support figures of the last 24 hours, and refuses a GO while
    a customer waits past a target: a ticket without a first response, a chat unanswered."""
    from midas.concierge.chat.services import chat_say, chat_start, chat_take
    from midas.concierge.services import ticket_answer, ticket_open
    from tests.launch.conftest import make_staff
    from tests.pinned import pin_now

    settings.CONCIERGE_FIRST_RESPONSE_MINUTES = 60
    settings.CHAT_ANSWER_TARGET_SECONDS = 120
    clock = pin_now(monkeypatch, T0 - dt.timedelta(hours=3))
    staff = make_staff("cs@midas.example")
    quiet = by_key()["support"]
    assert quiet.ok and quiet.value.startswith("0 ticket(s), 0/0 first responses on target")

    answered = ticket_open(email="ada@example.com", subject="Hi", body="Hello", channel="contact")
    clock.advance(minutes=61)
    ticket_answer(ticket=answered, by=staff, body="Hello!")  # after 61 minutes: late
    ticket_open(email="bob@example.com", subject="Chauffeur", body="At DCA?", channel="contact")
    clock.set(T0 - dt.timedelta(minutes=30))
    chat, _ = chat_start(name="Nina", email="nina@example.com", body="Hi")
    clock.advance(minutes=1)
    chat_take(conversation=chat, by=staff)
    chat_say(conversation=chat, body="Hello!", by=staff, staff=True)
    clock.set(T0 - dt.timedelta(minutes=5))
    chat_start(name="Leo", email="leo@example.com", body="Anyone?")
    clock.set(T0)

    result = by_key()["support"]
    assert not result.ok
    assert result.value == (
        "2 ticket(s), 0/1 first responses on target; 2 chat(s), 1/1 answered on target"
    )
    assert result.detail == (
        "1 ticket(s) past a target (/staff/tickets/); 1 chat(s) waiting unanswered (/staff/chat/)"
    )
