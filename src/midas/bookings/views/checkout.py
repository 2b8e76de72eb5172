"""Checkout: the quote again, line by line, the customer's eligibility and the cancellation
policy, then one confirm button that books (``booking_create``).

The asset page's Book button is a plain GET form to this page (it changes nothing, so the
public, cached asset page carries no CSRF token and the sign-in redirect keeps the dates);
the confirm button is a POST with a CSRF token and a one-off idempotency key, so a double
click or a resubmitted form books once.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from midas.accounts.ratelimit import Limit, by_user, too_many_requests
from midas.accounts.services import check_eligibility
from midas.bookings.forms import CheckoutForm, new_idempotency_key
from midas.bookings.models import Booking, BookingStatus
from midas.bookings.policies import describe_policy
from midas.bookings.quoting import QuoteRequest, QuoteResult, quote_for_page
from midas.bookings.services import booking_create
from midas.bookings.services.terms import current_terms_version, terms_accepted
from midas.bookings.views.common import page, to_login
from midas.catalog import selectors as catalog
from midas.catalog.models import Asset
from midas.errors import AppError, ErrorCode
from midas.flags.guards import flag_page

# The API's scope: one counter per customer for the page and POST /api/v1/bookings alike
# (settings.RATE_LIMITS may override it).
BOOKING_CREATE = Limit("booking_create", limit=10, window=60)


def quote_query(request: QuoteRequest) -> QueryDict:
    """The quote's fields as a query string (what the checkout URL and forms carry)."""
    query = QueryDict(mutable=True)
    query["start"] = request.start
    query["end"] = request.end
    if request.location:
        query["location"] = request.location
    query.setlist("extras", request.extras)
    for name in ("guests", "origin", "destination", "return_at"):
        if getattr(request, name):
            query[name] = getattr(request, name)
    return query


def checkout_url(asset: Asset, request: QuoteRequest) -> str:
    return f"{reverse('bookings:checkout', args=[asset.slug])}?{quote_query(request).urlencode()}"


def asset_quote_url(asset: Asset, request: QuoteRequest) -> str:
    return f"{asset.get_absolute_url()}?{quote_query(request).urlencode()}#quote"


def after_booking(booking: Booking) -> str:
    if booking.status == BookingStatus.REQUESTED:
        return reverse("bookings:requested", args=[booking.reference])
    if booking.status == BookingStatus.HELD:
        return reverse("bookings:pay", args=[booking.reference])
    return reverse("bookings:detail", args=[booking.reference])


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@flag_page("booking")
def checkout(request: HttpRequest, slug: str) -> HttpResponse:
    asset = catalog.asset_for_page(slug)
    if asset is None:
        raise Http404("No such asset")
    data = request.POST if request.method == "POST" else request.GET
    asked = QuoteRequest.from_query(data)
    if not request.user.is_authenticated:
        return to_login(request, checkout_url(asset, asked))
    if not asked.submitted:
        return redirect(asset.get_absolute_url() + "#quote")
    now = timezone.now()
    # the customer is known here: their service tier's rules and perks apply
    result = quote_for_page(asset, asked, catalog.served_locations(asset), now, request.user)
    form = CheckoutForm(request.POST or None, initial={"idempotency_key": new_idempotency_key()})
    refusal = None
    if result.quote is not None:
        try:
            check_eligibility(
                user=request.user, asset=asset, start=result.quote.start, end=result.quote.end
            )
        except AppError as exc:
            refusal = exc
    status = 200
    if request.method == "POST":
        if result.quote is None or refusal is not None or not form.is_valid():
            status = 400
        else:
            try:
                BOOKING_CREATE.hit(by_user(request))
                booking = booking_create(
                    customer=request.user,
                    asset=asset,
                    **result.booking_args(),
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    now=now,
                    terms_version=terms_accepted(form.cleaned_data["accept_terms"]),
                )
            except AppError as exc:
                if exc.code == ErrorCode.RATE_LIMITED:
                    return too_many_requests(request, exc)
                if exc.code == ErrorCode.NOT_ELIGIBLE:
                    refusal = exc
                elif exc.code == ErrorCode.SLOT_UNAVAILABLE:
                    result.available = False
                else:
                    form.add_app_error(exc)
                status = exc.status
            else:
                return redirect(after_booking(booking))
    return review(request, asset, result, form, refusal, status=status)


def review(
    request: HttpRequest,
    asset: Asset,
    result: QuoteResult,
    form: CheckoutForm,
    refusal: AppError | None,
    *,
    status: int,
) -> HttpResponse:
    bookable = result.quote is not None and result.available and refusal is None
    profile = reverse("accounts:profile")
    context = {
        "asset": asset,
        "result": result,
        "form": form,
        "refusal": refusal,
        "bookable": bookable,
        "policy": describe_policy(asset.category.slug),
        "change_url": asset_quote_url(asset, result.request),
        "profile_url": profile,
        "hidden": quote_query(result.request),
        "hold_minutes": settings.HOLD_MINUTES,
        "terms_version": current_terms_version(),
    }
    title = "Request to book" if asset.requires_request else "Review and book"
    return page(request, "bookings/checkout.html", title, context, status=status)
