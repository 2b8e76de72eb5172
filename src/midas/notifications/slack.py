"""The launch channel on Slack: incoming-webhook payloads and posting them.

``build_payload`` makes the message Slack's incoming webhooks take — ``{"text": ...,
"attachments": [{"color": ..., "blocks": [...]}]}``: ``text`` is the notification and
fallback line, the attachment's colour bar says the severity, its Block Kit sections carry
the text and the labelled fields. It is frozen into the outbox row at enqueue
(``services.slack_enqueue``).

``post`` sends one payload to ``SLACK_WEBHOOK_URL`` (stdlib ``urllib``, a timeout) and
classifies Slack's documented answers: 200 ``ok`` = sent; 400/403/404/410 (``invalid_payload``,
``invalid_token``, ``no_service``, ``channel_is_archived``, ...) = permanent, given up at
once; 429 = retry no earlier than ``Retry-After``; 5xx, timeouts, refused connections =
retry with the outbox's backoff. ``send_claimed`` does the bookkeeping for claimed rows,
outside any transaction. The webhook URL is a secret: it is never logged, never stored in a
row, never part of an error text (docs/explanation/launch-channel.md).
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

COLOURS = {"info": "#439FE0", "good": "#2EB67D", "warning": "#ECB22E", "danger": "#E01E5A"}
EMOJI = {"info": ":information_source:", "good": ":white_check_mark:", "warning": ":warning:"}
EMOJI["danger"] = ":rotating_light:"
PERMANENT_STATUSES = {400, 403, 404, 410}
FIELDS_PER_SECTION = 10  # Block Kit's limit on a section's fields
FIELD_LIMIT = 2000  # characters per field text
TEXT_LIMIT = 3000  # characters per section text
DEFAULT_CHANNEL = "#launch-ops"
DEFAULT_TIMEOUT = 10  # seconds
MAX_RETRY_AFTER = 3600  # a Retry-After beyond an hour is taken as an hour
# A Slack member id ("Copy member ID" in a profile): U… (W… on Enterprise Grid).
SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,19}")
Mention = tuple[str, str]  # (member id, handle): either may be empty


def channel_name() -> str:
    """The channel the webhook posts to (a webhook is bound to one; this names it)."""
    return settings.SLACK_CHANNEL or DEFAULT_CHANNEL


def escape(text: str) -> str:
    """Slack's mrkdwn control characters: ``&``, ``<``, ``>`` (nothing else is escaped)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mention(user_id: str, handle: str = "") -> str:
    """How one person is named in a message: ``<@U0123ABCD>`` when their member id is known
    (Slack notifies them and shows their current name), else their handle as plain, escaped
    text (``@ana``: read by people, notifies nobody); "" when neither is known."""
    user_id = (user_id or "").strip().upper()
    if SLACK_USER_ID.fullmatch(user_id):
        return f"<@{user_id}>"
    handle = (handle or "").strip().lstrip("@")
    return f"@{escape(handle)}" if handle else ""


def mentions_text(mentions: Sequence[Mention]) -> str:
    """The mentions, once each, in order, space-separated."""
    seen: list[str] = []
    for user_id, handle in mentions:
        token = mention(user_id, handle)
        if token and token not in seen:
            seen.append(token)
    return " ".join(seen)


def build_payload(
    *,
    event: str,
    text: str,
    severity: str,
    fields: dict[str, Any] | None = None,
    mentions: Sequence[Mention] = (),
) -> dict[str, Any]:
    """``mentions`` are added after the (escaped) text as ``<@U…>`` — the only thing in a
    payload that is not escaped, and only ever a validated member id."""
    if severity not in COLOURS:
        raise ValueError(f"severity must be one of {tuple(COLOURS)}")
    line = f"{EMOJI[severity]} {escape(text)}"
    named = mentions_text(mentions)
    if named:
        line = f"{line[: TEXT_LIMIT - len(named) - 1]} {named}"
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": line[:TEXT_LIMIT]}}
    ]
    items = [
        {"type": "mrkdwn", "text": f"*{escape(str(k))}*\n{escape(str(v))}"[:FIELD_LIMIT]}
        for k, v in (fields or {}).items()
    ]
    for start in range(0, len(items), FIELDS_PER_SECTION):
        blocks.append({"type": "section", "fields": items[start : start + FIELDS_PER_SECTION]})
    blocks.append(
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": f"`{escape(event)}` · release {escape(_release())}"}
            ],
        }
    )
    return {
        "text": line[:TEXT_LIMIT],
        "attachments": [{"color": COLOURS[severity], "fallback": text[:300], "blocks": blocks}],
    }


