"""The launch room's outside services for the drill: Slack and PagerDuty on loopback.

The drill cannot reach Slack or PagerDuty, and must not: it is a rehearsal. ``Room`` is one
small HTTP server on 127.0.0.1 that answers as their documented APIs do and keeps what
arrived, so the drill reads what the team was actually told, over HTTP, through the outbox
worker with its retries:

- ``POST /slack`` — a Slack incoming webhook: answers ``200 ok`` and keeps the JSON payload;
- ``POST /v2/enqueue`` — PagerDuty's Events API v2: checks the ``routing_key`` and the
  ``event_action``, answers ``202 {"status": "success", "message": "Event processed",
  "dedup_key": ...}``, keeps the event (an invalid one gets PagerDuty's 400);
- the on-call person's phone: ``acknowledge(dedup_key, agent)`` does what PagerDuty does when
  someone taps *Acknowledge* — a Webhooks V3 ``incident.acknowledged`` POST to Midas, signed
  ``X-PagerDuty-Signature: v1=<HMAC-SHA256>`` with the subscription's secret.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import secrets
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ROUTING_KEY = "drill-routing-key-0000000000000000"


@dataclass
class Room:
    url: str = ""
    webhook_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    slack: list[dict[str, Any]] = field(default_factory=list)
    pages: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def settings(self) -> dict[str, Any]:
        """What points the deployment at the room (``override_settings``)."""
        return {
            "SLACK_WEBHOOK_URL": f"{self.url}/slack",
            "PAGERDUTY_API_URL": f"{self.url}/v2/enqueue",
            "PAGERDUTY_ROUTING_KEY": ROUTING_KEY,
            "PAGERDUTY_WEBHOOK_SECRET": self.webhook_secret,
        }

    def said(self) -> list[str]:
        """Every Slack message's text, in arrival order."""
        with self.lock:
            return [str(p.get("text", "")) for p in self.slack]

    def paged(self, action: str = "trigger") -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.pages if e.get("event_action") == action]

    def acknowledge(self, *, dedup_key: str, agent: str, site_url: str, at: dt.datetime) -> int:
        """The on-call person acknowledges the alert in the PagerDuty app: PagerDuty's
        ``incident.acknowledged`` webhook to Midas. Returns Midas's HTTP status."""
        body = json.dumps(
            {
                "event": {
                    "id": f"01{secrets.token_hex(12).upper()}",
                    "event_type": "incident.acknowledged",
                    "resource_type": "incident",
                    "occurred_at": at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
                    "agent": {
                        "id": "PDRILL1",
                        "type": "user_reference",
                        "summary": agent,
                        "html_url": "https://midas.pagerduty.com/users/PDRILL1",
                    },
                    "client": None,
                    "data": {
                        "id": "QDRILL" + secrets.token_hex(4).upper(),
                        "type": "incident",
                        "number": 1,
                        "status": "acknowledged",
                        "incident_key": dedup_key,
                        "title": "drill",
                        "html_url": "https://midas.pagerduty.com/incidents/QDRILL",
                    },
                }
            }
        ).encode()
        digest = hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
        request = urllib.request.Request(  # noqa: S310 - loopback, the drill's own server
            f"{site_url.rstrip('/')}/launch/pagerduty/webhook",
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "PagerDuty-Webhook/V3.0",
                "X-PagerDuty-Signature": f"v1={digest}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                return answer.status
        except urllib.error.HTTPError as exc:
            return exc.code


def _handler(room: Room) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                payload = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                payload = None
            if self.path == "/slack":
                if not isinstance(payload, dict) or not payload.get("text"):
                    self._answer(400, b"invalid_payload", "text/plain")
                    return
                with room.lock:
                    room.slack.append(payload)
                self._answer(200, b"ok", "text/plain")
            elif self.path == "/v2/enqueue":
                valid = (
                    isinstance(payload, dict)
                    and payload.get("routing_key") == ROUTING_KEY
                    and payload.get("event_action") in ("trigger", "acknowledge", "resolve")
                    and payload.get("dedup_key")
                )
                if not valid:
                    body = {"status": "invalid event", "message": "Event object is invalid"}
                    self._answer(400, json.dumps(body).encode(), "application/json")
                    return
                with room.lock:
                    room.pages.append({k: v for k, v in payload.items() if k != "routing_key"})
                body = {
                    "status": "success",
                    "message": "Event processed",
                    "dedup_key": payload["dedup_key"],
                }
                self._answer(202, json.dumps(body).encode(), "application/json")
            else:
                self._answer(404, b"not found", "text/plain")

    return Handler


@contextlib.contextmanager
def room() -> Iterator[Room]:
    """The room on a free loopback port for the drill's length."""
    kept = Room()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(kept))
    kept.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="drill-room", daemon=True)
    thread.start()
    try:
        yield kept
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
