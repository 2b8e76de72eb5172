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
"""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.stand_ins.slack import Recorded

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


class PagerDutyStandIn:
    path = "/v2/enqueue"

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.accepted: list[dict[str, Any]] = []  # the events answered 202, in order
        self.alerts: dict[str, str] = {}  # dedup_key -> triggered | acknowledged | resolved
        self._script: list[tuple[int, dict[str, Any], dict[str, str]]] = []
        self._lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, answer, headers = stand_in._answer(self.path, dict(self.headers), body)
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{self.path}"

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
        with self._lock:
            self.requests.append(Recorded(path=path, headers=headers, body=body))
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

    def start(self) -> PagerDutyStandIn:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> PagerDutyStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