def _release() -> str:
    return str(settings.RELEASE or "dev")


@dataclass(frozen=True)
class PostResult:
    outcome: str  # sent, retry, permanent
    status: int | None  # HTTP status, None when no answer came
    detail: str  # Slack's body or the transport error; never the URL
    retry_after: int | None = None  # seconds, from a 429's Retry-After

    @property
    def error(self) -> str:
        where = f"HTTP {self.status}" if self.status is not None else "no answer"
        return f"Slack {where}: {self.detail}"[:2000]


def post(payload_json: str, *, url: str, timeout: float = DEFAULT_TIMEOUT) -> PostResult:
    """POST one payload. Never raises for a failed delivery: the result says what to do."""
    if not url.lower().startswith(("https://", "http://")):  # never file:// or the like
        return PostResult("permanent", None, "SLACK_WEBHOOK_URL is not an http(s) URL")
    request = urllib.request.Request(  # noqa: S310 - the URL is our own https setting
        url,
        data=payload_json.encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read(2000).decode("utf-8", "replace").strip()
            status = response.status
    except urllib.error.HTTPError as exc:
        body = _scrub(exc.read(2000).decode("utf-8", "replace").strip(), url)
        if exc.code == 429:
            return PostResult("retry", 429, body or "rate_limited", _retry_after(exc.headers))
        if exc.code in PERMANENT_STATUSES:
            return PostResult("permanent", exc.code, body or exc.reason or "refused")
        return PostResult("retry", exc.code, body or str(exc.reason))
    except (urllib.error.URLError, OSError, ValueError) as exc:  # timeouts, refusals, DNS
        reason = getattr(exc, "reason", exc)
        return PostResult("retry", None, _scrub(f"{type(exc).__name__}: {reason}", url))
    if status == 200:
        return PostResult("sent", 200, body or "ok")
    return PostResult("retry", status, _scrub(body, url) or "unexpected answer")


def _retry_after(headers) -> int | None:
    try:
        seconds = int(str(headers.get("Retry-After", "")).strip())
    except (TypeError, ValueError):
        return None
    return max(0, min(seconds, MAX_RETRY_AFTER))


def _scrub(text: str, url: str) -> str:
    return text.replace(url, "***") if url else text


def send_claimed(
    attempts: list,
    *,
    now: dt.datetime | None,
    rand: Callable[[], float],
    report,
) -> bool:
    """Post the claimed Slack rows one by one. Returns False when Slack could not be reached
    or rate-limited us: the rest of this claim is then recorded as not tried (retried after
    the backoff, or after Retry-After) rather than hammered."""
    from midas.notifications.delivery import record_failure

    url = settings.SLACK_WEBHOOK_URL
    timeout = settings.SLACK_TIMEOUT
    held: PostResult | None = None  # why the rest of the claim waits
    for attempt in attempts:
        if held is not None:
            not_before = _not_before(held, now)
            record_failure(
                attempt,
                error=f"not tried: {held.error}",
                now=now,
                rand=rand,
                report=report,
                not_before=not_before,
            )
            continue
        if not url:
            result = PostResult("retry", None, "SLACK_WEBHOOK_URL is not set")
        else:
            result = post(attempt.message.body_text, url=url, timeout=timeout)
        if record_result(attempt, result, error=result.error, now=now, rand=rand, report=report):
            continue
        if result.outcome == "retry" and (result.status is None or result.status == 429):
            held = result
    return held is None


def record_result(
    attempt: Any, result: PostResult, *, error: str, now: Any, rand: Any, report: Any
) -> bool:
    """Book one post's outcome on its attempt (Slack, PagerDuty, SMS alike): sent; or failed
    — given up when permanent, else retried after the backoff or the service's Retry-After.
    True when sent."""
    from midas.notifications.delivery import record_failure, record_success

    if result.outcome == "sent":
        record_success(attempt, now=now)
        report.sent += 1
        return True
    record_failure(
        attempt,
        error=error,
        now=now,
        rand=rand,
        report=report,
        permanent=result.outcome == "permanent",
        not_before=_not_before(result, now),
    )
    return False


def _not_before(result: PostResult, now: dt.datetime | None) -> dt.datetime | None:
    if result.retry_after is None:
        return None
    return (now or timezone.now()) + dt.timedelta(seconds=result.retry_after)
