"""The ``sandbox`` provider: offline payments that behave like Stripe's test mode.

No real money and no network. Objects (payment intents, refunds) are kept in a small SQLite
file of their own (``PAYMENT_SANDBOX_PATH``, default ``<var>/payments-sandbox.sqlite3``), so
every process of one host — the web server, the worker — sees the same ones. It is a test
double, not a bank: on several hosts, each has its own.

Test cards (numbers, with or without spaces, or Stripe's ``pm_card_*`` ids):

======================  ==========================================  ======================
4242 4242 4242 4242     ``pm_card_visa``                            succeeds
5555 5555 5555 4444     ``pm_card_mastercard``                      succeeds
4000 0000 0000 0002     ``pm_card_chargeDeclined``                  declined, card_declined
4000 0000 0000 9995     ``pm_card_chargeDeclinedInsufficientFunds`` declined, insufficient_funds
4000 0000 0000 0069     ``pm_card_chargeDeclinedExpiredCard``       declined, expired_card
4000 0025 0000 3155     ``pm_card_authenticationRequired``          asks for authentication
======================  ==========================================  ======================

A number failing the Luhn check is ``incorrect_number``; any other valid number is declined
(test mode takes test cards only). The authentication card asks again on every on-session
payment; off-session (a saved card, after the first payment was authenticated) it succeeds,
as on Stripe. ``complete_challenge`` plays the customer's bank on the local challenge page.

Stripe's rules are kept: ids are derived from the idempotency key (``sbx_pi_...``,
``sbx_re_...``) and a key used again returns the first answer (with other parameters it is
refused); capture at most what was authorised, the rest released; cancel only what is not
finished; refund at most what was received less what was refunded.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings

from midas.payments.interface import ChargeRequest, ProviderResult
from midas.payments.providers.base import refused

Intent = dict[str, Any]

SUCCEED, AUTHENTICATE = "succeed", "authenticate"
TEST_CARDS: dict[str, tuple[str, str]] = {  # number → (pm id, behaviour)
    "4242424242424242": ("pm_card_visa", SUCCEED),
    "5555555555554444": ("pm_card_mastercard", SUCCEED),
    "4000000000000002": ("pm_card_chargeDeclined", "card_declined"),
    "4000000000009995": ("pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds"),
    "4000000000000069": ("pm_card_chargeDeclinedExpiredCard", "expired_card"),
    "4000002500003155": ("pm_card_authenticationRequired", AUTHENTICATE),
}
BEHAVIOUR_BY_METHOD = dict(TEST_CARDS.values())
DECLINE_MESSAGES = {
    "card_declined": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
    "expired_card": "Your card has expired.",
    "incorrect_number": "Your card number is incorrect.",
    "test_mode_live_card": (
        "Your card was declined: payments are in test mode, which takes test cards only "
        "(e.g. 4242 4242 4242 4242)."
    ),
    "invalid_payment_method": "That payment method is not known to the sandbox.",
    "payment_intent_authentication_failure": (
        "We are unable to authenticate your payment method. Please choose a different "
        "payment method and try again."
    ),
}
OPEN_STATUSES = {"requires_capture", "requires_action", "requires_payment_method"}


def luhn_ok(digits: str) -> bool:
    if not digits.isdigit() or not 12 <= len(digits) <= 19:
        return False
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def resolve_method(payment_method: str) -> tuple[str, str]:
    """``(pm id, behaviour)`` of a test card number or a ``pm_card_*`` id. The behaviour is
    ``succeed``, ``authenticate`` or a decline code. A card number is never stored."""
    value = "".join((payment_method or "").split()).replace("-", "")
    if value.startswith("pm_"):
        return value, BEHAVIOUR_BY_METHOD.get(value, "invalid_payment_method")
    if not luhn_ok(value):
        return "", "incorrect_number"
    if value in TEST_CARDS:
        return TEST_CARDS[value]
    return f"pm_card_live_{value[-4:]}", "test_mode_live_card"


def object_id(prefix: str, idempotency_key: str) -> str:
    return f"sbx_{prefix}_{hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]}"


def store_path() -> Path:
    configured = settings.PAYMENT_SANDBOX_PATH
    return Path(configured) if configured else Path(settings.VAR_DIR) / "payments-sandbox.sqlite3"


_kept = threading.local()  # this thread's connection to the sandbox's file: (pid, path, conn)


def _connection(path: Path) -> sqlite3.Connection:
    """This thread's open connection to ``path`` (one per thread and process, the tables made
    once). Opening one per call cost more than the call: the last connection to close a WAL
    database checkpoints it and deletes its -wal and -shm files, and the next one makes them
    again. A forked child never uses its parent's connection (the pid is checked)."""
    kept = getattr(_kept, "conn", None)
    if kept is not None and kept[0] == os.getpid() and kept[1] == path:
        return kept[2]
    if kept is not None and kept[0] == os.getpid():
        kept[2].close()  # another file (the tests give each test its own)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE IF NOT EXISTS objects (id TEXT PRIMARY KEY, data TEXT)")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, params TEXT, reply TEXT)"
    )
    _kept.conn = (os.getpid(), path, conn)
    return conn


