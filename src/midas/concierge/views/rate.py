"""The "how did we do?" page of a resolved ticket, reached from the e-mail's links
(``/support/rate/<signed ticket id>/?score=N``): no sign-in (a visitor without an account
answers too); the score is written only by the form's POST, never by opening the link (mail
scanners open links)."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from midas.concierge import threading
from midas.concierge.models import Ticket
from midas.concierge.services import ticket_rate
from midas.core.meta import PageMeta
from midas.errors import AppError

SCORES = [
    (5, "5 · Excellent"),
    (4, "4 · Good"),
    (3, "3 · All right"),
    (2, "2 · Poor"),
    (1, "1 · Very poor"),
]


class RateForm(forms.Form):
    score = forms.TypedChoiceField(
        choices=SCORES, coerce=int, widget=forms.RadioSelect, label="How did we do?"
    )
    comment = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Anything we could do better? (optional)",
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    ticket_id = threading.ticket_id_from_satisfaction_token(token)
    ticket = Ticket.objects.filter(pk=ticket_id).first() if ticket_id else None
    if ticket is None:
        raise Http404
    score = request.GET.get("score", "")
    initial = {"score": int(score)} if score in {"1", "2", "3", "4", "5"} else {}
    form = RateForm(request.POST or None, initial=initial)
    done = False
    if request.method == "POST" and form.is_valid():
        try:
            ticket = ticket_rate(
                ticket=ticket,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
            done = True
        except AppError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    meta = PageMeta(title="How did we do?", description="How did we do?", path=request.path)
    context = {"meta": meta, "ticket": ticket, "form": form, "done": done, "token": token}
    return render(request, "concierge/rate.html", context, status=400 if form.errors else 200)
