"""The launch channel: what the launch team is told, and where.

``announce()`` is the one way launch code tells the team something (phase changes, ramp
steps, go/no-go results, triggers, incidents, rollbacks). It writes outbox rows in the
caller's transaction — a Slack incoming-webhook message (``SLACK_WEBHOOK_URL``, the
#launch-ops channel) and an email to the team (``LAUNCH_TEAM_EMAIL``) as the second channel
— and the worker delivers them with retries (docs/explanation/launch-channel.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings

from midas.notifications.services import email_enqueue

SEVERITIES = ("info", "good", "warning", "danger")


def announce(
    *,
    event: str,
    text: str,
    severity: str = "info",
    fields: dict[str, Any] | None = None,
    dedupe_key: str = "",
    mentions: Sequence[tuple[str, str]] = (),
) -> None:
    """Tell the launch team. ``event`` is the dotted action (``launch.phase.changed``),
    ``text`` one readable line, ``fields`` a few labelled values shown with it, ``mentions``
    the people to notify, ``(Slack member id, handle)``: on Slack ``<@U…>`` (the handle as
    plain text when the id is unknown), in the email their handles."""
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {SEVERITIES}")
    fields = {str(k): str(v) for k, v in (fields or {}).items()}
    if settings.SLACK_WEBHOOK_URL:
        from midas.notifications.services import slack_enqueue

        slack_enqueue(
            event=event,
            text=text,
            severity=severity,
            fields=fields,
            dedupe_key=f"slack:{dedupe_key}" if dedupe_key else "",
            mentions=mentions,
        )
    handles = [f"@{h.lstrip('@')}" for _, h in mentions if h.strip().lstrip("@")]
    line = " ".join([text, *dict.fromkeys(handles)])
    for address in settings.LAUNCH_TEAM_EMAIL:
        email_enqueue(
            to=address,
            template="launch_announcement",
            context={"event": event, "text": line, "severity": severity, "fields": fields},
            dedupe_key=f"mail:{address}:{dedupe_key}" if dedupe_key else "",
        )
