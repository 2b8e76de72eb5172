"""The access gate in a real browser: while the gate admits beta testers only, a visitor
sees the opening-soon page and joins the waitlist; an invitee follows the emailed link (read
from the local mailbox, the outbox), comes in, browses and sends feedback.

Headless Chromium (Debian's ``/usr/bin/chromium``, or ``CHROMIUM_PATH``) driven by
Playwright's sync API against pytest-django's ``live_server``, as in tests/web/test_browser.py.
"""

from __future__ import annotations

import re

import pytest

from midas.launch import actors
from midas.launch.access.invites import invite_create, invite_send
from midas.launch.models import Feedback, Invite, WaitlistEntry
from midas.launch.state import services
from midas.notifications.models import OutboxMessage
from tests.web.test_browser import (
    TIMEOUT_MS,
    browser,  # noqa: F401  (the fixture)
    expect,
    same_origin,
)

pytestmark = pytest.mark.browser


def new_page(chromium, live_server, foreign: list[str]):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)

    def guard(route) -> None:
        if same_origin(route.request.url, live_server.url):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    return page


@pytest.mark.django_db(transaction=True)
def test_beta_gate_waitlist_then_an_invitee_comes_in_and_sends_feedback(
    browser,  # noqa: F811  (the fixture imported above)
    live_server,
    settings,
):
    settings.SITE_URL = live_server.url
    system = actors.system("test")
    services.gate_set(mode="invite", actor=system, reason="soft launch")
    foreign: list[str] = []

    # A visitor: the opening-soon page, then the waitlist.
    page = new_page(browser, live_server, foreign)
    response = page.goto(live_server.url + "/collection/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Opening soon")
    page.get_by_label("Your email address").fill("curious@example.com")
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_role("status")).to_contain_text("You are on the list")
    assert WaitlistEntry.objects.get().email == "curious@example.com"
    page.context.close()

    # An invitee: the email in the local mailbox carries the link.
    invite = invite_create(actor=system, email="vip@example.com", name="Vera")
    invite_send(invite=invite, actor=system)
    mail = OutboxMessage.objects.get(to="vip@example.com", template="launch_invite")
    link = re.search(r"https?://\S+/launch/invite/\S+", mail.body_text).group(0)
    page = new_page(browser, live_server, foreign)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Vera, you are invited")
    page.get_by_role("button", name="Come in").click()
    page.wait_for_url(live_server.url + "/")
    assert Invite.objects.get().uses == 1

    # Inside: the collection opens, and the feedback control is on the page.
    response = page.goto(live_server.url + "/collection/")
    assert response.status == 200
    page.get_by_text("Beta feedback: how is this page?").click()
    page.get_by_label("4").check()
    page.get_by_label("Comment (optional)").fill("Gorgeous photographs.")
    page.get_by_role("button", name="Send feedback").click()
    page.wait_for_url(live_server.url + "/collection/")
    expect(page.get_by_role("status")).to_contain_text("Thank you for your feedback")
    fb = Feedback.objects.get()
    assert (fb.rating, fb.comment, fb.path) == (4, "Gorgeous photographs.", "/collection/")
    page.context.close()
    assert foreign == []
