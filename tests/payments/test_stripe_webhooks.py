"""The Stripe webhook endpoint: signed, de-duplicated, safe in any order.

Events come from the stand-in (real Stripe-shaped events with a real ``Stripe-Signature``)
and go through the whole HTTP stack. ``services.payment_sync`` is the ledger's write path;
here ``Ledger`` plays it by its contract (re-read the object from the provider, apply it if
it changed), so these tests pin the webhook's own duties: verify, record once, dispatch,
re-read.
"""

from __future__ import annotations

import itertools
import threading
import time

import pytest
from django.test import Client

from midas.payments import webhooks
from midas.payments.interface import ChargeRequest
from midas.payments.models import WebhookEvent
from midas.payments.providers.stripe import StripeProvider
from tests.concurrency import race
from tests.payments.stripe_standin import (
    WEBHOOK_PATH,
    deliver,
    running_standin,
    signature_header,
    signed,
)

pytestmark = pytest.mark.django_db


class Ledger:
    """payment_sync by its contract: re-read the object, apply it when it changed."""

    def __init__(self) -> None:
        self.status: dict[str, str] = {}
        self.changes: list[tuple[str, str]] = []
        self.receipts: list[str] = []
        self.calls = 0
        self.lock = threading.Lock()

    def __call__(self, provider_ref: str) -> None:
        result = StripeProvider().retrieve(provider_ref)
        with self.lock:
            self.calls += 1
            if self.status.get(provider_ref) != result.status:
                self.status[provider_ref] = result.status
                self.changes.append((provider_ref, result.status))
                if result.status == "succeeded":
                    self.receipts.append(provider_ref)


@pytest.fixture
def standin(settings):
    with running_standin(settings) as running:
        yield running


@pytest.fixture
def ledger(monkeypatch) -> Ledger:
    fake = Ledger()
    monkeypatch.setattr(webhooks, "sync", fake)
    return fake


def pay(standin, card: str = "pm_card_visa", *, capture: bool = True, key: str = "k1"):
    request = ChargeRequest(
        reference="MID-7K3P9Q",
        amount_minor=250_000,
        currency="USD",
        idempotency_key=f"booking:MID-7K3P9Q:{key}",
        description="Aventador",
        customer_email="ada@example.com",
        payment_method=card,
        capture=capture,
    )
    return StripeProvider().charge(request)


def event_of(standin, type_: str, object_id: str) -> dict:
    return next(e for e in standin.events_of(object_id) if e["type"] == type_)


# --- one delivery -------------------------------------------------------------------------
def test_a_signed_event_is_recorded_and_its_object_re_read(standin, ledger, client):
    result = pay(standin)
    event = event_of(standin, "payment_intent.succeeded", result.provider_ref)

    response = deliver(client, event)

    assert response.status_code == 200, response.content
    assert response.json() == {"status": "processed"}
    row = WebhookEvent.objects.get()
    assert (row.provider, row.event_id, row.type) == ("stripe", event["id"], event["type"])
    assert row.payload["data"]["object"]["id"] == result.provider_ref
    assert row.processed_at is not None
    assert ledger.changes == [(result.provider_ref, "succeeded")]


def test_no_csrf_token_or_session_is_needed(standin, ledger):
    result = pay(standin)
    event = event_of(standin, "payment_intent.succeeded", result.provider_ref)
    response = deliver(Client(enforce_csrf_checks=True), event)
    assert response.status_code == 200, response.content


def test_refund_events_re_read_the_refund_and_the_charge(standin, ledger, client):
    paid = pay(standin)
    refund = StripeProvider().refund(paid.provider_ref, 50_000, "booking:MID-7K3P9Q:refund:1")

    for type_, object_id in [("refund.created", refund.provider_ref), ("charge.refunded", None)]:
        event = next(
            e
            for e in standin.events
            if e["type"] == type_ and (object_id is None or e["data"]["object"]["id"] == object_id)
        )
        assert deliver(client, event).json() == {"status": "processed"}

    assert ledger.status == {refund.provider_ref: "succeeded", paid.provider_ref: "succeeded"}


def test_unknown_event_types_are_ignored_without_a_trace(standin, ledger, client):
    pay(standin)
    event = next(e for e in standin.events if e["type"] == "payment_intent.created")

    response = deliver(client, event)

    assert (response.status_code, response.json()) == (200, {"status": "ignored"})
    assert not WebhookEvent.objects.exists()
    assert ledger.calls == 0


# --- refused deliveries: 400, nothing written ---------------------------------------------
def refused(response, ledger) -> None:
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "webhook_invalid"
    assert not WebhookEvent.objects.exists()
    assert ledger.calls == 0


def test_a_bad_signature_is_refused(standin, ledger, client):
    event = event_of(standin, "payment_intent.succeeded", pay(standin).provider_ref)
    refused(deliver(client, event, secret="whsec_someone_else"), ledger)


def test_a_tampered_body_is_refused(standin, ledger, client):
    event = event_of(standin, "payment_intent.succeeded", pay(standin).provider_ref)
    payload, header = signed(event)
    tampered = payload.replace('"amount": 250000', '"amount": 1')
    assert tampered != payload
    response = client.post(
        WEBHOOK_PATH, data=tampered, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )
    refused(response, ledger)


def test_a_missing_signature_header_is_refused(standin, ledger, client):
    event = event_of(standin, "payment_intent.succeeded", pay(standin).provider_ref)
    payload, _ = signed(event)
    refused(client.post(WEBHOOK_PATH, data=payload, content_type="application/json"), ledger)


