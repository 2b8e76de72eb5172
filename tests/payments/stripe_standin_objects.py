"""The stand-in's objects and their state machine, shaped as Stripe's API reference shows.

PaymentIntent statuses: ``requires_payment_method`` → (confirm) ``requires_action`` |
``requires_capture`` (manual capture) | ``succeeded``; a decline returns to
``requires_payment_method`` with ``last_payment_error``; ``capture`` (``amount_to_capture``,
the rest released) → ``succeeded``; ``cancel`` → ``canceled``. Refunds on a succeeded intent
up to what was received. Every change records an Event (``payment_intent.*``,
``charge.refunded``, ``refund.created``) with a snapshot of the object.
"""

from __future__ import annotations

import copy
import secrets
import time
from typing import Any

Answer = tuple[int, dict[str, Any]]
API_VERSION = "2026-10-28.endive"

# token → (brand, last4, behaviour, decline_code)
TEST_CARDS: dict[str, tuple[str, str, str, str]] = {
    "pm_card_visa": ("visa", "4242", "succeed", ""),
    "pm_card_chargeDeclined": ("visa", "0002", "decline", "generic_decline"),
    "pm_card_chargeDeclinedInsufficientFunds": ("visa", "9995", "decline", "insufficient_funds"),
    "pm_card_authenticationRequired": ("visa", "3184", "authenticate", ""),
}
CANCELABLE = {
    "requires_payment_method",
    "requires_capture",
    "requires_confirmation",
    "requires_action",
    "processing",
}


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def fail(status: int, message: str, **fields: Any) -> Answer:
    return status, {"error": {"type": "invalid_request_error", "message": message, **fields}}


def missing(kind: str, object_id: str, param: str) -> Answer:
    return fail(404, f"No such {kind}: '{object_id}'", code="resource_missing", param=param)


def unexpected_state(intent: dict[str, Any], action: str, allowed: str) -> Answer:
    return fail(
        400,
        f"This PaymentIntent could not be {action} because it has a status of "
        f"{intent['status']}. Only a PaymentIntent with one of the following statuses may "
        f"be {action}: {allowed}.",
        code="payment_intent_unexpected_state",
        payment_intent=copy.deepcopy(intent),
    )


def truthy(value: Any) -> bool:
    return str(value).lower() in {"true", "1", "one_off", "recurring"}


