"""The Stripe provider against Stripe's own test mode (real HTTP to api.stripe.com).

Runs only when ``STRIPE_TEST_SECRET_KEY`` holds a test-mode key; otherwise these tests are
deselected (not skipped) by tests/conftest.py, so CI without the key stays green. Run:

    STRIPE_TEST_SECRET_KEY=sk_test_... .venv/bin/pytest tests/payments/test_stripe_live.py -v

No money moves: test mode with Stripe's test PaymentMethods. Keys are unique per run, so
reruns never replay an earlier run's answers.
"""

from __future__ import annotations

import os
import uuid

import pytest

from midas.payments.interface import ChargeRequest
from midas.payments.providers.stripe import StripeProvider, checkout_context

pytestmark = pytest.mark.stripe_live


@pytest.fixture
def provider(settings) -> StripeProvider:
    key = os.environ["STRIPE_TEST_SECRET_KEY"]
    assert key.startswith(("sk_test_", "rk_test_")), "only a test-mode key, never a live one"
    settings.STRIPE_SECRET_KEY = key
    settings.STRIPE_API_BASE = ""
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_live_check"
    return StripeProvider()


@pytest.fixture
def run() -> str:
    return uuid.uuid4().hex[:12]


def request(run: str, step: str, **overrides: object) -> ChargeRequest:
    fields: dict = {
        "reference": f"LIVE-{run}",
        "amount_minor": 12_345,
        "currency": "USD",
        "idempotency_key": f"midas-live-test:{run}:{step}",
        "description": "Midas live test",
        "customer_email": f"live-test+{run}@example.com",
        "payment_method": "pm_card_visa",
    }
    fields.update(overrides)
    return ChargeRequest(**fields)


def test_charge_replay_and_refund(provider, run):
    paid = provider.charge(request(run, "charge"))
    assert (paid.status, paid.amount_minor, paid.currency) == ("succeeded", 12_345, "USD")
    assert provider.charge(request(run, "charge")).provider_ref == paid.provider_ref

    refund = provider.refund(paid.provider_ref, 2_345, f"midas-live-test:{run}:refund")
    assert (refund.status, refund.amount_minor) in {("succeeded", 2_345), ("pending", 2_345)}
    assert provider.retrieve(refund.provider_ref).provider_ref == refund.provider_ref


def test_decline_and_authentication(provider, run):
    declined = provider.charge(request(run, "declined", payment_method="pm_card_chargeDeclined"))
    assert (declined.status, declined.failure_code) == ("failed", "card_declined")

    challenged = provider.charge(
        request(
            run,
            "3ds",
            payment_method="pm_card_authenticationRequired",
            return_url="https://example.com/return",
        )
    )
    assert challenged.status == "requires_action"
    assert challenged.action_url.startswith("https://")


def test_deposit_hold_partial_capture_and_release(provider, run):
    held = provider.charge(request(run, "hold", capture=False, amount_minor=50_000))
    assert (held.status, held.amount_minor) == ("requires_capture", 50_000)
    captured = provider.capture(held.provider_ref, 20_000, f"midas-live-test:{run}:capture")
    assert (captured.status, captured.amount_minor) == ("succeeded", 20_000)

    other = provider.charge(request(run, "hold2", capture=False, amount_minor=50_000))
    released = provider.cancel(other.provider_ref, f"midas-live-test:{run}:release")
    assert released.status == "canceled"


def test_saved_card_then_off_session_deposit_hold(provider, run):
    checkout = provider.charge(request(run, "save", save_payment_method=True))
    assert checkout.status == "succeeded"
    assert checkout.payment_method.startswith("pm_")

    held = provider.charge(
        request(
            run,
            "offsession",
            payment_method=checkout.payment_method,
            off_session=True,
            capture=False,
            amount_minor=50_000,
        )
    )
    assert (held.status, held.amount_minor) == ("requires_capture", 50_000)
    provider.cancel(held.provider_ref, f"midas-live-test:{run}:offsession-release")


def test_payment_element_intent_has_a_client_secret(provider, run):
    waiting = provider.charge(request(run, "element", payment_method=""))
    assert waiting.status == "pending"
    context = checkout_context(provider_ref=waiting.provider_ref)
    assert context and context["client_secret"].startswith(waiting.provider_ref)
    provider.cancel(waiting.provider_ref, f"midas-live-test:{run}:element-cancel")
