"""Page views are recorded on the server, buffered, privacy first (issue 12, item 1)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from midas.core.synthetic import synthetic_pass
from midas.demo import load_demo
from midas.insights.identity import RV_COOKIE, device_of, is_bot, visitor_id
from midas.insights.models import DailyReturner, DailySalt, Engagement, PageView
from midas.insights.recorder import RECORDER
from midas.insights.services import insights_prune, rollup_day
from tests.insights.conftest import DESKTOP, PHONE, TABLET
from tests.pinned import pin_now

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def demo():
    load_demo()


def browser(agent: str = DESKTOP, ip: str = "198.51.100.7", **headers) -> Client:
    return Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip, **headers)


def views() -> list[PageView]:
    RECORDER.flush()
    return list(PageView.objects.order_by("at", "pk"))


def test_a_page_view_is_buffered_and_written_in_one_batch(monkeypatch, demo):
    pin_now(monkeypatch, T0)
    client = browser(PHONE, HTTP_REFERER="https://www.google.com/search?q=midas")
    with CaptureQueriesContext(connection) as during:
        for _ in range(3):
            assert (
                client.get("/?utm_source=news&utm_medium=email&utm_campaign=launch").status_code
                == 200
            )
    assert not [q for q in during.captured_queries if "insights_" in q["sql"]]  # no salt read
    assert RECORDER.pending() == 3
    with CaptureQueriesContext(connection) as flushing:
        assert RECORDER.flush() == 3
    assert len([q for q in flushing.captured_queries if "insights_pageview" in q["sql"]]) == 1
    rows = views()
    assert len(rows) == 3 and len({r.visitor for r in rows}) == 1
    row = rows[0]
    assert (row.kind, row.device, row.path, row.day) == ("home", "mobile", "/", T0.date())
    assert (row.referrer, row.utm_source, row.utm_medium, row.utm_campaign) == (
        "www.google.com",
        "news",
        "email",
        "launch",
    )
    assert row.user_id is None and row.rv == ""


def test_size_based_flush(settings, demo):
    settings.INSIGHTS_AUTO_FLUSH = True
    settings.INSIGHTS_FLUSH_SIZE = 2
    client = browser()
    client.get("/")
    assert RECORDER.pending() == 1
    client.get("/about/")
    assert RECORDER.pending() == 0 and PageView.objects.count() == 2


def test_the_flush_waits_until_the_page_is_sent(settings, rf):
    """The batch is written when the server closes the response (after sending it), never
    while the visitor whose view filled it waits for the page."""
    from django.core.signals import request_finished
    from django.db import close_old_connections
    from django.http import HttpResponse

    from midas.insights.middleware import PageViewMiddleware

    settings.INSIGHTS_AUTO_FLUSH = True
    settings.INSIGHTS_FLUSH_SIZE = 1
    middleware = PageViewMiddleware(lambda request: HttpResponse("<p>hi</p>"))
    request = rf.get("/about/", HTTP_USER_AGENT=DESKTOP, REMOTE_ADDR="198.51.100.7")
    response = middleware(request)
    assert RECORDER.pending() == 1 and not PageView.objects.exists()
    request_finished.disconnect(close_old_connections)  # as the test client does
    try:
        response.close()  # what gunicorn does once the body is written
    finally:
        request_finished.connect(close_old_connections)
    assert RECORDER.pending() == 0 and PageView.objects.get().path == "/about/"


def test_what_is_not_counted(django_user_model, demo):
    browser("Googlebot/2.1 (+http://www.google.com/bot.html)").get("/")
    browser("").get("/")
    browser(**{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in synthetic_pass().items()}).get(
        "/"
    )
    client = browser()
    client.get("/healthz")
    client.get("/no-such-page/")
    client.get("/", HTTP_HX_REQUEST="true")
    client.post("/privacy/return-visits", {"remember": "no"})
    staff = django_user_model.objects.create_user(
        email="staff@midas.example", password="x-Long-pass-1", is_staff=True
    )
    team = browser()
    team.force_login(staff)
    team.get("/")
    team.get("/ops/")
    assert views() == []


def test_page_kinds_and_subjects(demo):
    from midas.catalog.models import Asset

    asset = Asset.objects.select_related("category", "home_location").first()
    client = browser()
    client.get("/collection/")
    client.get(f"/collection/{asset.category.slug}/")
    client.get(f"/assets/{asset.slug}/")
    client.get(f"/assets/{asset.slug}/?start=2027-04-01T10:00&end=2027-04-02T10:00")
    client.get("/privacy/")
    got = [(v.kind, v.subject) for v in views()]
    assert got == [
        ("listing", ""),
        ("listing", asset.category.slug),
        ("asset", asset.slug),
        ("quote", asset.slug),
        ("page", ""),
    ]


def test_device_classes_and_bots():
    assert device_of(PHONE) == "mobile"
    assert device_of(TABLET) == "tablet"
    assert device_of("Mozilla/5.0 (Linux; Android 14; SM-X710) Safari/537.36") == "tablet"
    assert device_of("Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36") == "mobile"
    assert device_of(DESKTOP) == "desktop"
    assert is_bot("curl/8.0") and is_bot("HeadlessChrome/120") and not is_bot(DESKTOP)


def test_visitor_ids_rotate_daily_and_old_salts_are_deleted(monkeypatch):
    from midas.insights.identity import SALTS

    day1, day2 = T0.date(), T0.date() + dt.timedelta(days=1)
    a = visitor_id(day=day1, ip="198.51.100.7", user_agent=DESKTOP)
    assert a == visitor_id(day=day1, ip="198.51.100.7", user_agent=DESKTOP)
    assert a != visitor_id(day=day1, ip="198.51.100.8", user_agent=DESKTOP)
    assert a != visitor_id(day=day1, ip="198.51.100.7", user_agent=PHONE)
    assert len(a) == 16 and "198.51" not in a
    b = visitor_id(day=day2, ip="198.51.100.7", user_agent=DESKTOP)
    assert a != b
    assert list(DailySalt.objects.order_by("day").values_list("day", flat=True)) == [day1, day2]
    SALTS.forget()  # another process reads the same days' salts from the database
    assert visitor_id(day=day2, ip="198.51.100.7", user_agent=DESKTOP) == b
    assert visitor_id(day=day1, ip="198.51.100.7", user_agent=DESKTOP) == a  # kept a day more
    day3 = day2 + dt.timedelta(days=1)
    visitor_id(day=day3, ip="198.51.100.7", user_agent=DESKTOP)
    assert list(DailySalt.objects.order_by("day").values_list("day", flat=True)) == [day2, day3]


def test_return_visitor_id_only_with_consent_or_sign_in(django_user_model, demo):
    anonymous = browser()
    anonymous.get("/")
    agreed = browser(ip="198.51.100.9")
    agreed.post("/privacy/return-visits", {"remember": "yes"})
    rv = agreed.cookies[RV_COOKIE].value
    assert agreed.cookies[RV_COOKIE]["httponly"]
    agreed.get("/")
    member = django_user_model.objects.create_user(
        email="ana@example.com", password="x-Long-pass-1"
    )
    signed_in = browser(ip="198.51.100.10")
    signed_in.force_login(member)
    signed_in.get("/")
    rows = views()
    assert [(r.user_id, r.rv) for r in rows] == [(None, ""), (None, rv), (member.pk, "")]
    agreed.post("/privacy/return-visits", {"remember": "no"})
    assert agreed.cookies[RV_COOKIE].value == ""


@pytest.mark.parametrize("header", ["HTTP_DNT", "HTTP_SEC_GPC"])
def test_dnt_and_gpc_count_anonymously(header, django_user_model, demo):
    member = django_user_model.objects.create_user(
        email="ana@example.com", password="x-Long-pass-1"
    )
    client = browser(**{header: "1"})
    client.post("/privacy/return-visits", {"remember": "yes"})
    client.force_login(member)
    client.get("/")
    [row] = views()
    assert (row.user_id, row.rv) == (None, "")
    page = client.get("/privacy/").content.decode()
    assert "Your browser asks sites not to track you" in page


def test_privacy_page_says_it_in_plain_words(demo):
    page = browser().get("/privacy/").content.decode()
    for words in ("No cookie by default", "Do Not Track", "Global Privacy Control", "90 days"):
        assert words in page
    assert 'href="/privacy/"' in browser().get("/terms/").content.decode()


def beacon(client: Client, body, **headers):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(
        "/insights/beacon",
        data,
        content_type="text/plain",
        HTTP_ORIGIN="http://testserver",
        **headers,
    )


def test_beacon_records_time_on_page(monkeypatch):
    pin_now(monkeypatch, T0)
    client = browser(PHONE)
    assert beacon(client, {"p": "/", "t": 42_000, "l": 1800}).status_code == 204
    RECORDER.flush()
    [row] = Engagement.objects.all()
    assert (row.path, row.visible_ms, row.load_ms, row.at) == ("/", 42_000, 1800, T0)
    assert row.visitor == visitor_id(day=T0.date(), ip="198.51.100.7", user_agent=PHONE)


@pytest.mark.parametrize(
    "body,status,code",
    [
        (b"not json", 400, "invalid_input"),
        ({"p": 5, "t": 1}, 400, "invalid_input"),
        ({"p": "/", "t": "1"}, 400, "invalid_input"),
        ({"p": "https://evil.example/", "t": 1}, 400, "invalid_input"),
        ({"p": "/", "t": -1}, 400, "invalid_input"),
        ({"p": "/", "t": 1, "l": 10**9}, 400, "invalid_input"),
        ({"p": "/" + "x" * 2000, "t": 1}, 413, "invalid_input"),
    ],
)
def test_beacon_bad_input_is_a_4xx_with_a_code(body, status, code):
    response = beacon(browser(), body)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert RECORDER.pending() == 0


def test_beacon_refuses_other_origins_and_is_rate_limited():
    client = browser()
    response = client.post(
        "/insights/beacon", "{}", content_type="text/plain", HTTP_ORIGIN="https://evil.example"
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    for _ in range(120):
        assert beacon(client, {"p": "/", "t": 1}).status_code == 204
    limited = beacon(client, {"p": "/", "t": 1})
    assert limited.status_code == 429 and limited["Retry-After"]
    assert limited.json()["error"]["code"] == "rate_limited"


def test_beacon_script_is_a_same_origin_static_file(demo):
    page = browser().get("/").content.decode()
    assert "insights/beacon" in page and "<script>" not in page
    from django.contrib.staticfiles import finders

    script = Path(finders.find("insights/beacon.js")).read_text()
    assert "navigator.sendBeacon" in script and "visibilitychange" in script
    assert "pagehide" in script and "http" not in script.split("*/", 1)[1]


def test_retention_prunes_raw_rows_keeps_rollups(monkeypatch, settings, demo):
    settings.INSIGHTS_RETENTION_DAYS = 30
    clock = pin_now(monkeypatch, T0)
    browser().get("/")
    RECORDER.flush()
    rollup_day(day=T0.date())
    clock.advance(days=31)
    browser().get("/")
    RECORDER.flush()
    assert insights_prune() == 1
    assert PageView.objects.count() == 1
    from midas.insights.models import DailyStat

    assert DailyStat.objects.filter(day=T0.date()).exists()


def test_privacy_erase_deletes_one_persons_rows(
    monkeypatch, django_user_model, demo, capsys, caplog
):
    pin_now(monkeypatch, T0)
    ana = django_user_model.objects.create_user(email="ana@example.com", password="x-Long-pass-1")
    client = browser()
    client.post("/privacy/return-visits", {"remember": "yes"})
    client.get("/about/")  # before signing in: the same day's visitor id, the cookie
    beacon(client, {"p": "/about/", "t": 5000})
    client.force_login(ana)
    client.get("/")
    other = browser(ip="203.0.113.5")
    other.get("/")
    RECORDER.flush()
    rollup_day(day=T0.date())
    assert DailyReturner.objects.count() == 2
    with caplog.at_level("INFO", logger="midas.audit"):
        call_command("privacy", "erase", "ANA@example.com")
    assert f"insights.analytics.erased by=system:cli accounts=[{ana.pk}]" in caplog.text
    assert (
        "Erased 2 page view(s), 1 beacon(s) and 2 return-visitor day(s)" in capsys.readouterr().out
    )
    assert PageView.objects.count() == 1 and Engagement.objects.count() == 0
    assert not DailyReturner.objects.exists()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not_found"):
        call_command("privacy", "erase", "nobody@example.com")


def test_admin_action_erases_the_selected_peoples_rows(django_user_model, admin_client, demo):
    ana = django_user_model.objects.create_user(email="ana@example.com", password="x-Long-pass-1")
    client = browser()
    client.force_login(ana)
    client.get("/")
    client.get("/about/")
    browser(ip="203.0.113.5").get("/")
    RECORDER.flush()
    one = PageView.objects.filter(user_id=ana.pk).first()
    response = admin_client.post(
        "/admin/insights/pageview/",
        {"action": "erase_people", "_selected_action": [one.pk]},
        follow=True,
    )
    assert "Erased 2 page view(s)" in response.content.decode()
    assert list(PageView.objects.values_list("user_id", flat=True)) == [None]


def test_the_buffer_holds_rows_in_column_order():
    from midas.insights.recorder import ENGAGEMENT_COLUMNS, VIEW_COLUMNS

    assert VIEW_COLUMNS == (
        "at", "day", "visitor", "user_id", "rv", "path", "kind", "subject", "location",
        "device", "referrer", "utm_source", "utm_medium", "utm_campaign",
    )  # fmt: skip
    assert ENGAGEMENT_COLUMNS == ("at", "day", "visitor", "path", "visible_ms", "load_ms")


def test_a_database_failure_keeps_the_rows_for_the_next_flush(monkeypatch):
    from midas.insights import recorder

    RECORDER.add_view(
        (T0, T0.date(), "a" * 16, None, "", "/", "home", "", "", "desktop", "", "", "", "")
    )

    def down(*args, **kwargs):
        raise RuntimeError("database away")

    monkeypatch.setattr(recorder, "write_rows", down)
    assert RECORDER.flush() == 0 and RECORDER.pending() == 1
    monkeypatch.undo()
    assert RECORDER.flush() == 1
    assert PageView.objects.get().at == T0


def test_the_worker_jobs_roll_up_and_prune(monkeypatch, settings, demo):
    from midas.insights.models import DailyStat
    from midas.insights.tasks import insights_retention, insights_rollup
    from midas.jobs.schedule import discover

    jobs = discover()
    assert jobs["insights_rollup"].every == dt.timedelta(minutes=10)
    assert jobs["insights_retention"].every == dt.timedelta(hours=24)
    clock = pin_now(monkeypatch, T0)
    browser().get("/")  # buffered in this process: the job flushes it first
    assert insights_rollup.call() == 1
    assert DailyStat.objects.get(day=T0.date()).pageviews == 1
    PageView.objects.filter(day=T0.date()).update(day=T0.date() - dt.timedelta(days=3))
    DailyStat.objects.all().delete()
    insights_rollup.call()  # a day the worker missed is caught up
    assert DailyStat.objects.filter(day=T0.date() - dt.timedelta(days=3)).exists()
    settings.INSIGHTS_RETENTION_DAYS = 1
    clock.advance(days=1)
    assert insights_retention.call() == 1


def test_insights_off_records_nothing(settings, demo):
    settings.INSIGHTS_ENABLED = False
    client = browser()
    assert client.get("/").status_code == 200
    assert beacon(client, {"p": "/", "t": 1000}).status_code == 204
    assert RECORDER.pending() == 0
