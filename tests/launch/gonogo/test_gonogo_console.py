"""The go/no-go and report pages: who may see, record and sign; refusals shown with 4xx."""

from __future__ import annotations

import datetime as dt

import pytest

from midas.launch.gonogo import services
from midas.launch.models import GoNoGoRecord, LaunchContact, LaunchRole, SignOff
from midas.ops.health import registry
from tests.launch.gonogo.test_criteria import Stub

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def ready(monkeypatch):
    monkeypatch.setattr(registry, "READINESS", [Stub("database:responseTime")])


@pytest.fixture
def record(system_actor):
    return services.gonogo_record(actor=system_actor)


@pytest.mark.parametrize("url", ["/ops/launch/gonogo", "/ops/launch/report"])
def test_concierge_gets_403(client, concierge_staff, url):
    client.force_login(concierge_staff)
    assert client.get(url).status_code == 403


def test_coordinator_evaluates_and_keeps_a_record(client, coordinator):
    client.force_login(coordinator)
    page = client.get("/ops/launch/gonogo").content.decode()
    assert "Keep a record" in page and "No records yet." in page
    assert "not recorded" in page and "NO-GO" in page and "no data" in page  # on load
    assert not GoNoGoRecord.objects.exists()
    response = client.post("/ops/launch/gonogo/record")
    record = GoNoGoRecord.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/ops/launch/gonogo/{record.pk}"
    detail = client.get(response["Location"]).content.decode()
    assert f"Go/no-go #{record.pk}" in detail and "NO-GO" in detail
    assert "Smoke journey passed, last 15 min" in detail and "Launch checklist" in detail
    assert record.actor_label == coordinator.email
    listing = client.get("/ops/launch/gonogo").content.decode()
    assert f'href="/ops/launch/gonogo/{record.pk}"' in listing


def test_the_record_page_shows_the_open_low_ratings(client, executive, system_actor):
    from midas.launch.models import Feedback

    Feedback.objects.create(user=executive, rating=1, path="/book", comment="card form froze")
    record = services.gonogo_record(actor=system_actor)
    client.force_login(executive)
    page = client.get(f"/ops/launch/gonogo/{record.pk}").content.decode()
    assert "1 rating(s), average 1.0 / 5; 1 low rating(s)." in page
    assert "1/5 on <code>/book</code> (new): card form froze" in page


def test_executive_views_and_signs_but_does_not_record(client, executive, record):
    LaunchRole.objects.create(key="executive", signs_gonogo=True)
    LaunchRole.objects.create(key="pr")  # does not sign the go/no-go: not offered
    client.force_login(executive)
    page = client.get("/ops/launch/gonogo").content.decode()
    assert "Keep a record" not in page
    assert client.post("/ops/launch/gonogo/record").status_code == 403
    assert GoNoGoRecord.objects.count() == 1
    detail = client.get(f"/ops/launch/gonogo/{record.pk}").content.decode()
    assert '<option value="executive">' in detail and '<option value="pr">' not in detail
    no_note = client.post(
        f"/ops/launch/gonogo/{record.pk}/sign", {"role": "executive", "verdict": "reject"}
    )
    assert no_note.status_code == 400 and "Say why you reject" in no_note.content.decode()
    response = client.post(
        f"/ops/launch/gonogo/{record.pk}/sign",
        {"role": "executive", "verdict": "approve", "note": "go"},
    )
    assert response.status_code == 302
    signoff = SignOff.objects.get()
    assert (signoff.user, signoff.approve, signoff.note) == (executive, True, "go")
    again = client.post(
        f"/ops/launch/gonogo/{record.pk}/sign", {"role": "executive", "verdict": "approve"}
    )
    assert again.status_code == 409 and "already signed" in again.content.decode()
    detail = client.get(f"/ops/launch/gonogo/{record.pk}").content.decode()
    assert "approved" in detail and executive.email in detail


def test_sign_refusals_change_nothing(client, operator, record):
    role = LaunchRole.objects.create(key="qa", signs_gonogo=True)
    client.force_login(operator)
    forbidden = client.post(
        f"/ops/launch/gonogo/{record.pk}/sign", {"role": "qa", "verdict": "approve"}
    )
    assert forbidden.status_code == 403  # no contact linked and no SIGN_OFF
    LaunchContact.objects.create(role=role, name="QA lead", user=operator)
    assert '<option value="qa">' in client.get(f"/ops/launch/gonogo/{record.pk}").content.decode()
    bad = client.post(f"/ops/launch/gonogo/{record.pk}/sign", {"role": "ceo", "verdict": "yes"})
    assert bad.status_code == 400
    assert (
        client.post("/ops/launch/gonogo/999/sign", {"role": "qa", "verdict": "approve"}).status_code
        == 404
    )
    assert not SignOff.objects.exists()
    ok = client.post(f"/ops/launch/gonogo/{record.pk}/sign", {"role": "qa", "verdict": "approve"})
    assert ok.status_code == 302 and SignOff.objects.get().user == operator


def test_unknown_record_is_404(client, executive):
    client.force_login(executive)
    assert client.get("/ops/launch/gonogo/999").status_code == 404


