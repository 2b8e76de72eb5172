"""The Stripe provider against the local stand-in of Stripe's API (no network)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from midas.errors import AppError, ErrorCode
from midas.payments.interface import ChargeRequest
from midas.payments.providers.stripe import (
    StripeProvider,
    checkout_context,
    stripe_checkout_context,
)
from tests.payments.stripe_standin import SECRET_KEY, StripeStandin, running_standin


@pytest.fixture
def standin(settings):
    with running_standin(settings) as running:
        yield running


@pytest.fixture
def provider() -> StripeProvider:
    return StripeProvider()


def charge_request(**overrides: object) -> ChargeRequest:
    fields: dict = {
        "reference": "MID-7K3P9Q",
        "amount_minor": 250_000,
        "currency": "USD",
        "idempotency_key": "booking:MID-7K3P9Q:charge:1",
        "description": "Aventador, 3 days",
        "customer_email": "Ada@Example.com",
        "payment_method": "pm_card_visa",
    }
    fields.update(overrides)
    return ChargeRequest(**fields)


def last_post(standin: StripeStandin, path: str) -> dict:
    return [r for r in standin.requests if r["method"] == "POST" and r["path"] == path][-1]


# --- charge -------------------------------------------------------------------------------
def test_a_good_card_is_charged_with_our_key_and_our_ids(standin, provider):
    result = provider.charge(charge_request(metadata={"payment": "17"}))

    assert result.status == "succeeded"
    assert result.provider_ref.startswith("pi_")
    assert (result.amount_minor, result.currency) == (250_000, "USD")
    assert result.failure_code == ""
    sent = last_post(standin, "/v1/payment_intents")
    assert sent["key"] == "booking:MID-7K3P9Q:charge:1"
    assert sent["params"]["amount"] == "250000"
    assert sent["params"]["currency"] == "usd"
    assert sent["params"]["capture_method"] == "automatic"
    assert sent["params"]["confirm"] == "true"
    assert sent["params"]["payment_method_types"] == ["card"]
    assert sent["params"]["metadata"] == {"payment": "17", "booking": "MID-7K3P9Q"}
    assert standin.state.intents[result.provider_ref]["status"] == "succeeded"


@pytest.mark.parametrize(
    ("card", "code"),
    [
        ("pm_card_chargeDeclined", "card_declined"),  # a generic decline: Stripe's code
        ("pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds"),
    ],
)
def test_a_declined_card_fails_with_the_banks_reason(standin, provider, card, code):
    result = provider.charge(charge_request(payment_method=card))

    assert result.status == "failed"
    assert result.failure_code == code
    assert result.failure_message == "Your card was declined."
    assert result.provider_ref.startswith("pi_")  # Stripe keeps the intent
    assert provider.retrieve(result.provider_ref).status == "failed"


def test_authentication_sends_the_customer_to_the_challenge_then_succeeds(standin, provider):
    request = charge_request(
        payment_method="pm_card_authenticationRequired",
        return_url="https://midas.example/bookings/MID-7K3P9Q/paid",
    )
    result = provider.charge(request)

    assert result.status == "requires_action"
    assert result.action_url.startswith("https://hooks.stripe.com/")
    assert last_post(standin, "/v1/payment_intents")["params"]["return_url"] == request.return_url

    standin.authenticate(result.provider_ref)
    after = provider.retrieve(result.provider_ref)
    assert (after.status, after.amount_minor, after.action_url) == ("succeeded", 250_000, "")


def test_authentication_without_a_return_url_is_left_to_stripe_js(standin, provider):
    result = provider.charge(charge_request(payment_method="pm_card_authenticationRequired"))
    assert (result.status, result.action_url) == ("requires_action", "")

    standin.authenticate(result.provider_ref, succeed=False)
    after = provider.retrieve(result.provider_ref)
    assert (after.status, after.failure_code) == ("failed", "payment_intent_authentication_failure")


# --- deposit hold: capture part, release --------------------------------------------------
def hold(provider: StripeProvider, amount: int = 1_000_000):
    return provider.charge(
        charge_request(
            amount_minor=amount, capture=False, idempotency_key="booking:MID-7K3P9Q:deposit:1"
        )
    )


def test_the_deposit_is_a_manual_capture_hold_then_partly_captured(standin, provider):
    held = hold(provider)
    assert (held.status, held.amount_minor) == ("requires_capture", 1_000_000)
    assert last_post(standin, "/v1/payment_intents")["params"]["capture_method"] == "manual"

    captured = provider.capture(held.provider_ref, 300_000, "booking:MID-7K3P9Q:capture:1")

    assert (captured.status, captured.amount_minor) == ("succeeded", 300_000)
    sent = last_post(standin, f"/v1/payment_intents/{held.provider_ref}/capture")
    assert sent["params"] == {"amount_to_capture": "300000"}
    assert sent["key"] == "booking:MID-7K3P9Q:capture:1"
    intent = standin.state.intents[held.provider_ref]
    assert (intent["amount_received"], intent["amount_capturable"]) == (300_000, 0)
    # the same step again is replayed; another capture is refused for the state
    again = provider.capture(held.provider_ref, 300_000, "booking:MID-7K3P9Q:capture:1")
    assert again == captured
    with pytest.raises(AppError) as refused:
        provider.capture(held.provider_ref, 100_000, "booking:MID-7K3P9Q:capture:2")
    assert refused.value.code == ErrorCode.INVALID_STATE


def test_capturing_more_than_the_hold_is_refused(standin, provider):
    held = hold(provider, 500_000)
    with pytest.raises(AppError) as refused:
        provider.capture(held.provider_ref, 500_001, "booking:MID-7K3P9Q:capture:1")
    assert refused.value.code == ErrorCode.INVALID_STATE
    assert provider.retrieve(held.provider_ref).status == "requires_capture"


def test_releasing_the_hold_cancels_it(standin, provider):
    held = hold(provider)
    released = provider.cancel(held.provider_ref, "booking:MID-7K3P9Q:release:1")

    assert (released.status, released.amount_minor) == ("canceled", 1_000_000)
    assert standin.state.intents[held.provider_ref]["amount_capturable"] == 0
    assert provider.retrieve(held.provider_ref).status == "canceled"
    assert provider.capture(held.provider_ref, 0, "booking:MID-7K3P9Q:release:1") == released


def test_a_captured_charge_cannot_be_released(standin, provider):
    paid = provider.charge(charge_request())
    with pytest.raises(AppError) as refused:
        provider.cancel(paid.provider_ref, "booking:MID-7K3P9Q:release:1")
    assert refused.value.code == ErrorCode.INVALID_STATE


# --- refunds ------------------------------------------------------------------------------
def test_refunds_in_parts_up_to_the_charge(standin, provider):
    paid = provider.charge(charge_request())

    first = provider.refund(paid.provider_ref, 100_000, "booking:MID-7K3P9Q:refund:1")
    assert first.provider_ref.startswith("re_")
    assert (first.status, first.amount_minor, first.currency) == ("succeeded", 100_000, "USD")
    assert provider.retrieve(first.provider_ref) == first
    sent = last_post(standin, "/v1/refunds")
    assert sent["params"]["payment_intent"] == paid.provider_ref
    assert sent["key"] == "booking:MID-7K3P9Q:refund:1"

    with pytest.raises(AppError) as refused:
        provider.refund(paid.provider_ref, 150_001, "booking:MID-7K3P9Q:refund:2")
    assert refused.value.code == ErrorCode.INVALID_STATE
    rest = provider.refund(paid.provider_ref, 150_000, "booking:MID-7K3P9Q:refund:3")
    assert rest.status == "succeeded"
    assert len(standin.state.refunds) == 2


# --- idempotency --------------------------------------------------------------------------
def test_the_same_key_twice_makes_one_payment_intent(standin, provider):
    first = provider.charge(charge_request())
    second = provider.charge(charge_request())

    assert second == first
    assert standin.intents_created() == 1
    assert len([r for r in standin.requests if r["path"] == "/v1/payment_intents"]) == 2


def test_a_declined_attempt_is_replayed_too(standin, provider):
    request = charge_request(payment_method="pm_card_chargeDeclined")
    assert provider.charge(request) == provider.charge(request)
    assert standin.intents_created() == 1


def test_the_same_key_with_other_details_is_a_conflict(standin, provider):
    provider.charge(charge_request())
    with pytest.raises(AppError) as conflict:
        provider.charge(charge_request(amount_minor=1))
    assert conflict.value.code == ErrorCode.INVALID_STATE  # a definite no: the row fails
    assert standin.intents_created() == 1


def test_a_server_error_is_retried_with_the_same_key(standin, provider):
    standin.fail_next(500)
    result = provider.charge(charge_request())

    assert result.status == "succeeded"
    tries = [r for r in standin.requests if r["path"] == "/v1/payment_intents"]
    assert [r["key"] for r in tries] == ["booking:MID-7K3P9Q:charge:1"] * 2
    assert standin.intents_created() == 1


# --- failures of the service itself -------------------------------------------------------
def test_a_wrong_api_key_is_a_provider_error(standin, provider, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_wrong"
    with pytest.raises(AppError) as failed:
        provider.charge(charge_request())
    assert failed.value.code == ErrorCode.PAYMENT_PROVIDER_ERROR
    assert standin.intents_created() == 0


def test_an_unreachable_stripe_is_a_provider_error(settings, provider):
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # discard: nothing listens
    with pytest.raises(AppError) as failed:
        provider.retrieve("pi_123")
    assert failed.value.code == ErrorCode.PAYMENT_PROVIDER_ERROR
    assert failed.value.status == 502


def test_without_a_secret_key_nothing_is_sent(settings, provider):
    settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(AppError) as failed:
        provider.retrieve("pi_123")
    assert failed.value.code == ErrorCode.PAYMENT_PROVIDER_ERROR


# --- saved cards and off-session charges (rentals longer than a hold lasts) ---------------
def test_the_card_is_saved_at_checkout_and_the_deposit_held_off_session(standin, provider):
    checkout = provider.charge(charge_request(save_payment_method=True))
    assert checkout.status == "succeeded"
    assert checkout.payment_method.startswith("pm_")
    sent = last_post(standin, "/v1/payment_intents")["params"]
    assert sent["setup_future_usage"] == "off_session"
    (customer,) = standin.state.customers.values()
    assert customer["email"] == "ada@example.com"
    assert sent["customer"] == customer["id"]

    deposit = provider.charge(
        charge_request(
            payment_method=checkout.payment_method,
            off_session=True,
            capture=False,
            amount_minor=1_000_000,
            idempotency_key="booking:MID-7K3P9Q:deposit:1",
        )
    )
    assert (deposit.status, deposit.amount_minor) == ("requires_capture", 1_000_000)
    sent = last_post(standin, "/v1/payment_intents")["params"]
    assert (sent["off_session"], sent["customer"]) == ("true", customer["id"])

    # a second booking by the same customer reuses the Customer
    provider.charge(
        charge_request(idempotency_key="booking:MID-2:charge:1", save_payment_method=True)
    )
    assert len(standin.state.customers) == 1


def test_off_session_authentication_brings_the_customer_back(standin, provider):
    checkout = provider.charge(
        charge_request(payment_method="pm_card_authenticationRequired", save_payment_method=True)
    )
    standin.authenticate(checkout.provider_ref)
    saved = provider.retrieve(checkout.provider_ref).payment_method
    assert saved.startswith("pm_")

    later = charge_request(
        payment_method=saved,
        off_session=True,
        capture=False,
        idempotency_key="booking:MID-7K3P9Q:deposit:1",
    )
    result = provider.charge(later)

    assert result.status == "requires_action"
    assert result.failure_code == "authentication_required"
    assert provider.retrieve(result.provider_ref).status == "requires_action"


def test_an_off_session_charge_needs_a_saved_card(standin, provider):
    with pytest.raises(AppError) as refused:
        provider.charge(charge_request(payment_method="", off_session=True))
    assert refused.value.code == ErrorCode.INVALID_INPUT
    assert standin.requests == []


# --- the checkout page's Payment Element --------------------------------------------------
def test_the_checkout_context_sets_up_a_deferred_payment_element(standin):
    context = checkout_context(amount_minor=250_000, currency="USD", save_card=True)
    assert context == {
        "publishable_key": "pk_test_standin_51Midas",
        "js_url": "https://js.stripe.com/v3/",
        "client_secret": "",
        "payment_intent": "",
        "status": "",
        "elements_options": {
            "mode": "payment",
            "amount": 250_000,
            "currency": "usd",
            "paymentMethodCreation": "manual",
            "paymentMethodTypes": ["card"],
            "setupFutureUsage": "off_session",
        },
    }
    assert standin.requests == []  # nothing asked of Stripe to draw the form


def test_an_intent_waiting_for_the_customer_gives_its_client_secret(standin, provider):
    result = provider.charge(
        charge_request(payment_method="pm_card_authenticationRequired", save_payment_method=True)
    )
    context = checkout_context(provider_ref=result.provider_ref)

    intent = standin.state.intents[result.provider_ref]
    assert context["client_secret"] == intent["client_secret"]
    assert (context["payment_intent"], context["status"]) == (
        result.provider_ref,
        "requires_action",
    )
    assert context["elements_options"]["amount"] == 250_000
    assert context["elements_options"]["setupFutureUsage"] == "off_session"


def test_without_a_method_the_intent_waits_for_the_customer(standin, provider):
    result = provider.charge(charge_request(payment_method=""))
    assert (result.status, result.action_url) == ("pending", "")
    assert "confirm" not in last_post(standin, "/v1/payment_intents")["params"]


@dataclass
class Row:
    provider: str
    provider_ref: str
    amount_minor: int = 250_000
    currency: str = "USD"


def test_no_stripe_js_without_a_publishable_key_or_for_sandbox_rows(standin, provider, settings):
    result = provider.charge(charge_request(payment_method=""))
    assert stripe_checkout_context(Row("sandbox", "sbx_pi_1")) is None
    assert stripe_checkout_context(Row("stripe", result.provider_ref))["client_secret"]
    settings.STRIPE_PUBLISHABLE_KEY = ""
    assert stripe_checkout_context(Row("stripe", result.provider_ref)) is None
    assert checkout_context(amount_minor=1, currency="USD") is None
