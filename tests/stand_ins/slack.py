"""A stand-in for Slack's incoming webhooks on 127.0.0.1, for tests: a threaded HTTP server
that records every request and answers from a script (200 ``ok`` by default).

    with SlackStandIn() as slack:
        slack.script(500, 429, 200)          # the next three answers, then 200 ok again
        settings.SLACK_WEBHOOK_URL = slack.url
        ...
        assert slack.requests[0].json["text"] == ...
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# Slack's documented answers to an incoming-webhook POST.
ANSWERS: dict[int, tuple[str, dict[str, str]]] = {
    200: ("ok", {}),
    400: ("invalid_payload", {}),
    403: ("invalid_token", {}),
    404: ("no_service", {}),
    410: ("channel_is_archived", {}),
    429: ("rate_limited", {"Retry-After": "30"}),
    500: ("rollup_error", {}),
    503: ("service_unavailable", {}),
}


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class SlackStandIn:
    def __init__(self, path: str = "/services/T0TEST/B0TEST/standin-secret-token") -> None:
        self.path = path
        self.requests: list[Recorded] = []
        self._script: list[tuple[int, str, dict[str, str]]] = []
        self._lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, text, headers = stand_in._record(self.path, dict(self.headers), body)
                payload = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html")
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

    def script(self, *answers: int | tuple[int, str] | tuple[int, str, dict[str, str]]) -> None:
        """The next answers, in order: a status (with Slack's usual body), or
        ``(status, body)``, or ``(status, body, headers)``. After them: 200 ok."""
        with self._lock:
            for answer in answers:
                if isinstance(answer, int):
                    text, headers = ANSWERS[answer]
                    self._script.append((answer, text, dict(headers)))
                else:
                    status, text, *rest = answer
                    self._script.append((status, text, dict(rest[0]) if rest else {}))

    def _record(self, path: str, headers: dict[str, str], body: bytes):
        with self._lock:
            self.requests.append(Recorded(path=path, headers=headers, body=body))
            if path != self.path:
                return 404, "no_service", {}
            return self._script.pop(0) if self._script else (200, "ok", {})

    def start(self) -> SlackStandIn:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