def test_report_page(client, executive):
    client.force_login(executive)
    page = client.get("/ops/launch/report")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Registrations, first 24 h" in text and "needs analytics" not in text
    assert "Bounce rate" in text
    assert "launch day not set" in text
    window = client.get("/ops/launch/report?start=2027-01-04+06:00&end=2027-01-04+12:00")
    assert window.status_code == 200 and "2027-01-04 06:00" in window.content.decode()
    backwards = client.get("/ops/launch/report?start=2027-01-04+12:00&end=2027-01-04+06:00")
    assert backwards.status_code == 400 and "start must be before" in backwards.content.decode()
    assert client.get("/ops/launch/report?start=soon").status_code == 400


def test_the_records_list_costs_the_same_for_many_records(client, executive, system_actor):
    """The page evaluates the live verdict too (its own queries); the records add none per
    record."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    role = LaunchRole.objects.create(key="executive")
    client.force_login(executive)

    def records_and_queries(n: int) -> int:
        for _ in range(n):
            record = services.gonogo_record(actor=system_actor)
            SignOff.objects.create(
                record=record, role=role, user=executive, approve=True, at=record.created_at
            )
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/ops/launch/gonogo")
        assert page.content.decode().count("Executive approved the NO-GO") == (
            GoNoGoRecord.objects.count()
        )
        return len(queries)

    one = records_and_queries(1)
    assert records_and_queries(4) == one


# --- the page evaluates itself; the record lists who is still to sign -----------------------


def test_the_page_evaluates_on_load_and_refreshes_the_verdict_every_minute(
    client, coordinator, monkeypatch
):
    """No "Evaluate now" click: the live verdict is on the page as loaded, in the part the
    console's script fetches again (``/ops/launch/gonogo/now``) every 60 s; reading it records
    nothing; the script is the console's own file, never inline (CSP)."""
    import re

    from django.utils import timezone

    at = dt.datetime(2027, 1, 4, 15, 0, tzinfo=dt.UTC)  # 10:00 in New York (pinned)
    monkeypatch.setattr(timezone, "now", lambda: at)
    client.force_login(coordinator)
    page = client.get("/ops/launch/gonogo").content.decode()
    assert "Evaluate now" not in page and "?evaluate" not in page
    assert 'data-refresh-url="/ops/launch/gonogo/now"' in page
    assert 'data-refresh-seconds="60"' in page and 'id="now-status"' in page
    assert re.search(r"Now: <span class=\"fail\">NO-GO</span>", page)
    assert "Evaluated <time" in page and ">10:00 EST</time>" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)  # no inline script
    assert "launch/console" in page and ".js" in page
    fragment = client.get("/ops/launch/gonogo/now")
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert "<html" not in html and 'id="evaluation"' in html and "NO-GO" in html
    assert "Keep a record" not in html  # recording stays a deliberate POST on the page
    assert client.post("/ops/launch/gonogo/now").status_code == 405
    assert not GoNoGoRecord.objects.exists()


def test_the_fragment_needs_the_console_like_the_page(client, concierge_staff):
    client.force_login(concierge_staff)
    assert client.get("/ops/launch/gonogo/now").status_code == 403


def test_the_fragment_says_when_the_verdict_cannot_be_evaluated(client, coordinator, monkeypatch):
    from midas.launch.console import selectors as console_selectors

    def broken(**_):
        raise RuntimeError("metrics store down")

    monkeypatch.setattr(console_selectors, "gonogo_evaluate", broken)
    client.force_login(coordinator)
    html = client.get("/ops/launch/gonogo/now").content.decode()
    assert "could not be evaluated (RuntimeError)" in html


def test_the_record_lists_signers_still_to_sign_and_no_tick_for_a_no_go(client, executive, record):
    ceo = LaunchRole.objects.create(key="ceo", name="CEO", signs_gonogo=True)
    cto = LaunchRole.objects.create(key="cto", name="CTO", signs_gonogo=True)
    LaunchRole.objects.create(key="pr", name="PR and media")  # does not sign
    LaunchContact.objects.create(role=cto, name="Tom Reyes")
    LaunchContact.objects.create(role=cto, name="Ida Park", backup=True)
    SignOff.objects.create(
        record=record, role=ceo, user=executive, approve=True, note="agreed", at=record.created_at
    )
    client.force_login(executive)
    page = client.get(f"/ops/launch/gonogo/{record.pk}").content.decode()
    signed = page.split('id="signoffs"')[1]
    assert '<td class="fail">approved the NO-GO</td>' in signed  # never a green tick
    assert "✓" not in page
    unsigned = signed.split('id="unsigned"')[1]
    assert "Still to sign: 1" in signed
    assert "<strong>CTO</strong>" in unsigned and "Tom Reyes; Ida Park, backup" in unsigned
    assert "<strong>CEO</strong>" not in unsigned and "PR and media" not in unsigned
    SignOff.objects.create(
        record=record, role=cto, user=executive, approve=False, note="no", at=record.created_at
    )
    page = client.get(f"/ops/launch/gonogo/{record.pk}").content.decode()
    assert "Every role that signs the go/no-go has signed this record." in page


def test_the_command_line_list_says_what_was_approved(executive, record, capsys):
    from django.core.management import call_command

    role = LaunchRole.objects.create(key="ceo", signs_gonogo=True)
    SignOff.objects.create(
        record=record, role=role, user=executive, approve=True, at=record.created_at
    )
    call_command("launch", "gonogo", "list")
    out = capsys.readouterr().out
    assert "ceo approved the NO-GO" in out and "✓" not in out
