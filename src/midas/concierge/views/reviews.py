"""The customer's review of a returned booking (the invitation e-mail links here): a rating
from 1 to 5 and a comment, once. Signed-in customers only, their own bookings only (another's
is a 404); behind the ``reviews`` flag."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from midas.bookings.selectors import booking_of_customer
from midas.concierge import selectors
from midas.concierge.services import review_submit
from midas.concierge.services.reviews import COMMENT_MAX
from midas.concierge.views.customer import signed_in
from midas.core.meta import PageMeta
from midas.errors import AppError
from midas.flags.guards import flag_page

STARS = [(n, f"{n} star{'s' if n > 1 else ''}") for n in range(5, 0, -1)]


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        choices=STARS, coerce=int, widget=forms.RadioSelect, label="Your rating"
    )
    comment = forms.CharField(
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        label="A few words (optional)",
        help_text="Shown on the page with your first name and initial, once approved.",
    )


@never_cache
@login_required(login_url="accounts:login")
@flag_page("reviews")
@require_http_methods(["GET", "HEAD", "POST"])
def review(request: HttpRequest, ref: str) -> HttpResponse:
    try:
        booking = booking_of_customer(ref, signed_in(request))
    except AppError:
        raise Http404 from None
    existing = selectors.review_of_booking(booking)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and existing is None and form.is_valid():
        try:
            existing = review_submit(
                booking=booking,
                customer=signed_in(request),
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except AppError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    meta = PageMeta(title="Your review", description="Your review", path=request.path)
    context = {"meta": meta, "booking": booking, "form": form, "review": existing}
    return render(request, "concierge/review.html", context, status=400 if form.errors else 200)
