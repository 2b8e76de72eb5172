"""The outbox (messages to send, frozen at enqueue time, and every attempt to send them) and
the local mailbox (what the ``mailbox://`` email backend delivered).

An ``OutboxMessage`` is written in the same transaction as the state change it reports; the
worker sends it later with retries and backoff (docs/explanation/outbox.md). Its rendered
subject and bodies never change once written, so a retry sends exactly what was decided: at
enqueue, or, for a row written with ``render_later`` (its data frozen at enqueue), by the
worker before the first attempt.
"""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from midas.core.models import TimestampedModel


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # waiting for its next attempt (next_attempt_at)
    SENDING = "sending", "Sending"  # claimed by a worker; due again if its lease runs out
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"  # gave up after OUTBOX_MAX_ATTEMPTS; retry from the admin


class OutboxChannel(models.TextChoices):
    EMAIL = "email", "Email"
    SLACK = "slack", "Slack"  # an incoming-webhook message; body_text holds its JSON payload
    # an Events API v2 event; ``to`` is its dedup key, body_text the event without the key
    PAGERDUTY = "pagerduty", "PagerDuty"
    # a Twilio text message; ``to`` is the E.164 number, body_text ``{"To", "Body"}``
    SMS = "sms", "SMS"


class OutboxMessage(TimestampedModel):
    """One email to one address, one Slack message to the launch channel (``to`` is the
    channel name, ``body_text`` the JSON payload, frozen at enqueue), or one PagerDuty event
    (``to`` is the alert's dedup key, ``body_text`` the event without the routing key), or one
    text message (``to`` is the E.164 number, ``body_text`` Twilio's ``{"To", "Body"}``)."""

    channel = models.CharField(
        max_length=16, choices=OutboxChannel.choices, default=OutboxChannel.EMAIL
    )
    to = models.CharField(
        max_length=254,
        help_text="An email address, a Slack channel name, a PagerDuty alert's dedup key, or "
        "a phone number (SMS)",
    )
    template = models.CharField(
        max_length=100, help_text="emails/<template>.* it was rendered from"
    )
    from_email = models.CharField(max_length=254)
    reply_to = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    attachments = models.JSONField(
        default=list, blank=True, help_text="[{filename, mimetype, content_b64}]"
    )
    message_id = models.CharField(
        max_length=255, unique=True, help_text="Message-ID header, the same on every attempt"
    )
    headers = models.JSONField(
        default=dict,
        blank=True,
        help_text="More email headers, e.g. In-Reply-To and References of a thread",
    )
    render_later = models.JSONField(
        default=dict,
        blank=True,
        encoder=DjangoJSONEncoder,
        help_text="An email rendered by the worker before it is first sent: {context: the "
        "dotted path of the function that builds the template's context, data: what it "
        "builds it from, frozen at enqueue}; empty once rendered (subject and bodies then hold "
        "the message)",
    )
    dedupe_key = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(
        help_text="When the row is next due: after its backoff, or when a claim's lease ends"
    )
    claimed_by = models.CharField(max_length=64, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "outbox message"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="outbox_dedupe_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.template} → {self.to} ({self.status})"


class AttemptOutcome(models.TextChoices):
    SENDING = "sending", "Sending"  # still in progress (or its worker died: see ABANDONED)
    SENT = "sent", "Sent"
    ERROR = "error", "Error"
    ABANDONED = "abandoned", "Abandoned"  # the worker's lease ran out mid-send


class OutboxAttempt(models.Model):
    """One try at sending one outbox message."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    worker_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        max_length=10, choices=AttemptOutcome.choices, default=AttemptOutcome.SENDING
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["message", "number"]
        constraints = [
            models.UniqueConstraint(fields=["message", "number"], name="outbox_attempt_number"),
        ]

    def __str__(self) -> str:
        return f"attempt {self.number}: {self.outcome}"


class MailboxMessage(models.Model):
    """A message the ``mailbox://`` backend delivered, one row per envelope recipient (like a
    real mailbox: each recipient gets a copy). Read by staff at /staff/mailbox/ and by
    ``midas mailbox``."""

    created_at = models.DateTimeField(auto_now_add=True)
    recipient = models.CharField(max_length=254, db_index=True)
    from_email = models.CharField(max_length=254)
    to = models.TextField(help_text="The To header")
    cc = models.TextField(blank=True)
    reply_to = models.TextField(blank=True)
    subject = models.CharField(max_length=998)
    message_id = models.CharField(max_length=255, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    attachments = models.JSONField(
        default=list, blank=True, help_text="[{filename, mimetype, size, content_b64}]"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "mailbox message"
        indexes = [models.Index(fields=["recipient", "-created_at"], name="mailbox_by_recipient")]

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipient}"