@pytest.mark.parametrize("age", [301, 3600])
def test_a_stale_timestamp_is_refused(standin, ledger, client, age):
    event = event_of(standin, "payment_intent.succeeded", pay(standin).provider_ref)
    refused(deliver(client, event, timestamp=int(time.time()) - age), ledger)


def test_a_recent_timestamp_within_the_tolerance_is_accepted(standin, ledger, client):
    event = event_of(standin, "payment_intent.succeeded", pay(standin).provider_ref)
    assert deliver(client, event, timestamp=int(time.time()) - 240).status_code == 200


@pytest.mark.parametrize("header", ["", "nonsense", "t=abc,v1=00", "t=1,v0=ab"])
def test_malformed_headers_are_refused(standin, ledger, client, header):
    event = event_of(standin, "payment_intent.succeeded", pay(standin).provider_ref)
    payload, _ = signed(event)
    response = client.post(
        WEBHOOK_PATH, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )
    refused(response, ledger)


def test_a_signed_body_that_is_not_an_event_is_refused(standin, ledger, client):
    for body in ["not json", '{"id": "evt_1"}', "[]"]:
        response = client.post(
            WEBHOOK_PATH,
            data=body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature_header(body),
        )
        refused(response, ledger)


def test_without_a_signing_secret_every_delivery_is_refused(standin, ledger, client, settings):
    event = event_of(standin, "payment_intent.succeeded", pay(standin).provider_ref)
    settings.STRIPE_WEBHOOK_SECRET = ""
    refused(deliver(client, event), ledger)


# --- de-duplication -----------------------------------------------------------------------
def test_the_same_event_five_times_changes_state_once(standin, ledger, client):
    event = event_of(standin, "payment_intent.succeeded", pay(standin).provider_ref)

    answers = [deliver(client, event).json()["status"] for _ in range(5)]

    assert answers == ["processed"] + ["duplicate"] * 4
    assert WebhookEvent.objects.count() == 1
    assert ledger.calls == 1
    assert len(ledger.changes) == 1
    assert len(ledger.receipts) == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_event_ten_times_at_once_changes_state_once(standin, ledger):
    event = event_of(standin, "payment_intent.succeeded", pay(standin).provider_ref)
    threads = 10

    def attempt(_: int) -> str:
        response = deliver(Client(), event)
        return response.json().get("status") or f"{response.status_code} {response.content!r}"

    answers = race(threads, attempt)

    assert sorted(answers) == ["duplicate"] * (threads - 1) + ["processed"], answers
    assert WebhookEvent.objects.count() == 1
    assert ledger.calls == 1
    assert len(ledger.receipts) == 1


def test_a_failed_sync_leaves_no_trace_so_the_retry_processes_it(
    standin, ledger, client, monkeypatch
):
    event = event_of(standin, "payment_intent.succeeded", pay(standin).provider_ref)
    standin.fail_next(503, times=3)  # Stripe unreachable while we re-read (SDK retries twice)

    response = deliver(client, event)

    assert response.status_code == 502
    assert response.json()["code"] == "payment_provider_error"
    assert not WebhookEvent.objects.exists()
    assert deliver(client, event).json() == {"status": "processed"}
    assert ledger.receipts == [event["data"]["object"]["id"]]


# --- any order ----------------------------------------------------------------------------
HOLD_EVENTS = (
    "payment_intent.requires_action",
    "payment_intent.amount_capturable_updated",
    "payment_intent.succeeded",
)


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))), ids=str)
def test_events_in_any_order_end_in_the_latest_state(standin, ledger, client, order):
    # a deposit hold that needed 3-D Secure, then was captured in part
    held = pay(standin, "pm_card_authenticationRequired", capture=False)
    standin.authenticate(held.provider_ref)
    StripeProvider().capture(held.provider_ref, 100_000, "booking:MID-7K3P9Q:capture:1")
    events = [event_of(standin, type_, held.provider_ref) for type_ in HOLD_EVENTS]

    for index in order:
        assert deliver(client, events[index]).json() == {"status": "processed"}

    assert ledger.status == {held.provider_ref: "succeeded"}
    assert ledger.changes == [(held.provider_ref, "succeeded")]  # never went backwards
    assert WebhookEvent.objects.count() == 3


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))), ids=str)
def test_a_decline_then_success_in_any_order_ends_paid(standin, ledger, client, order):
    # the customer's first card is declined, the second needs authentication, then succeeds
    intent = StripeProvider().charge(
        ChargeRequest(
            reference="MID-7K3P9Q",
            amount_minor=250_000,
            currency="USD",
            idempotency_key="booking:MID-7K3P9Q:charge:1",
            description="Aventador",
            customer_email="ada@example.com",
            payment_method="",
        )
    )
    state = standin.state
    state.confirm_intent({"payment_method": "pm_card_chargeDeclined"}, intent.provider_ref)
    state.confirm_intent({"payment_method": "pm_card_authenticationRequired"}, intent.provider_ref)
    standin.authenticate(intent.provider_ref)
    types = (
        "payment_intent.payment_failed",
        "payment_intent.requires_action",
        "payment_intent.succeeded",
    )
    events = [event_of(standin, type_, intent.provider_ref) for type_ in types]

    for index in order:
        deliver(client, events[index])

    assert ledger.status == {intent.provider_ref: "succeeded"}
    assert len(ledger.receipts) == 1
