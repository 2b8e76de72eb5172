"""A stand-in for Slack's incoming webhooks on 127.0.0.1, for tests: a threaded HTTP server
that records every request and answers from a script (200 ``ok`` by default).

    with SlackStandIn() as slack:
        slack.script(500, 429, 200)          # the next three answers, then 200 ok again
        settings.SLACK_WEBHOOK_URL = slack.url
        ...
        assert slack.requests[0].json["text"] == ...
"""

from __future__ import annotations

from tests.stand_ins.server import Recorded, StandIn

__all__ = ["ANSWERS", "Recorded", "SlackStandIn"]

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


class SlackStandIn(StandIn):
    content_type = "text/html"

    def __init__(self, path: str = "/services/T0TEST/B0TEST/standin-secret-token") -> None:
        self.path = path
        super().__init__()
        self._script: list[tuple[int, str, dict[str, str]]] = []

    def encode(self, answer: str) -> bytes:
        return answer.encode()

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

    def _answer(self, path: str, headers: dict[str, str], body: bytes):
        if path != self.path:
            return 404, "no_service", {}
        return self._script.pop(0) if self._script else (200, "ok", {})
