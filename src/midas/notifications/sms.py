"""Text messages (SMS) through Twilio's Messages API: built at enqueue, posted by the outbox.

Twilio documents one call: ``POST {TWILIO_API_URL}/2010-04-01/Accounts/{AccountSid}/
Messages.json``, form-encoded ``To`` (E.164), ``From`` (a Twilio number) or
``MessagingServiceSid`` (``MG…``), and ``Body`` (at most 1,600 characters), with HTTP basic
auth ``AccountSid:AuthToken``. Its answers: 201 with the Message resource (``sid`` ``SM…``,
``status`` ``queued`` or ``accepted``) = sent; 400 with ``{"code", "message", "more_info",
"status"}`` (an invalid ``To`` is code 21211, a number that cannot receive SMS 21614) =
permanent, given up at once; 429 (code 20429) = retry after the backoff (or ``Retry-After``)
and hold the rest of the claim; 401/403 (bad credentials) = retry and hold, so a fixed
setting delivers what waited; 5xx, timeouts, refused connections = retry with the outbox's
backoff.

What is frozen in the outbox row (``services.sms_enqueue``) is ``{"To", "Body"}`` only; the
sender (``TWILIO_FROM`` or ``TWILIO_MESSAGING_SERVICE_SID``) and the credentials are added
when the worker posts it. The auth token is a secret: never stored in a row, never part of
an error text or a log line (docs/explanation/launch-channel.md).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from django.conf import settings

from midas.notifications.slack import PostResult, _not_before, _retry_after, record_result

BODY_LIMIT = 1600  # Twilio's limit on Body
E164 = re.compile(r"^\+[1-9]\d{6,14}$")  # "+" and 7 to 15 digits, no leading zero
SEPARATORS = re.compile(r"[\s\-.()/]")


def normalize_e164(value: str) -> str:
    """``value`` as an E.164 number (``+12025550143``): spaces, dashes, dots and brackets
    dropped, a leading ``00`` read as ``+``. ``ValueError`` when it is not one (no country
    code, letters, too short or too long)."""
    number = SEPARATORS.sub("", str(value or ""))
    if number.startswith("00"):
        number = "+" + number[2:]
    if not E164.match(number):
        raise ValueError(
            f"{str(value).strip()!r} is not a phone number in international (E.164) form: "
            "+, the country code and the number, e.g. +1 202 555 0143 or +971 4 555 0188"
        )
    return number


def sender() -> dict[str, str]:
    """Who the message is from: ``MessagingServiceSid`` when one is set (Twilio picks the
    number), else ``From``; empty when neither is."""
    if settings.TWILIO_MESSAGING_SERVICE_SID:
        return {"MessagingServiceSid": settings.TWILIO_MESSAGING_SERVICE_SID}
    if settings.TWILIO_FROM:
        return {"From": settings.TWILIO_FROM}
    return {}


def configured() -> bool:
    """Twilio can be called: an account, its token and a sender."""
    return bool(settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN and sender())


def build_message(*, to: str, body: str) -> dict[str, str]:
    """The frozen part of a message: the number (normalised; ``ValueError`` when invalid)
    and the text, whitespace folded, cut to Twilio's limit."""
    text = " ".join(str(body).split())
    if not text:
        raise ValueError("an SMS needs a body")
    if len(text) > BODY_LIMIT:
        text = text[: BODY_LIMIT - 1] + "…"
    return {"To": normalize_e164(to), "Body": text}


def messages_url(api_url: str, account_sid: str) -> str:
    account = urllib.parse.quote(account_sid, safe="")
    return f"{api_url.rstrip('/')}/2010-04-01/Accounts/{account}/Messages.json"


