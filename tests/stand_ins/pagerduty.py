"""A stand-in for PagerDuty's Events API v2 (``POST /v2/enqueue``) on 127.0.0.1, for tests:
a threaded HTTP server that checks each event as PagerDuty documents it, records it, keeps
the alerts it opened (by ``dedup_key``: triggered → acknowledged → resolved), and answers
from a script (202 ``{"status": "success", "message": "Event processed", "dedup_key"}`` by
default).

    with PagerDutyStandIn() as pager:
        pager.script(500, 429)              # the next two answers, then 202 again
        settings.PAGERDUTY_API_URL = pager.url
        ...
        assert pager.alerts["midas-incident-4"] == "acknowledged"

PagerDuty's rules kept here: ``routing_key`` and ``event_action`` (trigger, acknowledge,
resolve) are required; a trigger needs ``payload.summary`` (at most 1024 characters),
``payload.source`` and ``payload.severity`` (critical, error, warning, info); ``dedup_key``
at most 255 characters. A broken event is a 400 ``{"status": "invalid event", "message":
"Event object is invalid", "errors": [...]}``. An acknowledge or resolve for no open alert
is accepted and dropped, as PagerDuty does.

The other way, PagerDuty's Webhooks V3: the person on call acknowledges (or resolves) the alert
in the app, and the stand-in POSTs the signed webhook PagerDuty would send to Midas, to a URL
(a live server) or through Django's test client (the exact raw body and header):

    status, answer = pager.acknowledge_in_app(key, to="/launch/pagerduty/webhook",
                                              client=client, secrets=["s3cret"], agent="Ana")

``{"event": {"id", "event_type", "resource_type": "incident", "occurred_at", "agent":
{"id", "type": "user_reference", "summary", "html_url", "self"}, "client", "data": {"id",
"type": "incident", "incident_key" (our dedup_key), "status", "title", "html_url", ...}}}``,
signed ``X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the body>`` once per secret,
comma-separated (several while a secret is rotated).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from tests.stand_ins.server import StandIn

ANSWERS: dict[int, tuple[dict[str, Any], dict[str, str]]] = {
    429: (
        {
            "status": "throttle event",
            "message": "Requests for this service are arriving too quickly. Please retry later.",
        },
        {},
    ),
    500: ({"status": "error", "message": "Internal Server Error"}, {}),
    502: ({"status": "error", "message": "Bad Gateway"}, {}),
    503: ({"status": "error", "message": "Service Unavailable"}, {}),
}
SEVERITIES = {"critical", "error", "warning", "info"}


def problems(event: Any) -> list[str]:
    """What PagerDuty would refuse in ``event`` (empty: a valid event)."""
    if not isinstance(event, dict):
        return ["Event object is not a JSON object"]
    found = []
    if not event.get("routing_key"):
        found.append("'routing_key' is missing or blank")
    action = event.get("event_action")
    if action not in {"trigger", "acknowledge", "resolve"}:
        found.append("'event_action' is invalid")
    if len(str(event.get("dedup_key", ""))) > 255:
        found.append("'dedup_key' is too long")
    if action in {"acknowledge", "resolve"} and not event.get("dedup_key"):
        found.append("'dedup_key' is missing or blank")
    if action == "trigger":
        payload = event.get("payload") or {}
        if not payload.get("summary"):
            found.append("'payload.summary' is missing or blank")
        elif len(payload["summary"]) > 1024:
            found.append("'payload.summary' is too long")
        if not payload.get("source"):
            found.append("'payload.source' is missing or blank")
        if payload.get("severity") not in SEVERITIES:
            found.append("'payload.severity' is invalid")
    return found


def sign(body: bytes, secrets: Sequence[str]) -> str:
    """The ``X-PagerDuty-Signature`` PagerDuty sends: one ``v1=`` per signing secret."""
    return ",".join(
        "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest() for secret in secrets
    )


def webhook_body(
    event_type: str,
    incident_key: str,
    *,
    agent: str = "Ana López",
    agent_type: str = "user_reference",
    occurred_at: dt.datetime | None = None,
    event_id: str = "",
    title: str = "",
) -> bytes:
    """A Webhooks V3 body as PagerDuty documents it, for the incident of ``incident_key``."""
    at = (occurred_at or timezone.now()).astimezone(dt.UTC)  # the tests' pinned clock
    status = event_type.removeprefix("incident.")
    user = "PXPGF42"
    event = {
        "id": event_id or f"01{uuid.uuid4().hex[:24].upper()}",
        "event_type": event_type,
        "resource_type": "incident",
        "occurred_at": at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "agent": {
            "html_url": f"https://midas.pagerduty.com/users/{user}",
            "id": user,
            "self": f"https://api.pagerduty.com/users/{user}",
            "summary": agent,
            "type": agent_type,
        },
        "client": {"name": "PagerDuty"},
        "data": {
            "id": "Q2KPX7YB1ACDE",
            "type": "incident",
            "self": "https://api.pagerduty.com/incidents/Q2KPX7YB1ACDE",
            "html_url": "https://midas.pagerduty.com/incidents/Q2KPX7YB1ACDE",
            "number": 42,
            "status": status,
            "incident_key": incident_key,
            "created_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "title": title or f"Alert {incident_key}",
            "urgency": "high",
            "service": {
                "id": "PIJ90N7",
                "type": "service_reference",
                "summary": "Midas launch",
                "html_url": "https://midas.pagerduty.com/service-directory/PIJ90N7",
            },
        },
    }
    return json.dumps({"event": event}, ensure_ascii=False).encode("utf-8")


class PagerDutyStandIn(StandIn):
    path = "/v2/enqueue"

    def __init__(self) -> None:
        super().__init__()
        self.accepted: list[dict[str, Any]] = []  # the events answered 202, in order
        self.alerts: dict[str, str] = {}  # dedup_key -> triggered | acknowledged | resolved
        self._script: list[tuple[int, dict[str, Any], dict[str, str]]] = []
        self.webhooks: list[tuple[str, str, int]] = []  # (event_type, incident_key, answer)

    def script(self, *answers: int | tuple[int, dict[str, Any], dict[str, str]]) -> None:
        """The next answers, in order: a status (with PagerDuty's usual body), or
        ``(status, body, headers)``. After them: the event is checked and accepted."""
        with self._lock:
            for answer in answers:
                if isinstance(answer, int):
                    body, headers = ANSWERS[answer]
                    self._script.append((answer, dict(body), dict(headers)))
                else:
                    self._script.append(answer)

    def _answer(self, path: str, headers: dict[str, str], body: bytes):
        if path != self.path:
            return 404, {"status": "error", "message": "Not Found"}, {}
        if self._script:
            return self._script.pop(0)
        try:
            event = json.loads(body)
        except ValueError:
            return 400, {"status": "invalid event", "message": "Bad JSON"}, {}
        found = problems(event)
        if found:
            answer = {"status": "invalid event", "message": "Event object is invalid"}
            return 400, {**answer, "errors": found}, {}
        key = event.get("dedup_key") or uuid.uuid4().hex
        self._apply(event["event_action"], key)
        self.accepted.append(event)
        return 202, {"status": "success", "message": "Event processed", "dedup_key": key}, {}

    def _apply(self, action: str, key: str) -> None:
        state = self.alerts.get(key)
        if action == "trigger":
            if state in (None, "resolved"):
                self.alerts[key] = "triggered"
        elif state in ("triggered", "acknowledged"):  # otherwise dropped, as PagerDuty does
            self.alerts[key] = "acknowledged" if action == "acknowledge" else "resolved"

    # --- PagerDuty telling Midas back (Webhooks V3) -----------------------------------------

    def acknowledge_in_app(self, key: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
        """The person on call taps Acknowledge: the alert is acknowledged here, and the
        webhook sent (``send_webhook``'s arguments)."""
        with self._lock:
            if self.alerts.get(key) == "triggered":
                self.alerts[key] = "acknowledged"
        return self.send_webhook("incident.acknowledged", key, **kwargs)

    def resolve_in_app(self, key: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
        with self._lock:
            if self.alerts.get(key) in ("triggered", "acknowledged"):
                self.alerts[key] = "resolved"
        return self.send_webhook("incident.resolved", key, **kwargs)

    def send_webhook(
        self,
        event_type: str,
        key: str,
        *,
        to: str,
        secrets: Sequence[str],
        client: Any = None,
        body: bytes | None = None,
        signature: str | None = None,
        **fields: Any,
    ) -> tuple[int, dict[str, Any]]:
        """POST one signed webhook to Midas: ``to`` is a URL, or the path for ``client`` (a
        ``django.test.Client``). ``body``/``signature`` override what PagerDuty would send
        (``fields`` go to ``webhook_body``). Returns Midas's status and JSON answer."""
        body = webhook_body(event_type, key, **fields) if body is None else body
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "PagerDuty-Webhook/V3.0",
            "X-Webhook-Id": uuid.uuid4().hex,
            "X-Webhook-Subscription": "PSUB123",
            "X-PagerDuty-Signature": sign(body, secrets) if signature is None else signature,
        }
        if client is not None:
            response = client.generic(
                "POST",
                to,
                body,
                content_type=headers.pop("Content-Type"),
                headers=headers,
            )
            status, text = response.status_code, response.content
        else:
            request = urllib.request.Request(  # noqa: S310 - a test server on 127.0.0.1
                to, data=body, headers=headers, method="POST"
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
                    status, text = answer.status, answer.read()
            except urllib.error.HTTPError as exc:
                status, text = exc.code, exc.read()
        self.webhooks.append((event_type, key, status))
        try:
            return status, json.loads(text or b"{}")
        except ValueError:
            return status, {"raw": text.decode("utf-8", "replace")}