@contextmanager
def store() -> Iterator[sqlite3.Connection]:
    """One write transaction on the sandbox's file (IMMEDIATE: one writer at a time)."""
    conn = _connection(store_path())
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _get(conn: sqlite3.Connection, object_id_: str) -> Intent | None:
    row = conn.execute("SELECT data FROM objects WHERE id = ?", (object_id_,)).fetchone()
    return json.loads(row[0]) if row else None


def _put(conn: sqlite3.Connection, obj: Intent) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO objects (id, data) VALUES (?, ?)", (obj["id"], json.dumps(obj))
    )


def _must_get(conn: sqlite3.Connection, object_id_: str) -> Intent:
    obj = _get(conn, object_id_)
    if obj is None:
        raise refused(f"No such object: {object_id_!r}")
    return obj


def intent_result(intent: Intent) -> ProviderResult:
    status = intent["status"]
    amount = intent["amount"]
    if status == "succeeded":
        amount = intent["amount_received"]
    elif status == "requires_capture":
        amount = intent["amount_capturable"]
    failed = status == "requires_payment_method"  # only ever after a failed attempt here
    return ProviderResult(
        provider_ref=intent["id"],
        status="failed" if failed else status,
        amount_minor=amount,
        currency=intent["currency"],
        failure_code=intent.get("failure_code", "") if failed else "",
        failure_message=intent.get("failure_message", "") if failed else "",
        payment_method=intent.get("payment_method", ""),
    )


def refund_result(refund: Intent) -> ProviderResult:
    return ProviderResult(
        provider_ref=refund["id"],
        status=refund["status"],
        amount_minor=refund["amount"],
        currency=refund["currency"],
    )


def result_of(obj: Intent) -> ProviderResult:
    return refund_result(obj) if obj["object"] == "refund" else intent_result(obj)


