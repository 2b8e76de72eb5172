"""A conversation between a visitor (a signed-in customer, or anonymous with a name, an
e-mail address and a secret token kept hashed) and the concierge; its messages, whose
monotonic ids are the stream's event ids; who of the staff is on duty, until when."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models

BODY_MAX = 2000
NAME_MAX = 120
PAGE_MAX = 500


def token_hash(token: str) -> str:
    """How an anonymous visitor's secret is kept: its sha256, never the secret."""
    return hashlib.sha256(token.encode()).hexdigest()


class ConversationStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for the concierge"
    ACTIVE = "active", "With the concierge"
    CLOSED = "closed", "Closed"


class Author(models.TextChoices):
    VISITOR = "visitor", "Visitor"
    STAFF = "staff", "Concierge"
    SYSTEM = "system", "System"


class Conversation(models.Model):
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chat_conversations",
    )
    name = models.CharField(max_length=NAME_MAX, blank=True)
    email = models.EmailField(blank=True)
    # sha256 of the anonymous visitor's secret (the ``midas_chat`` cookie); empty for a customer
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(
        max_length=10, choices=ConversationStatus.choices, default=ConversationStatus.WAITING
    )
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chat_conversations_taken",
    )
    page = models.CharField(max_length=PAGE_MAX, blank=True)  # the visitor's page, as they browse
    ticket_id = models.PositiveBigIntegerField(null=True, blank=True)  # turned into this ticket
    created_at = models.DateTimeField()
    last_message_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="chat_conv_status_idx")]

    def __str__(self) -> str:
        return f"Chat #{self.pk} ({self.visitor_name})"

    @property
    def visitor_name(self) -> str:
        if self.customer_id and self.customer is not None:
            return self.customer.get_full_name() or self.customer.email
        return self.name or "Visitor"

    @property
    def visitor_email(self) -> str:
        if self.customer_id and self.customer is not None:
            return self.customer.email
        return self.email


class ChatMessage(models.Model):
    """One line of a conversation. The id only grows, so it is the SSE event id: a stream
    resumes with ``after=<last id>`` and reads the rest from here, never from the bus."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.CharField(max_length=10, choices=Author.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(author__in=["visitor", "staff", "system"]),
                name="chat_message_author_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.author}: {self.body[:40]}"


class Duty(models.Model):
    """A staff member answering chats until ``until``: the console's heartbeat moves it on,
    so a closed laptop drops off duty by itself."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_duty"
    )
    until = models.DateTimeField(db_index=True)
    started_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "duties"

    def __str__(self) -> str:
        return f"{self.user} on duty until {self.until:%H:%M}"
