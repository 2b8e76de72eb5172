"""A visitor and a member of the concierge chat live, each in their own headless Chromium
context, through the live server (a threaded WSGI server: the embedded default, where the
WSGI server serves the streams too). Every request stays on the site; no script error."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client

from midas.concierge.chat.models import Conversation, ConversationStatus
from midas.concierge.chat.services import duty_on
from midas.flags.services import flag_write
from tests.factories import make_staff
from tests.web.test_browser import (  # noqa: F401 (the browser fixture)
    TIMEOUT_MS,
    browser,
    same_origin,
    sync_api,
)

expect = sync_api.expect
pytestmark = pytest.mark.browser


def watched(context, origin: str, problems: list[str]):
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)

    # No route handler: Playwright's interception holds a streamed response back until it
    # ends. Every request is still checked (nothing should leave the site).
    page.on(
        "request",
        lambda request: (
            None
            if same_origin(request.url, origin)
            else problems.append(f"foreign request {request.url}")
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "response",
        lambda response: (
            problems.append(f"HTTP {response.status} {response.url}")
            if response.status >= 400
            else None
        ),
    )
    page.on("console", lambda message: console_error(message, problems))
    return page


def console_error(message, problems: list[str]) -> None:
    # the admin's pages name no icon: Chromium's own /favicon.ico try is no page's error
    if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
        problems.append(f"{message.text} ({message.location.get('url')})")


def signed_in(browser, origin: str, user):  # noqa: F811
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    name = django_settings.SESSION_COOKIE_NAME
    context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": origin}])
    return context


@pytest.mark.django_db(transaction=True)
def test_a_visitor_and_the_concierge_chat_live(browser, live_server, settings):  # noqa: F811
    settings.CHAT_STREAM_MAX_SECONDS = 20  # the live server waits for open streams at the end
    origin = live_server.url
    flag_write(key="live_chat", state="on")
    staff = make_staff(email="grace@midas.example", first_name="Grace", last_name="Hopper")
    duty_on(user=staff)
    problems: list[str] = []

    visitor_context = browser.new_context(viewport={"width": 390, "height": 844})
    staff_context = signed_in(browser, origin, staff)
    try:
        visitor = watched(visitor_context, origin, problems)
        visitor.goto(origin + "/about/")
        visitor.get_by_role("button", name="Chat with the concierge").click()
        visitor.get_by_label("Your name").fill("Nina Visitor")
        visitor.get_by_label("E-mail (for the answer, if we must write)").fill("nina@example.com")
        visitor.get_by_label("Your message").fill("Is the Riva free on Saturday?")
        visitor.get_by_role("button", name="Start the chat").click()
        panel = visitor.locator("#chat-lines")
        expect(panel).to_contain_text("Is the Riva free on Saturday?")
        expect(visitor.locator("#chat-status")).to_have_text("Waiting for the concierge…")
        conversation = Conversation.objects.get()
        assert conversation.page == "/about/"

        concierge = watched(staff_context, origin, problems)
        concierge.goto(origin + "/staff/chat/")
        concierge.get_by_role("link", name=f"#{conversation.pk} Nina Visitor").click()
        expect(concierge.locator("#chat-page")).to_have_text("/about/")
        reply = concierge.get_by_label("Reply")
        reply.fill("Good evening, Nina. It is: shall I hold it?")
        reply.press("Enter")
        expect(panel).to_contain_text("Grace has joined the conversation.")
        expect(panel).to_contain_text("Good evening, Nina. It is: shall I hold it?")
        expect(visitor.locator("#chat-status")).to_have_text("")

        text = visitor.get_by_label("Message", exact=True)
        text.fill("Yes please, from 10:00.")
        text.press("Enter")
        expect(concierge.locator("#chat-lines")).to_contain_text("Yes please, from 10:00.")

        # the visitor browses on: the conversation follows them, and the concierge sees where
        visitor.goto(origin + "/faq/")
        expect(visitor.locator("#chat-lines")).to_contain_text("Yes please, from 10:00.")
        expect(visitor.locator("#chat-lines .chat-line")).to_have_count(4)
        for _ in range(50):
            conversation.refresh_from_db()
            if conversation.page == "/faq/":
                break
            visitor.wait_for_timeout(100)
        assert conversation.page == "/faq/"

        concierge.get_by_role("button", name="Close").click()
        expect(visitor.locator("#chat-status")).to_have_text("This conversation has ended.")
        expect(visitor.locator("#chat-say")).to_be_hidden()
        conversation.refresh_from_db()
        assert conversation.status == ConversationStatus.CLOSED
        assert list(conversation.messages.values_list("author", flat=True)) == [
            "visitor",
            "system",
            "staff",
            "visitor",
            "system",
        ]
    finally:
        visitor_context.close()
        staff_context.close()
    assert problems == []


@pytest.mark.django_db(transaction=True)
def test_with_nobody_on_duty_the_chat_offers_a_ticket(browser, live_server):  # noqa: F811
    origin = live_server.url
    flag_write(key="live_chat", state="on")
    problems: list[str] = []
    context = browser.new_context()
    try:
        page = watched(context, origin, problems)
        page.goto(origin + "/about/")
        page.get_by_role("button", name="Chat with the concierge").click()
        expect(page.get_by_text("Nobody from the concierge is on chat right now.")).to_be_visible()
        page.get_by_role("link", name="Write to the concierge").click()
        page.wait_for_url(origin + "/contact/")
    finally:
        context.close()
    assert problems == []
    assert not Conversation.objects.exists()
