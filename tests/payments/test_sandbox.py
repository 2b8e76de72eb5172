"""The sandbox provider keeps Stripe's test-mode rules, offline."""

from __future__ import annotations

import pytest

from midas.errors import AppError, ErrorCode
from midas.payments.interface import ChargeRequest
from midas.payments.providers import get_provider, is_test_mode, provider_name
from midas.payments.providers.sandbox import SandboxProvider, luhn_ok, resolve_method


def request(key: str = "booking:MID-TEST01:charge:1", **overrides) -> ChargeRequest:
    fields = {
        "reference": "MID-TEST01",
        "amount_minor": 250_000,
        "currency": "USD",
        "idempotency_key": key,
        "description": "Aventador",
        "customer_email": "ada@example.com",
        "payment_method": "4242424242424242",
    }
    fields.update(overrides)
    return ChargeRequest(**fields)


@pytest.fixture
def sandbox() -> SandboxProvider:
    return SandboxProvider()


def test_the_registry_picks_the_sandbox_without_stripe(settings):
    settings.PAYMENT_PROVIDER = "sandbox"
    assert provider_name() == "sandbox" and is_test_mode()
    assert isinstance(get_provider(), SandboxProvider)
    settings.PAYMENT_PROVIDER = "stripe"
    assert provider_name() == "stripe" and not is_test_mode()
    assert type(get_provider()).__name__ == "StripeProvider"
    assert isinstance(get_provider("sandbox"), SandboxProvider)
    with pytest.raises(AppError):
        get_provider("paypal")


@pytest.mark.parametrize(
    ("number", "ok"),
    [
        ("4242424242424242", True),
        ("4242424242424241", False),
        ("4000002500003155", True),
        ("378282246310005", True),
        ("12345", False),
        ("abcd", False),
    ],
)
def test_luhn(number, ok):
    assert luhn_ok(number) is ok


def test_card_numbers_resolve_to_test_method_ids_and_are_never_kept():
    assert resolve_method("4242 4242 4242 4242") == ("pm_card_visa", "succeed")
    assert resolve_method("4000-0000-0000-0002") == ("pm_card_chargeDeclined", "card_declined")
    assert resolve_method("pm_card_authenticationRequired")[1] == "authenticate"
    assert resolve_method("4111111111111111") == ("pm_card_live_1111", "test_mode_live_card")
    assert resolve_method("pm_nope")[1] == "invalid_payment_method"


def test_ids_are_derived_from_the_key_and_a_key_replays(sandbox):
    first = sandbox.charge(request())
    again = sandbox.charge(request())
    assert first == again
    assert first.provider_ref.startswith("sbx_pi_")
    other = sandbox.charge(request(key="booking:MID-TEST01:charge:2"))
    assert other.provider_ref != first.provider_ref


def test_a_key_reused_with_other_parameters_is_refused(sandbox):
    sandbox.charge(request())
    with pytest.raises(AppError) as err:
        sandbox.charge(request(amount_minor=1))
    assert err.value.code == ErrorCode.INVALID_STATE


def test_the_authentication_card_asks_on_session_and_succeeds_off_session(sandbox):
    on = sandbox.charge(request(payment_method="4000002500003155"))
    assert on.status == "requires_action"
    off = sandbox.charge(
        request(key="k2", payment_method="pm_card_authenticationRequired", off_session=True)
    )
    assert off.status == "succeeded"
    assert sandbox.complete_challenge(on.provider_ref, approve=True).status == "succeeded"


def test_deposit_hold_capture_at_most_what_was_authorised(sandbox):
    hold = sandbox.charge(request(capture=False, amount_minor=500_000))
    assert (hold.status, hold.amount_minor) == ("requires_capture", 500_000)
    with pytest.raises(AppError):
        sandbox.capture(hold.provider_ref, 500_001, "cap-1")
    captured = sandbox.capture(hold.provider_ref, 120_000, "cap-2")
    assert (captured.status, captured.amount_minor) == ("succeeded", 120_000)
    assert sandbox.object(hold.provider_ref)["amount_capturable"] == 0  # the rest released
    with pytest.raises(AppError):
        sandbox.capture(hold.provider_ref, 1, "cap-3")  # nothing left to capture
    with pytest.raises(AppError):
        sandbox.cancel(hold.provider_ref, "cancel-1")  # a finished payment cannot be cancelled


def test_release_cancels_the_hold(sandbox):
    hold = sandbox.charge(request(capture=False))
    released = sandbox.cancel(hold.provider_ref, "rel-1")
    assert (released.status, released.amount_minor) == ("canceled", 250_000)
    assert sandbox.retrieve(hold.provider_ref).status == "canceled"
    with pytest.raises(AppError):
        sandbox.capture(hold.provider_ref, 1, "cap-1")


def test_refunds_at_most_what_is_left(sandbox):
    charge = sandbox.charge(request())
    first = sandbox.refund(charge.provider_ref, 200_000, "re-1")
    assert (first.status, first.amount_minor) == ("succeeded", 200_000)
    assert first.provider_ref.startswith("sbx_re_")
    assert sandbox.retrieve(first.provider_ref) == first
    with pytest.raises(AppError):
        sandbox.refund(charge.provider_ref, 50_001, "re-2")
    assert sandbox.refund(charge.provider_ref, 50_000, "re-3").status == "succeeded"
    assert sandbox.refund(charge.provider_ref, 50_000, "re-3").status == "succeeded"  # replay
    assert sandbox.object(charge.provider_ref)["amount_refunded"] == 250_000


def test_a_declined_or_unauthenticated_payment_cannot_be_refunded(sandbox):
    declined = sandbox.charge(request(payment_method="pm_card_chargeDeclined"))
    assert (declined.status, declined.failure_code) == ("failed", "card_declined")
    with pytest.raises(AppError):
        sandbox.refund(declined.provider_ref, 1, "re-1")


def test_unknown_objects_are_refused(sandbox):
    with pytest.raises(AppError):
        sandbox.retrieve("sbx_pi_nope")


def test_the_store_is_shared_by_every_provider_instance(sandbox):
    charge = sandbox.charge(request())
    assert SandboxProvider().retrieve(charge.provider_ref).status == "succeeded"
