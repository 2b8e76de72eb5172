"""The launch console on a phone (issue 11, item 6), in a real browser at 390 × 844: the
overview shows the open incident with its Acknowledge button on screen, nothing is wider than
the screen (here or on the incidents page), the button acknowledges, and the "now" part
refreshes itself from ``/ops/launch/now`` (a new incident appears without a reload). No policy
violation, no script error, nothing from another host. The screenshot is kept at
``$BROWSER_SCREENSHOT_DIR/console-phone.png`` (the first screen; the temporary directory by
default), with ``console-phone-full.png`` (the whole page)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from midas.launch.console import selectors as console_selectors
from midas.launch.models import Escalation, TriggerFiring
from midas.launch.plan.groups import ensure_groups
from midas.launch.response.escalation import escalation_start
from midas.launch.state.selectors import forget, state_row
from midas.status.services import incident_open
from tests.launch.conftest import make_staff
from tests.web.test_browser import (
    SCREENSHOT,
    TIMEOUT_MS,
    browser,  # noqa: F401  (the fixture)
    expect,
    same_origin,
)

pytestmark = pytest.mark.browser

NOW = dt.datetime(2027, 3, 21, 15, 20, tzinfo=dt.UTC)  # launch day, 11:20 in New York
PHONE = {"width": 390, "height": 844}
WIDTH = "document.documentElement.scrollWidth"


@pytest.fixture
def room(transactional_db, monkeypatch, settings):
    """Launch day during an incident: the error-rate trigger fired 20 minutes ago and opened
    an incident nobody has acknowledged. The clock is pinned; the page refreshes every 5 s."""
    settings.LAUNCH_TEAM_EMAIL = []
    settings.SLACK_WEBHOOK_URL = ""
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    monkeypatch.setattr(console_selectors, "REFRESH_SECONDS", 5)
    ensure_groups()
    row = state_row()
    row.launch_date = dt.date(2027, 3, 21)
    row.phase = "soft_launch"
    row.gate_mode = "invite"
    row.ramp_percent = 25
    row.save()
    forget()
    opened = NOW - dt.timedelta(minutes=20)
    incident = incident_open(
        title="Checkout errors after the 11:00 ramp", body="Looking", impact="major", at=opened
    )
    escalation_start(incident=incident, now=opened)
    TriggerFiring.objects.create(
        trigger="error_rate", fired_at=opened, action="recommend", incident=incident
    )
    return incident


def signed_in(chromium, origin: str, user):
    """A phone-sized page signed in as ``user`` (the session cookie of a test client)."""
    client = Client()
    client.force_login(user)
    context = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": origin,
            }
        ]
    )
    return context


@pytest.mark.django_db(transaction=True)
def test_the_overview_on_a_phone_acknowledges_and_refreshes(browser, live_server, room):  # noqa: F811
    origin = live_server.url
    operator = make_staff("ops@midas.example", "operations")
    context = signed_in(browser, origin, operator)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []

    def guard(route) -> None:
        if same_origin(route.request.url, origin):
            route.continue_()
        else:
            problems.append(f"foreign request {route.request.url}")
            route.abort()

    page.route("**/*", guard)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    try:
        page.goto(origin + "/ops/launch/")
        button = page.get_by_role("button", name=f"Acknowledge #{room.pk}")
        expect(button).to_be_visible()
        expect(page.locator("#alarms")).to_contain_text("Error rate trigger firing")
        expect(page.locator("#alarms")).to_contain_text("Level 1")
        expect(page.locator("#alarms")).to_contain_text("20 min")
        expect(page.locator("#situation")).to_contain_text("NO-GO")
        assert page.evaluate(WIDTH) <= PHONE["width"]
        box = button.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert box["y"] + box["height"] <= PHONE["height"], "the button is below the first screen"
        page.screenshot(path=str(SCREENSHOT / "console-phone.png"))  # the first screen
        page.screenshot(path=str(SCREENSHOT / "console-phone-full.png"), full_page=True)
        page.locator("#situation").screenshot(path=str(SCREENSHOT / "console-phone-situation.png"))

        # The page fetches its "now" part again: a new incident shows without a reload, and
        # the go/no-go's reasons, opened, stay open.
        page.locator('details[data-keep="gonogo-reasons"] summary').click()
        second = incident_open(title="Search is slow", body="Looking", impact="minor", at=NOW)
        expect(page.get_by_text("Search is slow")).to_be_visible(timeout=20_000)
        expect(page.locator("#now-status")).to_contain_text("Refreshed at")
        expect(page.locator('details[data-keep="gonogo-reasons"]')).to_have_attribute("open", "")

        button = page.get_by_role("button", name=f"Acknowledge #{room.pk}")
        button.click()
        page.wait_for_url(origin + "/ops/launch/")
        expect(page.get_by_text(f"Acknowledged incident #{room.pk}.")).to_be_visible()
        expect(page.get_by_role("button", name=f"Acknowledge #{room.pk}")).to_have_count(0)
        escalation = Escalation.objects.get(incident=room)
        assert escalation.acknowledged_by == operator and escalation.acknowledged_at == NOW
        assert page.evaluate(WIDTH) <= PHONE["width"]

        # The incidents page, which overflowed (996 px on this screen), fits too.
        page.goto(origin + "/ops/launch/incidents")
        expect(page.get_by_text("Search is slow").first).to_be_visible()
        assert page.evaluate(WIDTH) <= PHONE["width"]
        page.locator("#incidents").screenshot(path=str(SCREENSHOT / "console-phone-incidents.png"))
        assert second.pk
    finally:
        page.screenshot(path=str(SCREENSHOT / "console-phone-after.png"), full_page=True)
        context.close()
    assert not problems, problems
