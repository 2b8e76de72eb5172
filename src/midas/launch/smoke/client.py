"""The smoke run's two ways in: the public HTTP API a customer uses (``Http``), and the
"backstage" that proves what a customer cannot see — verifying the throwaway address and
reading back the confirmation email.

Backstage is either the deployment's small smoke API (``SmokeApi``: ``/api/v1/smoke/...``,
bearer ``SMOKE_TOKEN``), or, when the run targets this deployment and no token is set, this
process's own database (``LocalBackstage``: the same functions the smoke API calls).

Plain stdlib ``urllib`` with a cookie jar (the visitor and session cookies stick, as in a
browser) and a timeout on every request. A server that does not answer is remembered: the
later requests of the run fail at once with the same error instead of each waiting out its
timeout, so a dead deployment costs one timeout, not ten.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from typing import Any
from urllib.parse import urlencode

API = "/api/v1"
USER_AGENT = "midas-smoke/1"


@dataclass
class Answer:
    """One HTTP exchange: ``status`` 0 when no answer came (``error`` says why)."""

    status: int
    body: Any  # the decoded JSON, or the text
    ms: int
    error: str = ""

    @property
    def answered(self) -> bool:
        return self.status > 0

    def problem(self) -> str:
        """A one-line account of a failed exchange, for the report."""
        if not self.answered:
            return self.error
        if isinstance(self.body, dict):
            code = self.body.get("code") or self.body.get("error") or ""
            message = self.body.get("message") or self.body.get("detail") or ""
            return f"HTTP {self.status} {code}: {message}".strip(": ")
        return f"HTTP {self.status}"


@dataclass
class Http:
    base_url: str
    timeout: float
    headers: dict[str, str] = field(default_factory=dict)
    budget: float | None = None  # seconds for the whole run's requests (None: no limit)
    down: str = ""  # set once the server did not answer, or the budget was spent

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.deadline = None if self.budget is None else time.monotonic() + self.budget
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        token: str = "",
        query: dict[str, str] | None = None,
    ) -> Answer:
        timeout = self.timeout
        if self.deadline is not None and not self.down:
            left = self.deadline - time.monotonic()
            if left <= 0:
                self.down = f"the run's time budget ({self.budget:g} s) was spent"
            timeout = min(timeout, max(left, 0.1))
        if self.down:
            return Answer(0, None, 0, f"not tried: {self.down}")
        url = self.base_url + path + (f"?{urlencode(query)}" if query else "")
        data = None if json_body is None else json.dumps(json_body).encode()
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 (http(s) only, checked)
        request.add_header("User-Agent", USER_AGENT)
        request.add_header("Accept", "application/json, text/html")
        for name, value in self.headers.items():
            request.add_header(name, value)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=timeout) as response:
                status, raw, kind = response.status, response.read(), response.headers
        except urllib.error.HTTPError as exc:
            status, kind = exc.code, exc.headers
            raw = _read_quietly(exc)
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
            ms = _ms(started)
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, socket.timeout | TimeoutError):
                reason = f"no answer within {timeout:g} s"
            self.down = f"{method} {path}: {reason}"
            return Answer(0, None, ms, self.down)
        ms = _ms(started)
        content_type = (kind.get("Content-Type") or "") if kind else ""
        return Answer(status, _decode(raw, content_type), ms)


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _read_quietly(exc: urllib.error.HTTPError) -> bytes:
    try:
        return exc.read()
    except (OSError, http.client.HTTPException):
        return b""


def _decode(raw: bytes, content_type: str) -> Any:
    text = raw.decode("utf-8", errors="replace")
    if "json" in content_type:
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


# --- Backstage ------------------------------------------------------------------------------


class BackstageUnavailable(Exception):
    """The run cannot prove this step here (e.g. a remote deployment and no SMOKE_TOKEN)."""


class SmokeApi:
    """The deployment's smoke API (``midas.launch.smoke.api``), bearer ``SMOKE_TOKEN``."""

    def __init__(self, http_: Http, token: str) -> None:
        self.http, self.token = http_, token

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        answer = self.http.call(method, f"{API}/smoke{path}", token=self.token, **kwargs)
        if answer.status == 404:
            raise BackstageUnavailable(
                "the deployment has no smoke API (SMOKE_TOKEN is not set there)"
            )
        if answer.status == 401:
            raise BackstageUnavailable("the deployment refused our SMOKE_TOKEN (401)")
        if answer.status != 200 or not isinstance(answer.body, dict):
            raise BackstageUnavailable(f"smoke API {path}: {answer.problem()}")
        return answer.body

    def info(self) -> dict[str, Any]:
        return self._call("GET", "/info")

    def verify(self, email: str) -> dict[str, Any]:
        return self._call("POST", "/verify", json_body={"email": email})

    def mail(self, to: str, template: str) -> dict[str, Any]:
        return self._call("GET", "/mail", query={"to": to, "template": template})

    def nudge(self) -> dict[str, Any]:
        return self._call("POST", "/mail/deliver")


class LocalBackstage:
    """This deployment's own database, through the functions the smoke API calls."""

    def info(self) -> dict[str, Any]:
        from midas.launch.smoke.server import smoke_info

        return smoke_info()

    def verify(self, email: str) -> dict[str, Any]:
        from midas.launch.smoke.server import smoke_account_verify

        return smoke_account_verify(email=email)

    def mail(self, to: str, template: str) -> dict[str, Any]:
        from midas.launch.smoke.server import smoke_mail_status

        return smoke_mail_status(to=to, template=template)

    def nudge(self) -> dict[str, Any]:
        from midas.launch.smoke.server import smoke_mail_nudge

        return smoke_mail_nudge()


class NoBackstage:
    """A remote deployment and no token: nothing behind the public API can be proved."""

    def _refuse(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        raise BackstageUnavailable("skipped: needs SMOKE_TOKEN")

    info = verify = mail = nudge = _refuse
