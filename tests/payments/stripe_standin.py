"""A local stand-in of the Stripe API endpoints our provider calls, and signed webhooks.

A threaded ``http.server`` on ``127.0.0.1:<free port>`` that answers like Stripe's API
reference says: form-encoded requests (``metadata[k]=v``, ``payment_method_types[0]=card``),
``Authorization: Bearer sk_test_...``, ``Idempotency-Key`` replay (same key and parameters →
the saved answer with ``Idempotent-Replayed: true``; other parameters → 400
``idempotency_error``), and JSON objects shaped as Stripe's: PaymentIntent, Refund, Customer,
PaymentMethod, Event, list, and error objects with ``type``/``code``/``decline_code``.

Test cards (Stripe's test PaymentMethod tokens; each use mints a ``pm_...`` of that card):
``pm_card_visa`` succeeds; ``pm_card_chargeDeclined`` is declined (``generic_decline``);
``pm_card_chargeDeclinedInsufficientFunds`` (``insufficient_funds``);
``pm_card_authenticationRequired`` asks for 3-D Secure on every payment (on-session:
``requires_action``; off-session: a ``card_error`` with ``authentication_required``).

State changes record Stripe events (``standin.events``); ``signed(event)`` gives the body and
a real ``Stripe-Signature`` header, ``deliver(client, event)`` posts it to our endpoint.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.payments.stripe_standin_objects import StandinState

SECRET_KEY = "sk_test_standin_51Midas"
WEBHOOK_SECRET = "whsec_standin_midas"
WEBHOOK_PATH = "/api/v1/payments/stripe/webhook"
Answer = tuple[int, dict[str, Any]]


def decode_form(body: str) -> dict[str, Any]:
    """Stripe's form encoding back to nested data: ``a[b][0]=x`` → ``{"a": {"b": ["x"]}}``."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+|\[\]", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    node = {key: _lists(value) for key, value in node.items()}
    if node and all(key.isdigit() for key in node):
        return [node[key] for key in sorted(node, key=int)]
    return node


def error(status: int, type_: str, message: str, **fields: Any) -> Answer:
    return status, {"error": {"type": type_, "message": message, **fields}}


class StripeStandin:
    """The server. ``state`` holds the objects; ``requests`` logs what our code sent."""

    def __init__(self, api_key: str = SECRET_KEY) -> None:
        self.api_key = api_key
        self.state = StandinState()
        self.requests: list[dict[str, Any]] = []
        self._failures: list[int] = []
        self._saved: dict[str, tuple[str, str, dict[str, Any], Answer]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    # --- lifecycle ----------------------------------------------------------------------
    def start(self) -> StripeStandin:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                standin._serve(self)

            do_POST = do_DELETE = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.state.events

    def intents_created(self) -> int:
        return len(self.state.intents)

    # --- HTTP ---------------------------------------------------------------------------
    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode() if length else ""
        url = urlsplit(handler.path)
        params = decode_form(body if handler.command == "POST" else url.query)
        key = handler.headers.get("Idempotency-Key", "")
        with self._lock:
            self.requests.append(
                {"method": handler.command, "path": url.path, "params": params, "key": key}
            )
            (status, payload), replayed = self._answer(handler, url.path, params, key)
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("Request-Id", f"req_{secrets.token_hex(7)}")
        if key:
            handler.send_header("Idempotency-Key", key)
        if replayed:
            handler.send_header("Idempotent-Replayed", "true")
        handler.end_headers()
        handler.wfile.write(data)

    def _answer(
        self, handler: BaseHTTPRequestHandler, path: str, params: dict[str, Any], key: str
    ) -> tuple[Answer, bool]:
        if self._failures:  # an outage before the endpoint runs: nothing saved, nothing done
            return error(self._failures.pop(0), "api_error", "An unknown error occurred"), False
        auth = handler.headers.get("Authorization", "")
        if auth != f"Bearer {self.api_key}":
            shown = auth.removeprefix("Bearer ")[:12]
            return error(
                401, "invalid_request_error", f"Invalid API Key provided: {shown}***"
            ), False
        method = handler.command
        if method == "POST" and key:
            saved = self._saved.get(key)
            if saved is not None:
                if saved[:3] != (method, path, params):
                    return error(
                        400,
                        "idempotency_error",
                        "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with. Try using a key other than "
                        f"'{key}' if you meant to execute a different request.",
                    ), False
                return copy.deepcopy(saved[3]), True
        self.state.request = {"id": f"req_{secrets.token_hex(7)}", "idempotency_key": key or None}
        answer = self._route(method, path, params)
        # Stripe saves the answer once the endpoint has begun executing: successes and card
        # errors are replayed; a request refused up front (validation, state) is not saved.
        if method == "POST" and key and answer[0] in (200, 402):
            self._saved[key] = (method, path, params, copy.deepcopy(answer))
        return answer, False

    def _route(self, method: str, path: str, params: dict[str, Any]) -> Answer:
        s = self.state
        routes: list[tuple[str, str, Any]] = [
            ("POST", r"/v1/payment_intents", s.create_intent),
            ("GET", r"/v1/payment_intents/(pi_\w+)", s.get_intent),
            ("POST", r"/v1/payment_intents/(pi_\w+)/confirm", s.confirm_intent),
            ("POST", r"/v1/payment_intents/(pi_\w+)/capture", s.capture_intent),
            ("POST", r"/v1/payment_intents/(pi_\w+)/cancel", s.cancel_intent),
            ("POST", r"/v1/refunds", s.create_refund),
            ("GET", r"/v1/refunds/(re_\w+)", s.get_refund),
            ("POST", r"/v1/customers", s.create_customer),
            ("GET", r"/v1/customers", s.list_customers),
            ("GET", r"/v1/payment_methods/(pm_\w+)", s.get_payment_method),
        ]
        for verb, pattern, operation in routes:
            match = re.fullmatch(pattern, path)
            if verb == method and match:
                return operation(params, *match.groups())
        return error(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")

    # --- test helpers -------------------------------------------------------------------
    def authenticate(self, intent_id: str, *, succeed: bool = True) -> dict[str, Any]:
        """The customer completes (or fails) the 3-D Secure challenge of an intent."""
        with self._lock:
            return self.state.finish_authentication(intent_id, succeed=succeed)

    def fail_next(self, status: int = 500, times: int = 1) -> None:
        """Answer the next ``times`` requests with ``status`` without running them."""
        self._failures.extend([status] * times)

    def events_of(self, object_id: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["data"]["object"].get("id") == object_id]


def signature_header(
    payload: str, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None
) -> str:
    """Stripe's scheme: ``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<payload>">``."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def signed(event: dict[str, Any], **options: Any) -> tuple[str, str]:
    """An event's body as Stripe sends it, and its ``Stripe-Signature`` header."""
    payload = json.dumps(event, indent=2)
    return payload, signature_header(payload, **options)


def deliver(client: Any, event: dict[str, Any], **options: Any) -> Any:
    """POST a signed event to our webhook endpoint with a Django test client."""
    payload, header = signed(event, **options)
    return client.post(
        WEBHOOK_PATH, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


@contextlib.contextmanager
def running_standin(settings: Any) -> Iterator[StripeStandin]:
    """Start a stand-in and point the Stripe settings at it (pytest-django ``settings``)."""
    standin = StripeStandin().start()
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_API_BASE = standin.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_standin_51Midas"
    settings.PAYMENT_PROVIDER = "stripe"
    try:
        yield standin
    finally:
        standin.stop()
