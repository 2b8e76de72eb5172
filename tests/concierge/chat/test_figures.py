"""How fast a person answers a chat (``selectors.chat_figures``): what the go/no-go's support
criterion and the plan's "customer service operational" check read."""

from __future__ import annotations

import datetime as dt

import pytest

from midas.concierge.chat.selectors import chat_figures
from midas.concierge.chat.services import chat_say, chat_start, chat_take
from tests.concierge.conftest import NOW

pytestmark = pytest.mark.django_db
M = dt.timedelta(minutes=1)


def _chat(staff, *, at: dt.datetime, answered_after: dt.timedelta | None):
    conversation, _ = chat_start(name="Nina", email="nina@example.com", body="Hello?", now=at)
    if answered_after is not None:
        chat_take(conversation=conversation, by=staff, now=at + answered_after)
        chat_say(
            conversation=conversation, body="Hello!", by=staff, staff=True, now=at + answered_after
        )
    return conversation


def test_answer_times_against_the_target(settings, staff):
    settings.CHAT_ANSWER_TARGET_SECONDS = 120
    _chat(staff, at=NOW, answered_after=M)  # on target
    _chat(staff, at=NOW + M, answered_after=5 * M)  # late, but answered
    _chat(staff, at=NOW + 2 * M, answered_after=None)  # still waiting
    _chat(staff, at=NOW - 2 * dt.timedelta(days=1), answered_after=None)  # before the period

    now = NOW + 10 * M
    seen = chat_figures(start=NOW - dt.timedelta(hours=1), end=now, now=now)
    assert (seen.started, seen.answered, seen.answered_on_target) == (3, 2, 1)
    assert seen.answer_avg_seconds == 180.0
    assert seen.waiting_late == 2  # the one waiting in the period and the old one

    # a visitor who has waited only a minute so far is not late yet: only the old one is
    fresh = chat_figures(start=NOW, end=NOW + 3 * M, now=NOW + 3 * M)
    assert fresh.waiting_late == 1
