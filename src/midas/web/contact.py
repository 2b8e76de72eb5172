"""The contact page and its form: anyone can write to the concierge, and the message opens a
support ticket (``concierge.services.ticket_open``). Anonymous visitors leave a name and an
e-mail address; a signed-in customer's account says who they are.

Robots: a honeypot field and a signed minimum fill time (``concierge.forms.ContactForm``),
and a limit per client address (``CONTACT``); no third-party captcha. The page is never
kept in the page cache: its form carries a CSRF token.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from midas.accounts.models import User
from midas.accounts.ratelimit import Limit, by_ip, too_many_requests
from midas.concierge.forms import ContactForm
from midas.concierge.models import TicketChannel
from midas.concierge.services import ticket_open
from midas.core.meta import PageMeta
from midas.errors import AppError, ErrorCode

logger = logging.getLogger(__name__)

# Messages from the contact form per client address (settings.RATE_LIMITS may override).
CONTACT = Limit("contact", limit=5, window=60 * 60)

TITLE = "Contact the concierge"
DESCRIPTION = (
    "Reach the Midas concierge by phone, email or WhatsApp, any hour of any day, in "
    "Dubai and across the Washington DC region, Houston and Atlanta."
)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    user = request.user
    signed_in = isinstance(user, User) and user.is_authenticated
    form = ContactForm(request.POST or None, signed_in=signed_in)
    sent = None
    status = 200
    if request.method == "POST":
        if form.is_robot:  # thanked, nothing written: a robot learns nothing
            logger.info("contact form: honeypot filled, message dropped")
            return _render(request, ContactForm(signed_in=signed_in), sent=0)
        if form.is_valid():
            data = form.cleaned_data
            try:
                CONTACT.hit(by_ip(request))
                ticket = ticket_open(
                    customer=user if isinstance(user, User) and signed_in else None,
                    email=data.get("email", ""),
                    name=data.get("name", ""),
                    subject=data["subject"],
                    body=data["body"],
                    channel=TicketChannel.CONTACT,
                )
            except AppError as exc:
                if exc.code == ErrorCode.RATE_LIMITED:
                    return too_many_requests(request, exc)
                form.add_app_error(exc)
            else:
                sent = ticket.pk
                form = ContactForm(signed_in=signed_in)
        status = 400 if form.errors else 200
    return _render(request, form, sent=sent, status=status)


def _render(
    request: HttpRequest, form: ContactForm, *, sent: int | None, status: int = 200
) -> HttpResponse:
    meta = PageMeta(title=TITLE, description=DESCRIPTION, path=request.path)
    context = {"meta": meta, "form": form, "sent": sent}
    return render(request, "web/contact.html", context, status=status)