class SandboxProvider:
    name = "sandbox"

    # --- idempotency: a key answers the same way every time -------------------------------
    def _once(self, key: str, params: dict[str, Any], make: Any) -> ProviderResult:
        fingerprint = json.dumps(params, sort_keys=True)
        with store() as conn:
            row = conn.execute("SELECT params, reply FROM replies WHERE key = ?", (key,)).fetchone()
            if row is not None:
                if row[0] != fingerprint:
                    raise refused(
                        "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with."
                    )
                return ProviderResult(**json.loads(row[1]))
            result: ProviderResult = make(conn)
            conn.execute(
                "INSERT INTO replies (key, params, reply) VALUES (?, ?, ?)",
                (key, fingerprint, json.dumps(result.__dict__)),
            )
            return result

    # --- charge: a payment, or a hold with capture=False ----------------------------------
    def charge(self, request: ChargeRequest) -> ProviderResult:
        method, behaviour = resolve_method(request.payment_method)
        params = {
            "op": "charge",
            "amount": request.amount_minor,
            "currency": request.currency,
            "method": method or "invalid",
            "capture": request.capture,
            "off_session": request.off_session,
        }
        if request.amount_minor <= 0:
            raise refused("The amount must be a positive integer of minor units.")

        def make(conn: sqlite3.Connection) -> ProviderResult:
            intent: Intent = {
                "id": object_id("pi", request.idempotency_key),
                "object": "payment_intent",
                "amount": request.amount_minor,
                "currency": request.currency.upper(),
                "capture_method": "automatic" if request.capture else "manual",
                "payment_method": method,
                "reference": request.reference,
                "amount_capturable": 0,
                "amount_received": 0,
                "amount_refunded": 0,
                "status": "requires_payment_method",
            }
            if behaviour == AUTHENTICATE and not request.off_session:
                intent["status"] = "requires_action"
            elif behaviour in (SUCCEED, AUTHENTICATE):
                self._authorise(intent)
            else:
                intent["failure_code"] = behaviour
                intent["failure_message"] = DECLINE_MESSAGES.get(behaviour, "declined")
            _put(conn, intent)
            return intent_result(intent)

        return self._once(request.idempotency_key, params, make)

    @staticmethod
    def _authorise(intent: Intent) -> None:
        intent.pop("failure_code", None)
        intent.pop("failure_message", None)
        if intent["capture_method"] == "automatic":
            intent["status"] = "succeeded"
            intent["amount_received"] = intent["amount"]
        else:
            intent["status"] = "requires_capture"
            intent["amount_capturable"] = intent["amount"]

    def complete_challenge(self, provider_ref: str, *, approve: bool) -> ProviderResult:
        """The customer passes (or fails) the bank's check on the challenge page. Only an
        intent waiting for it changes; asked again, the current state is returned."""
        with store() as conn:
            intent = _must_get(conn, provider_ref)
            if intent["status"] == "requires_action":
                if approve:
                    self._authorise(intent)
                else:
                    intent["status"] = "requires_payment_method"
                    intent["failure_code"] = "payment_intent_authentication_failure"
                    intent["failure_message"] = DECLINE_MESSAGES[intent["failure_code"]]
                _put(conn, intent)
            return intent_result(intent)

    # --- read ---------------------------------------------------------------------------
    def retrieve(self, provider_ref: str) -> ProviderResult:
        with store() as conn:
            return result_of(_must_get(conn, provider_ref))

    def object(self, provider_ref: str) -> Intent | None:
        """The stored object itself (tests reconcile the ledger against it)."""
        with store() as conn:
            return _get(conn, provider_ref)

    # --- deposit: capture part or all (the rest is released), or release ----------------
    def capture(self, provider_ref: str, amount_minor: int, idempotency_key: str) -> ProviderResult:
        if amount_minor <= 0:
            return self.cancel(provider_ref, idempotency_key)

        def make(conn: sqlite3.Connection) -> ProviderResult:
            intent = _must_get(conn, provider_ref)
            if intent["status"] != "requires_capture":
                raise refused(
                    "This PaymentIntent could not be captured because it has a status of "
                    f"{intent['status']}."
                )
            if amount_minor > intent["amount_capturable"]:
                raise refused("The amount to capture exceeds the amount capturable.")
            intent.update(status="succeeded", amount_received=amount_minor, amount_capturable=0)
            _put(conn, intent)
            return intent_result(intent)

        params = {"op": "capture", "ref": provider_ref, "amount": amount_minor}
        return self._once(idempotency_key, params, make)

    def cancel(self, provider_ref: str, idempotency_key: str) -> ProviderResult:
        def make(conn: sqlite3.Connection) -> ProviderResult:
            intent = _must_get(conn, provider_ref)
            if intent["status"] not in OPEN_STATUSES:
                raise refused(
                    "You cannot cancel this PaymentIntent because it has a status of "
                    f"{intent['status']}."
                )
            held = intent["amount_capturable"] or intent["amount"]
            intent.update(status="canceled", amount_capturable=0)
            _put(conn, intent)
            return ProviderResult(intent["id"], "canceled", held, intent["currency"])

        return self._once(idempotency_key, {"op": "cancel", "ref": provider_ref}, make)

    # --- refund -------------------------------------------------------------------------
    def refund(self, provider_ref: str, amount_minor: int, idempotency_key: str) -> ProviderResult:
        def make(conn: sqlite3.Connection) -> ProviderResult:
            intent = _must_get(conn, provider_ref)
            if intent["status"] != "succeeded":
                raise refused(f"This PaymentIntent has no charge to refund ({intent['status']}).")
            left = intent["amount_received"] - intent["amount_refunded"]
            if not 0 < amount_minor <= left:
                raise refused(
                    f"Refund amount ({amount_minor}) is greater than unrefunded amount on "
                    f"charge ({left})."
                )
            intent["amount_refunded"] += amount_minor
            refund = {
                "id": object_id("re", idempotency_key),
                "object": "refund",
                "payment_intent": provider_ref,
                "amount": amount_minor,
                "currency": intent["currency"],
                "status": "succeeded",
            }
            _put(conn, intent)
            _put(conn, refund)
            return refund_result(refund)

        params = {"op": "refund", "ref": provider_ref, "amount": amount_minor}
        return self._once(idempotency_key, params, make)
