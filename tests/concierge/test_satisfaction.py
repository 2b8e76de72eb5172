""" "How did we do?" after a ticket is resolved, and the support figures the insights read."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core import signing
from django.urls import reverse

from midas.concierge import threading
from midas.concierge.selectors import support_figures
from midas.concierge.services import (
    ticket_answer,
    ticket_open,
    ticket_rate,
    ticket_update,
)
from midas.errors import AppError
from tests.concierge.conftest import NOW
from tests.factories import outbox

pytestmark = pytest.mark.django_db


def visitor_ticket():
    return ticket_open(
        email="bob@example.com", name="Bob", subject="Wedding", body="A yacht", channel="contact"
    )


def test_the_resolved_email_links_to_a_page_that_rates_the_ticket_without_sign_in(
    client, staff, monkeypatch
):
    # the link's signature carries the second it was made in: pinned, so that the e-mail's
    # link and the one made here match whichever second each is made in
    made_at = signing.b62_encode(int(time.time()))
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: made_at)
    ticket = visitor_ticket()
    ticket_update(ticket=ticket, by=staff, status="resolved")
    [resolved] = outbox(template="ticket_resolved")
    url = reverse("concierge:rate", args=[threading.satisfaction_token(ticket.pk)])
    assert f"{url}?score=5" in resolved.body_html and url in resolved.body_text

    page = client.get(url + "?score=4")  # opening the link writes nothing (mail scanners)
    assert 'value="4" id="id_score_1" required checked' in page.content.decode()
    ticket.refresh_from_db()
    assert ticket.satisfaction is None

    response = client.post(url, {"score": "4", "comment": "Quick and kind"})
    assert response.status_code == 200 and "Thank you" in response.content.decode()
    ticket.refresh_from_db()
    assert (ticket.satisfaction, ticket.satisfaction_comment) == (4, "Quick and kind")


def test_a_forged_token_is_404_and_an_open_ticket_cannot_be_rated(client, staff):
    ticket = visitor_ticket()
    assert client.get(reverse("concierge:rate", args=["1:forged:token"])).status_code == 404
    url = reverse("concierge:rate", args=[threading.satisfaction_token(ticket.pk)])
    assert client.post(url, {"score": "5"}).status_code == 400  # not resolved yet
    with pytest.raises(AppError) as caught:
        ticket_rate(ticket=ticket, score=5)
    assert caught.value.code == "invalid_state"
    ticket_update(ticket=ticket, by=staff, status="resolved")
    with pytest.raises(AppError):
        ticket_rate(ticket=ticket, score=6)


def test_support_figures_over_a_period(customer, staff, clock):
    first = visitor_ticket()
    clock.advance(minutes=30)
    ticket_answer(ticket=first, by=staff, body="On it", status="resolved")  # on target
    second = ticket_open(customer=customer, email="", subject="Late", body="x", channel="account")
    clock.advance(minutes=120)
    ticket_answer(ticket=second, by=staff, body="Sorry for the wait")  # late
    ticket_rate(ticket=first, score=5)
    ticket_update(ticket=second, by=staff, status="resolved")
    ticket_rate(ticket=second, score=3)
    figures = support_figures(start=NOW, end=NOW + dt.timedelta(days=1))
    assert figures.tickets_opened == 2 and figures.first_responses == 2
    assert figures.first_response_avg_minutes == 75.0  # (30 + 120) / 2
    assert figures.first_response_on_target == 1 and figures.resolved == 2
    assert (figures.satisfaction_avg, figures.satisfaction_count) == (4.0, 2)
    assert figures.review_count == 0 and figures.review_avg is None
    before = support_figures(start=NOW - dt.timedelta(days=1), end=NOW)
    assert before.tickets_opened == 0 and before.satisfaction_avg is None
