"""Support tickets: a thread of messages between a customer (or a visitor who left an e-mail
address) and the concierge team, with its status, priority, assignee, tags and timers; the
files attached to a message; the team's saved replies.

A ticket's e-mails carry a reply address that names the ticket and an HMAC of its id
(``concierge.threading``): the answer to any of them lands back in the thread, whichever way
it comes in (SendGrid's Inbound Parse webhook or ``midas mail-in``). See
docs/explanation/concierge.md.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse

from midas.core.models import TimestampedModel


class TicketStatus(models.TextChoices):
    NEW = "new", "New"  # nobody on the team has answered yet
    OPEN = "open", "Open"  # the ball is in the team's court
    WAITING = "waiting", "Waiting on customer"  # the team answered; the customer's turn
    RESOLVED = "resolved", "Resolved"  # done; a reply from the customer reopens it
    CLOSED = "closed", "Closed"  # done for good; a reply opens a new ticket


ACTIVE_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING)


class TicketPriority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class TicketKind(models.TextChoices):
    """What the customer asks for. The concierge requests go with a booking."""

    QUESTION = "question", "A question"
    BOOKING = "booking", "About a booking"
    RESTAURANT = "restaurant", "Restaurant reservation"
    CHAUFFEUR = "chauffeur", "Chauffeur"
    ITINERARY = "itinerary", "Itinerary planning"
    DELIVERY_CHANGE = "delivery_change", "Change of delivery"
    FEEDBACK = "feedback", "Feedback"


CONCIERGE_REQUESTS = (
    TicketKind.RESTAURANT,
    TicketKind.CHAUFFEUR,
    TicketKind.ITINERARY,
    TicketKind.DELIVERY_CHANGE,
)


class TicketChannel(models.TextChoices):
    """Where a ticket or a message came from."""

    ACCOUNT = "account", "Account pages"
    CONTACT = "contact", "Contact form"
    API = "api", "API"
    EMAIL = "email", "E-mail"
    STAFF = "staff", "Staff console"


class Tag(models.Model):
    name = models.SlugField(max_length=40, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Ticket(TimestampedModel):
    """One conversation. ``customer`` is set when the person has an account (found by the
    address for the contact form and e-mail); ``email`` is always where replies go."""

    customer = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    name = models.CharField(max_length=150, blank=True)
    email = models.EmailField(max_length=254)
    subject = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=TicketKind.choices, default=TicketKind.QUESTION)
    booking = models.ForeignKey(
        "bookings.Booking",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    channel = models.CharField(max_length=10, choices=TicketChannel.choices)
    status = models.CharField(max_length=10, choices=TicketStatus.choices, default=TicketStatus.NEW)
    priority = models.CharField(
        max_length=10, choices=TicketPriority.choices, default=TicketPriority.NORMAL
    )
    assignee = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        limit_choices_to={"is_staff": True},
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    first_response_due = models.DateTimeField(help_text="Opened + CONCIERGE_FIRST_RESPONSE_MINUTES")
    resolution_due = models.DateTimeField(help_text="Opened + CONCIERGE_RESOLUTION_HOURS")
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    last_message_at = models.DateTimeField()
    email_thread = models.JSONField(
        default=list, blank=True, help_text="Message-IDs of the thread's e-mails, oldest first"
    )
    satisfaction = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The customer's 'how did we do' score, 1 to 5"
    )
    satisfaction_comment = models.TextField(blank=True)
    satisfaction_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-last_message_at"], name="ticket_inbox"),
            models.Index(fields=["customer", "-last_message_at"], name="ticket_by_customer"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True)
                | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="ticket_satisfaction_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("concierge:ticket", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def first_response_late(self, now: dt.datetime) -> bool:
        """The first answer came, or is still due, after its target."""
        return (self.first_response_at or now) > self.first_response_due

    def resolution_late(self, now: dt.datetime) -> bool:
        return (self.resolved_at or now) > self.resolution_due


class Author(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    STAFF = "staff", "Staff"


class TicketMessage(models.Model):
    """One message of the thread. A staff ``internal`` note is never sent nor shown to the
    customer. ``message_id`` is the e-mail's Message-ID (ours when we sent it, theirs when
    it came in), for the thread's References."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    created_at = models.DateTimeField()
    author = models.CharField(max_length=10, choices=Author.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    channel = models.CharField(max_length=10, choices=TicketChannel.choices)
    body = models.TextField()
    internal = models.BooleanField(default=False, help_text="A staff note the customer never sees")
    message_id = models.CharField(max_length=255, blank=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.author} on #{self.ticket_id} at {self.created_at:%Y-%m-%d %H:%M}"


def attachment_path(instance: TicketAttachment, filename: str) -> str:
    """Stored under a name we choose: the customer's file name is kept in ``filename``."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"concierge/{instance.message.ticket_id}/{secrets.token_hex(12)}.{suffix[:8]}"


class TicketAttachment(models.Model):
    """An image or PDF sent with a message, in Django's default storage (never served as a
    public file: the ticket's pages stream it to whoever may read the ticket)."""

    message = models.ForeignKey(TicketMessage, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class SavedReply(TimestampedModel):
    """A reply the team sends often; ``{name}`` and ``{ticket}`` are filled in."""

    title = models.CharField(max_length=100, unique=True)
    body = models.TextField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "saved replies"

    def __str__(self) -> str:
        return self.title


# --- Reviews ------------------------------------------------------------------------------


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Waiting for moderation"
    APPROVED = "approved", "Approved"  # shown on the asset's page and in its average
    REJECTED = "rejected", "Rejected"


class ReviewInvitation(models.Model):
    """The e-mail asking a customer to rate a returned booking: one per booking, ever."""

    booking = models.OneToOneField(
        "bookings.Booking", on_delete=models.CASCADE, related_name="review_invitation"
    )
    sent_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"invitation for booking {self.booking_id}"


class Review(TimestampedModel):
    """A customer's rating (1-5) and comment of one returned booking; shown once approved."""

    booking = models.OneToOneField(
        "bookings.Booking", on_delete=models.CASCADE, related_name="review"
    )
    asset = models.ForeignKey("catalog.Asset", on_delete=models.CASCADE, related_name="reviews")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews"
    )
    rating = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    display_name = models.CharField(max_length=80, help_text="As shown: first name and initial")
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderation_note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["asset", "status", "-created_at"], name="review_by_asset")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 for {self.asset_id} by {self.display_name}"
