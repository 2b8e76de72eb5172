"""In a real browser: the page view is recorded on the server, and leaving the page sends the
time-on-page beacon (with the load time) to this site only, under the strict CSP."""

from __future__ import annotations

import re
import time

import pytest

from midas.insights import identity
from midas.insights.models import Engagement, PageView
from midas.insights.recorder import RECORDER
from tests.insights.conftest import DESKTOP
from tests.web.test_browser import TIMEOUT_MS, browser, same_origin  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visit_and_its_beacon(browser, live_server, monkeypatch):  # noqa: F811
    # Headless Chromium's own user agent is a bot's: the pages get a desktop one, but a beacon
    # sent while the page unloads may still carry HeadlessChrome's, so it is let through here.
    monkeypatch.setattr(identity, "BOT_PATTERN", re.compile(r"bot|crawl|spider", re.I))
    identity.agent_class.cache_clear()
    context = browser.new_context(user_agent=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    foreign, refused = [], []
    page.on(
        "request", lambda r: None if same_origin(r.url, live_server.url) else foreign.append(r.url)
    )
    page.on("console", lambda m: refused.append(m.text) if "Refused" in m.text else None)
    page.goto(live_server.url + "/about/", wait_until="load")
    page.wait_for_timeout(300)
    page.goto(live_server.url + "/faq/", wait_until="load")  # pagehide on /about/: the beacon
    deadline = time.monotonic() + 5
    while not Engagement.objects.exists() and time.monotonic() < deadline:
        RECORDER.flush()
        time.sleep(0.1)
    context.close()
    RECORDER.flush()
    identity.agent_class.cache_clear()
    assert foreign == [] and refused == []
    assert list(PageView.objects.order_by("at").values_list("path", "device")) == [
        ("/about/", "desktop"),
        ("/faq/", "desktop"),
    ]
    engagement = Engagement.objects.get(path="/about/")
    assert engagement.visible_ms >= 200 and engagement.load_ms is not None
    assert Engagement.objects.filter(path="/about/").count() == 1  # one beacon per leaving
