"""A stand-in for Twilio's Messages API (``POST /2010-04-01/Accounts/{AccountSid}/
Messages.json``) on 127.0.0.1, for tests: a threaded HTTP server that checks each request as
Twilio documents it, records it, keeps the messages it accepted, and answers from a script
(201 with the Message resource by default).

    with TwilioStandIn(account_sid="AC…", auth_token="…") as twilio:
        twilio.script(503, 429)             # the next two answers, then 201 again
        settings.TWILIO_API_URL = twilio.url
        ...
        assert [m["To"] for m in twilio.messages] == ["+12025550143"]

Twilio's rules kept here: HTTP basic auth ``AccountSid:AuthToken`` matching the account in
the path (otherwise 401, code 20003 "Authenticate"); a form-encoded body
(``application/x-www-form-urlencoded``); ``To`` required and a valid E.164 number (400, code
21211 "The 'To' number … is not a valid phone number."; a missing ``To`` is 21604); a
sender, ``From`` or ``MessagingServiceSid`` (400, code 21603 / 21606); ``Body`` present and at
most 1,600 characters (400, code 21602 / 21617). Numbers in ``undeliverable`` are refused
with code 21614 ("… is not a valid mobile number"). A 201 answers the Message resource:
``sid`` (``SM`` + 32 hex), ``status`` ``queued`` (``accepted`` with a Messaging Service),
``to``, ``from``, ``body``, ``account_sid``, ``messaging_service_sid``, ``num_segments``,
``direction`` ``outbound-api``, ``api_version`` ``2010-04-01``, ``uri``, dates in RFC 2822.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import urllib.parse
import uuid
from email.utils import format_datetime
from typing import Any

from django.utils import timezone

from tests.stand_ins.server import Recorded, StandIn

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
PATH = re.compile(r"^/2010-04-01/Accounts/(?P<account>[^/]+)/Messages\.json$")


def error(status: int, code: int, message: str) -> dict[str, Any]:
    """Twilio's error body."""
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


ANSWERS: dict[int, tuple[dict[str, Any], dict[str, str]]] = {
    429: (error(429, 20429, "Too Many Requests"), {}),
    500: (error(500, 20500, "Internal Server Error"), {}),
    502: (error(502, 20502, "Bad Gateway"), {}),
    503: (error(503, 20503, "Service Unavailable"), {}),
}


class TwilioStandIn(StandIn):
    def __init__(
        self,
        *,
        account_sid: str = "AC" + "0" * 31 + "1",
        auth_token: str = "standin-auth-token-0123456789abcdef",  # noqa: S107 - a test's
        undeliverable: tuple[str, ...] = (),
    ) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.undeliverable = set(undeliverable)
        self.messages: list[dict[str, str]] = []  # the forms answered 201, in order
        self._script: list[tuple[int, dict[str, Any], dict[str, str]]] = []

    @property
    def url(self) -> str:
        """What ``TWILIO_API_URL`` is set to (Twilio's is ``https://api.twilio.com``)."""
        return self.base_url

    def script(self, *answers: int | tuple[int, dict[str, Any], dict[str, str]]) -> None:
        """The next answers, in order: a status (with Twilio's usual error body), or
        ``(status, body, headers)``. After them: the request is checked and accepted."""
        with self._lock:
            for answer in answers:
                if isinstance(answer, int):
                    body, headers = ANSWERS[answer]
                    self._script.append((answer, dict(body), dict(headers)))
                else:
                    self._script.append(answer)

    @staticmethod
    def form(recorded: Recorded) -> dict[str, str]:
        """A recorded request's form fields (each once)."""
        return dict(urllib.parse.parse_qsl(recorded.body.decode("utf-8"), keep_blank_values=True))

    def _authorized(self, headers: dict[str, str], account: str) -> bool:
        scheme, _, value = (headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(value).decode("utf-8").partition(":")
        except ValueError:
            return False
        return user == account == self.account_sid and password == self.auth_token

    def _answer(self, path: str, headers: dict[str, str], body: bytes):
        match = PATH.match(path)
        if match is None:
            return 404, error(404, 20404, "The requested resource was not found"), {}
        if self._script:
            return self._script.pop(0)
        if not self._authorized(headers, urllib.parse.unquote(match["account"])):
            return 401, error(401, 20003, "Authenticate"), {}
        content_type = headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            return 400, error(400, 21602, "Message body is required."), {}
        form = dict(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        refusal = self._refusal(form)
        if refusal is not None:
            return 400, error(400, *refusal), {}
        self.messages.append(form)
        return 201, self._resource(form), {}

    def _refusal(self, form: dict[str, str]) -> tuple[int, str] | None:
        to = form.get("To", "")
        if not to:
            return 21604, "A 'To' phone number is required."
        if not E164.match(to):
            return 21211, f"The 'To' number {to} is not a valid phone number."
        if to in self.undeliverable:
            return 21614, f"'To' number {to} is not a valid mobile number"
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return (
                21603,
                "A 'From' or 'MessagingServiceSid' parameter is required to send a message",
            )
        if form.get("MessagingServiceSid") and not form["MessagingServiceSid"].startswith("MG"):
            return 21606, "The 'MessagingServiceSid' is not valid"
        text = form.get("Body", "")
        if not text:
            return 21602, "Message body is required."
        if len(text) > 1600:
            return 21617, "The concatenated message body exceeds the 1600 character limit."
        return None

    def _resource(self, form: dict[str, str]) -> dict[str, Any]:
        sid = "SM" + uuid.uuid4().hex
        now = format_datetime(timezone.now().astimezone(dt.UTC), usegmt=True)
        service = form.get("MessagingServiceSid")
        return {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": form["Body"],
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": service,
            "num_media": "0",
            "num_segments": str(max(1, -(-len(form["Body"]) // 153))),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "accepted" if service else "queued",
            "subresource_uris": {
                "media": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}/Media.json"
            },
            "to": form["To"],
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
        }