class StandinState:
    def __init__(self) -> None:
        self.intents: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.customers: dict[str, dict[str, Any]] = {}
        self.methods: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self.request: dict[str, Any] = {"id": None, "idempotency_key": None}

    def emit(self, type_: str, obj: dict[str, Any]) -> dict[str, Any]:
        event = {
            "id": new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": int(time.time()),
            "data": {"object": copy.deepcopy(obj)},
            "livemode": False,
            "pending_webhooks": 1,
            "request": dict(self.request),
            "type": type_,
        }
        self.events.append(event)
        return event

    # --- PaymentIntents -----------------------------------------------------------------
    def create_intent(self, params: dict[str, Any]) -> Answer:
        try:
            amount = int(params["amount"])
            currency = params["currency"]
        except (KeyError, ValueError):
            return fail(400, "Missing required param: amount.", code="parameter_missing")
        if amount < 50:
            return fail(400, "Amount must be at least 50 cents", code="amount_too_small")
        customer = params.get("customer")
        if customer and customer not in self.customers:
            return missing("customer", customer, "customer")
        intent_id = new_id("pi")
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": 0,
            "amount_received": 0,
            "canceled_at": None,
            "cancellation_reason": None,
            "capture_method": params.get("capture_method", "automatic_async"),
            "client_secret": f"{intent_id}_secret_{secrets.token_hex(12)}",
            "confirmation_method": "automatic",
            "created": int(time.time()),
            "currency": currency.lower(),
            "customer": customer,
            "description": params.get("description"),
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": params.get("metadata") or {},
            "next_action": None,
            "payment_method": None,
            "payment_method_types": params.get("payment_method_types") or ["card"],
            "setup_future_usage": params.get("setup_future_usage"),
            "status": "requires_payment_method",
        }
        self.intents[intent_id] = intent
        self.emit("payment_intent.created", intent)
        if truthy(params.get("confirm")):
            return self._confirm(intent, params)
        return 200, copy.deepcopy(intent)

    def get_intent(self, params: dict[str, Any], intent_id: str) -> Answer:
        intent = self.intents.get(intent_id)
        if intent is None:
            return missing("payment_intent", intent_id, "intent")
        return 200, copy.deepcopy(intent)

    def confirm_intent(self, params: dict[str, Any], intent_id: str) -> Answer:
        intent = self.intents.get(intent_id)
        if intent is None:
            return missing("payment_intent", intent_id, "intent")
        if intent["status"] not in {"requires_payment_method", "requires_confirmation"}:
            return unexpected_state(intent, "confirmed", "requires_payment_method")
        return self._confirm(intent, params)

    def _method(self, token: str, customer: str | None) -> dict[str, Any] | None:
        if token in self.methods:
            return self.methods[token]
        card = TEST_CARDS.get(token)
        if card is None:
            return None
        brand, last4, behaviour, decline_code = card
        method = {
            "id": new_id("pm"),
            "object": "payment_method",
            "type": "card",
            "card": {"brand": brand, "last4": last4, "exp_month": 12, "exp_year": 2034},
            "customer": None,
            "created": int(time.time()),
            "livemode": False,
            "metadata": {},
            # the stand-in's own note of how this card behaves (Stripe keeps this to itself)
            "_behaviour": behaviour,
            "_decline_code": decline_code,
        }
        self.methods[method["id"]] = method
        return method

    def _confirm(self, intent: dict[str, Any], params: dict[str, Any]) -> Answer:
        token = params.get("payment_method") or intent["payment_method"]
        if not token:
            return fail(400, "You must provide a payment method.", code="payment_method_required")
        method = self._method(token, intent["customer"])
        if method is None:
            return missing("payment_method", token, "payment_method")
        if method["customer"] and method["customer"] != intent["customer"]:
            return fail(
                400,
                "The provided PaymentMethod belongs to a Customer; please provide that "
                "Customer's id as the customer parameter.",
                param="payment_method",
            )
        intent["payment_method"] = method["id"]
        intent["last_payment_error"] = None
        off_session = truthy(params.get("off_session"))
        behaviour = method["_behaviour"]
        if behaviour == "decline":
            return self._decline(intent, method, "card_declined", method["_decline_code"])
        if behaviour == "authenticate" and off_session:
            return self._decline(
                intent, method, "authentication_required", "authentication_required"
            )
        if behaviour == "authenticate":
            intent["status"] = "requires_action"
            return_url = params.get("return_url")
            intent["next_action"] = (
                {
                    "type": "redirect_to_url",
                    "redirect_to_url": {
                        "url": f"https://hooks.stripe.com/3d_secure_2/hosted?intent={intent['id']}",
                        "return_url": return_url,
                    },
                }
                if return_url
                else {
                    "type": "use_stripe_sdk",
                    "use_stripe_sdk": {"type": "three_d_secure_redirect"},
                }
            )
            self.emit("payment_intent.requires_action", intent)
            return 200, copy.deepcopy(intent)
        self._authorise(intent)
        return 200, copy.deepcopy(intent)

    def _decline(
        self, intent: dict[str, Any], method: dict[str, Any], code: str, decline_code: str
    ) -> Answer:
        message = (
            "Your card was declined. This transaction requires authentication."
            if code == "authentication_required"
            else "Your card was declined."
        )
        error = {
            "type": "card_error",
            "code": code,
            "decline_code": decline_code,
            "message": message,
            "payment_method": self._public(method),
        }
        intent["status"] = "requires_payment_method"
        intent["last_payment_error"] = error
        intent["next_action"] = None
        self.emit("payment_intent.payment_failed", intent)
        return 402, {"error": {**error, "payment_intent": copy.deepcopy(intent)}}

    def _authorise(self, intent: dict[str, Any]) -> None:
        method = self.methods[intent["payment_method"]]
        if intent["customer"] and intent["setup_future_usage"]:
            method["customer"] = intent["customer"]
        manual = intent["capture_method"] == "manual"
        charge = {
            "id": new_id("ch"),
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": 0 if manual else intent["amount"],
            "amount_refunded": 0,
            "captured": not manual,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "payment_method": method["id"],
            "refunded": False,
            "status": "succeeded",
        }
        self.charges[charge["id"]] = charge
        intent.update(latest_charge=charge["id"], next_action=None)
        if manual:
            intent.update(status="requires_capture", amount_capturable=intent["amount"])
            self.emit("payment_intent.amount_capturable_updated", intent)
        else:
            intent.update(status="succeeded", amount_received=intent["amount"])
            self.emit("payment_intent.succeeded", intent)

    def finish_authentication(self, intent_id: str, *, succeed: bool) -> dict[str, Any]:
        intent = self.intents[intent_id]
        assert intent["status"] == "requires_action", intent["status"]
        if succeed:
            self._authorise(intent)
        else:
            intent.update(status="requires_payment_method", next_action=None)
            intent["last_payment_error"] = {
                "type": "card_error",
                "code": "payment_intent_authentication_failure",
                "message": "The provided PaymentMethod has failed authentication.",
            }
            self.emit("payment_intent.payment_failed", intent)
        return copy.deepcopy(intent)

    def capture_intent(self, params: dict[str, Any], intent_id: str) -> Answer:
        intent = self.intents.get(intent_id)
        if intent is None:
            return missing("payment_intent", intent_id, "intent")
        if intent["status"] != "requires_capture":
            return unexpected_state(intent, "captured", "requires_capture")
        amount = int(params.get("amount_to_capture") or intent["amount_capturable"])
        if amount > intent["amount_capturable"]:
            return fail(
                400,
                "The amount_to_capture must be less than or equal to the amount_capturable.",
                code="amount_too_large",
                param="amount_to_capture",
            )
        charge = self.charges[intent["latest_charge"]]
        charge.update(amount_captured=amount, captured=True)
        intent.update(status="succeeded", amount_received=amount, amount_capturable=0)
        self.emit("payment_intent.succeeded", intent)
        return 200, copy.deepcopy(intent)

    def cancel_intent(self, params: dict[str, Any], intent_id: str) -> Answer:
        intent = self.intents.get(intent_id)
        if intent is None:
            return missing("payment_intent", intent_id, "intent")
        if intent["status"] not in CANCELABLE:
            return unexpected_state(intent, "canceled", ", ".join(sorted(CANCELABLE)))
        intent.update(
            status="canceled",
            amount_capturable=0,
            canceled_at=int(time.time()),
            cancellation_reason=params.get("cancellation_reason") or "requested_by_customer",
            next_action=None,
        )
        self.emit("payment_intent.canceled", intent)
        return 200, copy.deepcopy(intent)

    # --- Refunds ------------------------------------------------------------------------
    def create_refund(self, params: dict[str, Any]) -> Answer:
        intent_id = params.get("payment_intent", "")
        intent = self.intents.get(intent_id)
        if intent is None:
            return missing("payment_intent", intent_id, "payment_intent")
        charge = self.charges.get(intent["latest_charge"] or "")
        if intent["status"] != "succeeded" or charge is None:
            return fail(
                400,
                f"This PaymentIntent ({intent_id}) does not have a successful charge to refund.",
                code="charge_not_refundable",
            )
        remaining = charge["amount_captured"] - charge["amount_refunded"]
        if remaining <= 0:
            return fail(
                400,
                f"Charge {charge['id']} has already been refunded.",
                code="charge_already_refunded",
            )
        amount = int(params.get("amount") or remaining)
        if amount > remaining:
            return fail(
                400,
                f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                f"({remaining})",
                code="amount_too_large",
                param="amount",
            )
        refund = {
            "id": new_id("re"),
            "object": "refund",
            "amount": amount,
            "charge": charge["id"],
            "created": int(time.time()),
            "currency": intent["currency"],
            "metadata": params.get("metadata") or {},
            "payment_intent": intent_id,
            "reason": params.get("reason"),
            "status": "succeeded",
        }
        self.refunds[refund["id"]] = refund
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount_captured"]
        self.emit("refund.created", refund)
        self.emit("charge.refunded", charge)
        return 200, copy.deepcopy(refund)

    def get_refund(self, params: dict[str, Any], refund_id: str) -> Answer:
        refund = self.refunds.get(refund_id)
        return (200, copy.deepcopy(refund)) if refund else missing("refund", refund_id, "refund")

    # --- Customers, payment methods, events ---------------------------------------------
    def create_customer(self, params: dict[str, Any]) -> Answer:
        customer = {
            "id": new_id("cus"),
            "object": "customer",
            "created": int(time.time()),
            "email": params.get("email"),
            "name": params.get("name"),
            "livemode": False,
            "metadata": params.get("metadata") or {},
        }
        self.customers[customer["id"]] = customer
        return 200, copy.deepcopy(customer)

    def list_customers(self, params: dict[str, Any]) -> Answer:
        found = [c for c in self.customers.values() if c["email"] == params.get("email")]
        limit = int(params.get("limit") or 10)
        return 200, {
            "object": "list",
            "data": copy.deepcopy(found[:limit]),
            "has_more": len(found) > limit,
            "url": "/v1/customers",
        }

    def get_payment_method(self, params: dict[str, Any], method_id: str) -> Answer:
        method = self.methods.get(method_id)
        if method is None:
            return missing("payment_method", method_id, "payment_method")
        return 200, self._public(method)

    @staticmethod
    def _public(method: dict[str, Any]) -> dict[str, Any]:
        return {k: copy.deepcopy(v) for k, v in method.items() if not k.startswith("_")}
