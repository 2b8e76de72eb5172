"""Writes of the notifications app: put a message in the outbox, retry a failed one.

``email_enqueue`` is the one way any app sends email; ``slack_enqueue`` the one way it posts
to the launch channel, ``pagerduty_enqueue`` the one way it pages, ``sms_enqueue`` the one
way it texts a phone (docs/explanation/launch-channel.md). Call it inside the transaction of the
state change it reports: the outbox row commits or rolls back with that change, and the
worker sends it afterwards (docs/explanation/outbox.md).
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone
from django.utils.module_loading import import_string

from midas.core.site import SITE_NAME, concierge
from midas.notifications.models import OutboxChannel, OutboxMessage, OutboxStatus

Attachment = tuple[str, bytes | str, str]  # (filename, content, mimetype)


def render_email(template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """``(subject, text, html)`` from ``emails/<template>.subject.txt``, ``.txt`` and
    ``.html``. The subject and text are rendered without HTML escaping; the HTML with it."""
    full = {**base_context(), **context}
    subject = _render(f"emails/{template}.subject.txt", full, autoescape=False)
    text = _render(f"emails/{template}.txt", full, autoescape=False)
    html = _render(f"emails/{template}.html", full, autoescape=True)
    return " ".join(subject.split()), _tidy_text(text), html.strip()


def message_id(domain: str) -> str:
    """A new Message-ID. Its randomness comes from the OS: Django's ``make_msgid`` draws on
    the seedable ``random`` module, so two emails in the same 10 ms of a process whose
    ``random`` had been reseeded (Hypothesis does, per example) got the same id, and the
    unique column turned a sign-up into a 500."""
    return f"<{secrets.token_hex(16)}@{domain}>"


def email_enqueue(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    attachments: Sequence[Attachment] = (),
    dedupe_key: str = "",
    reply_to: str = "",
    headers: dict[str, str] | None = None,
    fresh: bool = False,
) -> OutboxMessage:
    """Render the message now (it is frozen from here on) and add it to the outbox.

    With a ``dedupe_key``, a repeated call (a retried request, a webhook delivered twice)
    returns the existing row and writes nothing. ``fresh``: the caller knows no row can
    have this ``dedupe_key`` yet (it names an object written in this transaction), so it is
    not looked up first; the unique index still has the last word. ``reply_to`` replaces
    the concierge's address as Reply-To (a support ticket's own reply address); ``headers``
    adds headers (``In-Reply-To``, ``References``), never the ones the outbox sets itself.
    """
    if dedupe_key and not fresh:
        existing = OutboxMessage.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    to = _valid_address(to)
    subject, text, html = render_email(template, {**context, "recipient": to})
    from_email = settings.DEFAULT_FROM_EMAIL
    concierge = settings.CONCIERGE_EMAIL
    message = OutboxMessage(
        to=to,
        template=template,
        from_email=from_email,
        reply_to=reply_to or ("" if to.lower() == concierge.lower() else concierge),
        subject=subject,
        body_text=text,
        body_html=html,
        attachments=[_attachment(*item) for item in attachments],
        message_id=message_id(_domain(from_email)),
        headers=_extra_headers(headers or {}),
        dedupe_key=dedupe_key,
        status=OutboxStatus.PENDING,
        next_attempt_at=timezone.now(),
    )
    return _enqueue(message, dedupe_key, fresh=fresh)


def email_enqueue_later(
    *,
    to: str,
    template: str,
    context: str,
    data: dict[str, Any],
    attachments: Sequence[Attachment] = (),
    dedupe_key: str = "",
    fresh: bool = False,
) -> OutboxMessage:
    """``email_enqueue`` without the rendering: the row, in the caller's transaction, holds
    the template, the dotted path ``context`` of a function that builds the template's
    context from ``data``, and ``data`` itself, frozen now (JSON: datetimes as ISO text).
    The worker renders it before the first send (``outbox_render``) and keeps the result,
    so every attempt sends the same message; what the email shows is ``data`` as it was at
    enqueue, never what the database says by the time it is sent. The request that writes
    the row does not pay for the templates."""
    if dedupe_key and not fresh:
        existing = OutboxMessage.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    to = _valid_address(to)
    import_string(context)  # a wrong path fails here, in the caller's transaction
    from_email = settings.DEFAULT_FROM_EMAIL
    concierge = settings.CONCIERGE_EMAIL
    message = OutboxMessage(
        to=to,
        template=template,
        from_email=from_email,
        reply_to="" if to.lower() == concierge.lower() else concierge,
        render_later={"context": context, "data": data},
        attachments=[_attachment(*item) for item in attachments],
        message_id=message_id(_domain(from_email)),
        dedupe_key=dedupe_key,
        status=OutboxStatus.PENDING,
        next_attempt_at=timezone.now(),
    )
    return _enqueue(message, dedupe_key, fresh=fresh)


def outbox_render(message: OutboxMessage) -> OutboxMessage:
    """Render a message written by ``email_enqueue_later`` and keep the subject and bodies on
    its row (``render_later`` emptied); a message already rendered is returned as it is.
    The frozen data goes through its JSON form first, whether or not the row was re-read,
    so a render is the same before and after a round trip through the database. Two
    workers rendering the same row write the same text."""
    spec = message.render_later
    if not spec:
        return message
    data = json.loads(json.dumps(spec["data"], cls=DjangoJSONEncoder))
    context = import_string(spec["context"])(data)
    subject, text, html = render_email(message.template, {**context, "recipient": message.to})
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(
        subject=subject, body_text=text, body_html=html, render_later={}, updated_at=now
    )
    message.subject, message.body_text, message.body_html = subject, text, html
    message.render_later, message.updated_at = {}, now
    return message


# Headers the outbox writes itself: a caller's ``headers`` may not override them.
OWN_HEADERS = frozenset(
    {"from", "to", "cc", "bcc", "reply-to", "subject", "message-id", "date", "content-type"}
)


def _extra_headers(headers: dict[str, str]) -> dict[str, str]:
    for name, value in headers.items():
        if name.lower() in OWN_HEADERS:
            raise ValueError(f"the outbox sets {name} itself")
        if "\n" in value or "\r" in value:
            raise ValueError(f"a header value on several lines: {name}")
    return dict(headers)


def slack_enqueue(
    *,
    event: str,
    text: str,
    severity: str = "info",
    fields: dict[str, Any] | None = None,
    dedupe_key: str = "",
    mentions: Sequence[tuple[str, str]] = (),
) -> OutboxMessage:
    """Add a launch-channel message to the outbox: the incoming-webhook payload is built now
    and frozen in ``body_text``; the worker posts it to ``SLACK_WEBHOOK_URL`` (read at
    delivery time: the URL, a secret, is never stored in the row). ``dedupe_key`` as for
    email. ``mentions``: ``(member id, handle)`` of the people to notify (``<@U…>``; the
    plain handle when there is no id)."""
    from midas.notifications import slack

    if dedupe_key:
        existing = OutboxMessage.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    payload = slack.build_payload(
        event=event, text=text, severity=severity, fields=fields, mentions=mentions
    )
    message = OutboxMessage(
        channel=OutboxChannel.SLACK,
        to=slack.channel_name(),
        template=event[:100],
        from_email="slack",
        subject=" ".join(text.split())[:255],
        body_text=json.dumps(payload, ensure_ascii=False, sort_keys=True),
        message_id=f"<slack.{secrets.token_hex(12)}@midas>",
        dedupe_key=dedupe_key,
        status=OutboxStatus.PENDING,
        next_attempt_at=timezone.now(),
    )
    return _enqueue(message, dedupe_key)


def pagerduty_enqueue(
    *,
    action: str,
    dedup_key: str,
    summary: str = "",
    severity: str = "error",
    source: str = "",
    component: str = "",
    details: dict[str, Any] | None = None,
    links: Sequence[dict[str, str]] = (),
    dedupe_key: str = "",
) -> OutboxMessage:
    """Add a PagerDuty Events API v2 event to the outbox: ``trigger`` pages whoever is on call
    for the service of ``PAGERDUTY_ROUTING_KEY``, ``acknowledge`` and ``resolve`` close the
    loop on the alert of the same ``dedup_key``. The event is built now and frozen in
    ``body_text``; the routing key (a secret) is added at delivery. ``dedupe_key`` as for
    email (the outbox's own, not PagerDuty's)."""
    from midas.notifications import pagerduty

    if dedupe_key:
        existing = OutboxMessage.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    event = pagerduty.build_event(
        action=action,
        dedup_key=dedup_key,
        summary=summary,
        severity=severity,
        source=source,
        component=component,
        details=details,
        links=list(links),
    )
    line = " ".join(summary.split()) or f"{action} {dedup_key}"
    message = OutboxMessage(
        channel=OutboxChannel.PAGERDUTY,
        to=dedup_key,
        template=f"pagerduty.{action}",
        from_email="pagerduty",
        subject=line[:255],
        body_text=json.dumps(event, ensure_ascii=False, sort_keys=True),
        message_id=f"<pagerduty.{secrets.token_hex(12)}@midas>",
        dedupe_key=dedupe_key,
        status=OutboxStatus.PENDING,
        next_attempt_at=timezone.now(),
    )
    return _enqueue(message, dedupe_key)


def sms_enqueue(
    *, to: str, body: str, template: str = "sms", dedupe_key: str = ""
) -> OutboxMessage:
    """Add a text message to the outbox (Twilio's Messages API): ``to`` an E.164 number
    (normalised; ``ValueError`` when it is not one), ``body`` the text. Frozen at enqueue;
    the sender and the credentials are added at delivery (``notifications.sms``), never
    stored. ``dedupe_key`` as for email."""
    from midas.notifications import sms

    if dedupe_key:
        existing = OutboxMessage.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    form = sms.build_message(to=to, body=body)
    message = OutboxMessage(
        channel=OutboxChannel.SMS,
        to=form["To"],
        template=template[:100],
        from_email="twilio",
        subject=form["Body"][:255],
        body_text=json.dumps(form, ensure_ascii=False, sort_keys=True),
        message_id=f"<sms.{secrets.token_hex(12)}@midas>",
        dedupe_key=dedupe_key,
        status=OutboxStatus.PENDING,
        next_attempt_at=timezone.now(),
    )
    return _enqueue(message, dedupe_key)


def staff_notify(
    *, template: str, context: dict[str, Any], dedupe_key: str = "", fresh: bool = False
) -> OutboxMessage:
    """Tell the concierge team (``CONCIERGE_EMAIL``): new bookings, requests, cancellations."""
    return email_enqueue(
        to=settings.CONCIERGE_EMAIL,
        template=template,
        context=context,
        dedupe_key=dedupe_key,
        fresh=fresh,
    )


def base_context() -> dict[str, Any]:
    """What every email template can use: the site, its name and the concierge."""
    return {"SITE_URL": settings.SITE_URL, "SITE_NAME": SITE_NAME, "concierge": concierge()}


def kick_delivery() -> None:
    """After the commit, ask a worker to send now rather than at the next scheduled run."""
    from midas.notifications.tasks import kick_send_outbox

    kick_send_outbox()


def _render(name: str, context: dict[str, Any], *, autoescape: bool) -> str:
    template = get_template(name).template  # the Django engine's own Template
    return template.render(Context(context, autoescape=autoescape))


def _tidy_text(text: str) -> str:
    """Strip trailing spaces and keep at most one blank line between paragraphs."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy) + "\n"


def _valid_address(address: str) -> str:
    address = address.strip()
    try:
        validate_email(address)
    except ValidationError as exc:
        raise ValueError(f"not an email address: {address!r}") from exc
    return address


def _attachment(filename: str, content: bytes | str, mimetype: str) -> dict[str, str]:
    if not filename or "/" in filename or "\\" in filename:
        raise ValueError(f"bad attachment filename: {filename!r}")
    if "/" not in mimetype:
        raise ValueError(f"bad attachment mimetype: {mimetype!r}")
    raw = content.encode() if isinstance(content, str) else bytes(content)
    return {
        "filename": filename,
        "mimetype": mimetype,
        "content_b64": base64.b64encode(raw).decode("ascii"),
    }


def _domain(address: str) -> str:
    """The domain of ``Name <user@domain>`` (for Message-IDs; never a DNS lookup)."""
    bare = address.rsplit("<", 1)[-1].rstrip(">").strip()
    return bare.rsplit("@", 1)[-1] or "midas.localhost"


def _enqueue(message: OutboxMessage, dedupe_key: str, *, fresh: bool = False) -> OutboxMessage:
    """Save a new outbox row once: a row with the same ``dedupe_key`` already there is the
    answer instead. The worker is kicked when the caller's transaction commits. ``fresh``
    (no row can have the key): no savepoint either, as there is no race to survive."""
    if fresh:
        message.save(force_insert=True)
    else:
        try:
            with transaction.atomic():  # a savepoint: a dedupe race must not spoil the caller's
                message.save()
        except IntegrityError:
            if not dedupe_key:
                raise
            return OutboxMessage.objects.get(dedupe_key=dedupe_key)
    if not _kick_waiting():
        transaction.on_commit(kick_delivery, robust=True)  # failed: the next run sends it
    return message


def _kick_waiting() -> bool:
    """A kick is already registered to run when this transaction commits, at this level or
    an outer one (so any rollback that drops it drops this row too): one kick per commit,
    however many rows it adds."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return False
    open_savepoints = set(connection.savepoint_ids)
    return any(
        func is kick_delivery and sids <= open_savepoints
        for sids, func, _robust in connection.run_on_commit
    )
