"""What every stand-in shares: a threaded HTTP server on 127.0.0.1 that records each POST
and answers what the subclass's ``_answer(path, headers, body)`` says, as
``(status, body, headers)``; ``encode`` turns the body into bytes (JSON by default)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class StandIn:
    path = ""  # what ``url`` ends with
    content_type = "application/json"

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with stand_in._lock:
                    recorded = Recorded(path=self.path, headers=dict(self.headers), body=body)
                    stand_in.requests.append(recorded)
                    status, answer, headers = stand_in._answer(
                        recorded.path, recorded.headers, body
                    )
                payload = stand_in.encode(answer)
                self.send_response(status)
                self.send_header("Content-Type", stand_in.content_type)
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

    def _answer(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any, dict]:
        """Called with the lock held, the request already recorded."""
        raise NotImplementedError

    def encode(self, answer: Any) -> bytes:
        return json.dumps(answer).encode()

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        return f"{self.base_url}{self.path}"

    def start(self) -> Self:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
