"""The staff mailbox: what the ``mailbox://`` backend delivered, for staff only.

Include with ``path("staff/mailbox/", include("midas.notifications.urls"))``. Anonymous
visitors are sent to the staff login; signed-in customers get a 404 (the page is not theirs
to know about). Message HTML is shown in a sandboxed frame, never inline: the frame loads
the message's own document (``mailbox_html``), which has a policy of its own.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from functools import wraps

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from midas.notifications.printing import SHOWN_HEADERS
from midas.notifications.selectors import (
    mailbox_message,
    mailbox_messages,
    pagerduty_messages,
    slack_messages,
    sms_messages,
)

PAGE_SIZE = 50
# The policy of an email's own document, framed by the mailbox's and the admin's pages
# (notifications/_html_preview.html). Not the site's: an email styles itself inline (mail
# clients drop style sheets), so inline styles pass here, and nothing else does: no script,
# form, plugin or fetch; framed by our own pages only; sandboxed even when opened alone.
EMAIL_DOCUMENT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'self'; "
    "sandbox allow-popups allow-popups-to-escape-sandbox"
)
HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)


def email_document(html: str) -> HttpResponse:
    """An email's HTML as a document of its own, for the preview frame. Its links open in a
    new tab (``<base target>``, put inside ``<head>`` so the doctype stays first)."""
    base = '<base target="_blank">'
    head = HEAD.search(html)
    body = f"{html[: head.end()]}{base}{html[head.end() :]}" if head else base + html
    response = HttpResponse(body)
    response["Content-Security-Policy"] = EMAIL_DOCUMENT_POLICY
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Referrer-Policy"] = "no-referrer"
    return response


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (user.is_active and user.is_staff):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


@require_GET
@staff_required
def mailbox_list(request: HttpRequest) -> HttpResponse:
    to = request.GET.get("to", "").strip()
    page = Paginator(mailbox_messages(to=to), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        **admin.site.each_context(request),
        "title": "Mailbox",
        "page": page,
        "to": to,
        "slack": slack_messages(limit=20),
        "pages": pagerduty_messages(limit=20),
        "texts": sms_messages(limit=20),
    }
    return render(request, "notifications/mailbox_list.html", context)


@require_GET
@staff_required
def mailbox_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = mailbox_message(pk=pk)
    if message is None:
        raise Http404
    context = {
        **admin.site.each_context(request),
        "title": message.subject or "(no subject)",
        "message": message,
        "headers": [
            (name, message.headers[name]) for name in SHOWN_HEADERS if name in message.headers
        ],
    }
    return render(request, "notifications/mailbox_detail.html", context)


@require_GET
@staff_required
def mailbox_attachment(request: HttpRequest, pk: int, index: int) -> HttpResponse:
    message = mailbox_message(pk=pk)
    if message is None or not 0 <= index < len(message.attachments):
        raise Http404
    item = message.attachments[index]
    response = HttpResponse(
        base64.b64decode(item["content_b64"]),
        content_type=item["mimetype"] or "application/octet-stream",
    )
    filename = item["filename"].replace('"', "")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@never_cache
@staff_required
def mailbox_html(request: HttpRequest, pk: int) -> HttpResponse:
    message = mailbox_message(pk=pk)
    if message is None or not message.body_html:
        raise Http404
    return email_document(message.body_html)
