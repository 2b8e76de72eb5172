"""Reviews' writes: the invitation (once per returned booking, by e-mail through the
outbox), the customer's rating, staff moderation.

Gated by the ``reviews`` flag: while it is off nobody is invited and no review is taken;
what was approved before stays in the database but no page shows it.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from midas.accounts.models import User
from midas.bookings.models import Booking, BookingStatus
from midas.catalog.services import catalog_version_bump
from midas.concierge.models import Review, ReviewInvitation, ReviewStatus
from midas.core.audit import audit
from midas.errors import AppError, ErrorCode
from midas.flags.selectors import flag_enabled
from midas.notifications.services import email_enqueue, staff_notify

COMMENT_MAX = 2000
INVITE_BATCH = 200


def review_invitations_send(*, now: dt.datetime | None = None) -> int:
    """Invite, once each, the customers of bookings returned (completed) within the last
    ``CONCIERGE_REVIEW_INVITE_DAYS``; how many were invited. Nothing while ``reviews`` is
    off. Each invitation and its e-mail are one transaction; the invitation row (one per
    booking) makes a second run, or two at once, send nothing more."""
    now = now or timezone.now()
    if not flag_enabled("reviews"):
        return 0
    since = now - dt.timedelta(days=settings.CONCIERGE_REVIEW_INVITE_DAYS)
    due = (
        Booking.objects.filter(status=BookingStatus.COMPLETED, end__gte=since)
        .filter(review_invitation__isnull=True, review__isnull=True)
        .filter(legacy_reference="")  # the old site's history: the import e-mails nobody
        .select_related("customer", "asset")
        .order_by("end")[:INVITE_BATCH]
    )
    return sum(_invite(booking, now) for booking in list(due))


def _invite(booking: Booking, now: dt.datetime) -> bool:
    try:
        with transaction.atomic():
            ReviewInvitation.objects.create(booking=booking, sent_at=now)
            email_enqueue(
                to=booking.customer.email,
                template="review_invite",
                context={
                    "customer_name": booking.customer.first_name or booking.customer.email,
                    "asset_name": booking.asset.name,
                    "reference": booking.reference,
                    "review_url": settings.SITE_URL
                    + reverse("concierge:review", args=[booking.reference]),
                },
                dedupe_key=f"review-invite:{booking.pk}",
            )
    except IntegrityError:  # another run invited this booking a moment ago
        return False
    audit("concierge.review.invited", actor=None, obj=booking)
    return True


@transaction.atomic
def review_submit(
    *,
    booking: Booking,
    customer: User,
    rating: int,
    comment: str = "",
    now: dt.datetime | None = None,
) -> Review:
    """The customer rates their returned booking, once; the review waits for moderation
    and the team is told."""
    now = now or timezone.now()
    if not flag_enabled("reviews", user=customer):
        raise AppError(ErrorCode.FEATURE_DISABLED, "Reviews are not open yet.", retry_after=300)
    if booking.customer_id != customer.pk:
        raise AppError(ErrorCode.NOT_FOUND, "no such booking")
    if booking.status != BookingStatus.COMPLETED:
        raise AppError(ErrorCode.INVALID_STATE, "A booking is reviewed once it is returned.")
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise AppError(ErrorCode.INVALID_INPUT, "Rate from 1 to 5 stars.", field="rating")
    comment = (comment or "").replace("\x00", "").strip()
    if len(comment) > COMMENT_MAX:
        raise AppError(
            ErrorCode.INVALID_INPUT,
            f"The comment is longer than {COMMENT_MAX} characters.",
            field="comment",
        )
    if Review.objects.filter(booking=booking).exists():
        raise AppError(ErrorCode.INVALID_STATE, "You have already reviewed this booking.")
    initial = f" {customer.last_name[:1]}." if customer.last_name else ""
    try:
        with transaction.atomic():
            review = Review.objects.create(
                booking=booking,
                asset=booking.asset,
                customer=customer,
                rating=rating,
                comment=comment,
                display_name=f"{customer.first_name or 'A guest'}{initial}"[:80],
            )
    except IntegrityError:
        raise AppError(ErrorCode.INVALID_STATE, "You have already reviewed this booking.") from None
    staff_notify(
        template="staff_new_review",
        context={
            "asset_name": booking.asset.name,
            "reference": booking.reference,
            "rating": rating,
            "comment": comment,
            "admin_url": settings.SITE_URL
            + reverse("admin:concierge_review_change", args=[review.pk]),
        },
    )
    audit("concierge.review.submitted", actor=customer, obj=review, rating=rating)
    return review


@transaction.atomic
def review_moderate(
    *, review: Review, by: User, approve: bool, note: str = "", now: dt.datetime | None = None
) -> Review:
    """Staff approve (shown on the asset's page, counted in its average) or reject a
    review; either can be changed later. The asset's cached page is renewed."""
    now = now or timezone.now()
    if not by.is_staff:
        raise AppError(ErrorCode.FORBIDDEN, "Only staff moderate reviews.")
    review = Review.objects.select_for_update().get(pk=review.pk)
    review.status = ReviewStatus.APPROVED if approve else ReviewStatus.REJECTED
    review.moderated_by = by
    review.moderated_at = now
    review.moderation_note = note[:200]
    review.save(
        update_fields=["status", "moderated_by", "moderated_at", "moderation_note", "updated_at"]
    )
    catalog_version_bump()  # the asset's page shows approved reviews
    audit("concierge.review.moderated", actor=by, obj=review, status=review.status)
    return review