def post(
    message_json: str,
    *,
    api_url: str,
    account_sid: str,
    auth_token: str,
    sender: dict[str, str],
    timeout: float,
) -> PostResult:
    """POST one message (sender and credentials added now). Never raises for a failed
    delivery; the token never appears in what it returns."""
    if not api_url.lower().startswith(("https://", "http://")):
        return PostResult("permanent", None, "TWILIO_API_URL is not an http(s) URL")
    form = {**json.loads(message_json), **sender}
    credentials = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode("ascii")
    request = urllib.request.Request(  # noqa: S310 - the URL is our own setting
        messages_url(api_url, account_sid),
        data=urllib.parse.urlencode(form).encode("utf-8"),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "Authorization": f"Basic {credentials}",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            text = response.read(4000).decode("utf-8", "replace").strip()
            status = response.status
    except urllib.error.HTTPError as exc:
        detail = _scrub(_twilio_error(exc.read(2000).decode("utf-8", "replace")), auth_token)
        if exc.code == 429:
            return PostResult(
                "retry", 429, detail or "too many requests", _retry_after(exc.headers)
            )
        if exc.code == 400:
            return PostResult("permanent", 400, detail or "invalid message")
        return PostResult("retry", exc.code, detail or _scrub(str(exc.reason), auth_token))
    except (urllib.error.URLError, OSError, ValueError) as exc:  # timeouts, refusals, DNS
        reason = getattr(exc, "reason", exc)
        return PostResult("retry", None, _scrub(f"{type(exc).__name__}: {reason}", auth_token))
    if 200 <= status < 300:  # 201 Created, as documented; any 2xx is accepted
        return PostResult("sent", status, _scrub(_twilio_sent(text), auth_token) or "accepted")
    return PostResult("retry", status, _scrub(text[:500], auth_token) or "unexpected answer")


def send_claimed(
    attempts: list,
    *,
    now: dt.datetime | None,
    rand: Callable[[], float],
    report: Any,
) -> bool:
    """Post the claimed SMS rows one by one. Returns False when Twilio could not be reached,
    rate-limited us or refused our credentials: the rest of this claim is then recorded as
    not tried and waits its turn."""
    from midas.notifications.delivery import record_failure

    held: PostResult | None = None
    for attempt in sorted(attempts, key=lambda a: (a.message.created_at, a.message.pk)):
        if held is not None:
            record_failure(
                attempt,
                error=f"not tried: {_error(held)}",
                now=now,
                rand=rand,
                report=report,
                not_before=_not_before(held, now),
            )
            continue
        if not configured():
            result = PostResult(
                "retry",
                None,
                "Twilio is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
                "TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID)",
            )
        else:
            result = post(
                attempt.message.body_text,
                api_url=settings.TWILIO_API_URL,
                account_sid=settings.TWILIO_ACCOUNT_SID,
                auth_token=settings.TWILIO_AUTH_TOKEN,
                sender=sender(),
                timeout=settings.TWILIO_TIMEOUT,
            )
        if record_result(attempt, result, error=_error(result), now=now, rand=rand, report=report):
            continue
        if result.outcome == "retry" and result.status in (None, 401, 403, 429):
            held = result
    return held is None


def _twilio_sent(text: str) -> str:
    """``"SM… queued"`` from a 201's Message resource."""
    try:
        resource = json.loads(text)
    except ValueError:
        return text[:200]
    if not isinstance(resource, dict):
        return text[:200]
    return " ".join(str(resource.get(k) or "") for k in ("sid", "status")).strip()


def _twilio_error(text: str) -> str:
    """``"21211 The 'To' number … is not a valid phone number."`` from Twilio's error body."""
    try:
        error = json.loads(text)
    except ValueError:
        return text.strip()[:500]
    if not isinstance(error, dict):
        return text.strip()[:500]
    return " ".join(str(error.get(k) or "") for k in ("code", "message")).strip()[:500]


def _scrub(text: str, token: str) -> str:
    return text.replace(token, "***") if token else text


def _error(result: PostResult) -> str:
    where = f"HTTP {result.status}" if result.status is not None else "no answer"
    return f"Twilio {where}: {result.detail}"[:2000]
