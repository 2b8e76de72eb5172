"""The concierge's forms: they parse and show problems; the rules are the services'.

The contact form guards itself against robots without a third-party captcha: a field people
never see (``website``, hidden by the style sheet; a robot that fills it is thanked and
nothing is written) and a signed timestamp of when the form was shown (``started``: a form
sent back sooner than ``CONCIERGE_CONTACT_MIN_SECONDS``, or with a forged or stale
timestamp, is refused). The page also counts per address (``CONTACT`` in views).
"""

from __future__ import annotations

import time
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing

from midas.concierge.attachments import Upload
from midas.concierge.models import CONCIERGE_REQUESTS, TicketKind, TicketPriority, TicketStatus
from midas.errors import AppError

STARTED_SALT = "midas.concierge.contact-started"
STARTED_MAX_AGE = 24 * 60 * 60  # a form left open a day is shown again


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


def uploads(files: list[Any]) -> list[Upload]:
    """Form uploads as the services take them (read whole: each is under the size limit,
    and Django refuses request bodies past DATA_UPLOAD_MAX_MEMORY_SIZE... for fields; files
    stream to disk past FILE_UPLOAD_MAX_MEMORY_SIZE)."""
    limit = settings.CONCIERGE_ATTACHMENT_MAX_BYTES
    return [Upload(f.name, f.read(limit + 1)) for f in files]


class ConciergeForm(forms.Form):
    def add_app_error(self, error: AppError) -> None:
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)


class TicketForm(ConciergeForm):
    """A signed-in customer's new ticket (from the account pages or a booking)."""

    kind = forms.ChoiceField(choices=TicketKind.choices, initial=TicketKind.QUESTION)
    booking = forms.ChoiceField(required=False, label="Booking")
    subject = forms.CharField(max_length=200)
    body = forms.CharField(label="Your message", max_length=20_000, widget=forms.Textarea)
    attachments = MultipleFileField(
        label="Photos or PDFs", help_text="Optional: images or PDFs, up to 10 MB each"
    )

    def __init__(self, *args: Any, bookings: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["booking"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "None"), *bookings]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") in CONCIERGE_REQUESTS and not data.get("booking"):
            self.add_error("booking", "A concierge request goes with one of your bookings.")
        return data


class ReplyForm(ConciergeForm):
    body = forms.CharField(label="Your answer", max_length=20_000, widget=forms.Textarea)
    attachments = MultipleFileField(label="Photos or PDFs")


class ContactForm(ConciergeForm):
    name = forms.CharField(max_length=150, widget=forms.TextInput({"autocomplete": "name"}))
    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    subject = forms.CharField(max_length=200)
    body = forms.CharField(label="Your message", max_length=20_000, widget=forms.Textarea)
    # robots only: hidden by the style sheet, labelled for screen readers to leave empty
    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, signed_in: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["started"] = signing.dumps(time.time(), salt=STARTED_SALT)
        if signed_in:  # the account says who they are
            del self.fields["name"]
            del self.fields["email"]

    @property
    def is_robot(self) -> bool:
        return bool(self.data.get("website"))

    def clean_started(self) -> str:
        value = self.cleaned_data["started"]
        try:
            shown = float(signing.loads(value, salt=STARTED_SALT, max_age=STARTED_MAX_AGE))
        except (signing.BadSignature, TypeError, ValueError):
            raise forms.ValidationError("This form has expired: please send it again.") from None
        if time.time() - shown > STARTED_MAX_AGE:
            raise forms.ValidationError("This form has expired: please send it again.")
        if time.time() - shown < settings.CONCIERGE_CONTACT_MIN_SECONDS:
            raise forms.ValidationError("That was very quick: please check and send again.")
        return value


class AnswerForm(ConciergeForm):
    """Staff: an answer (e-mailed) or a note (never sent)."""

    body = forms.CharField(max_length=20_000, widget=forms.Textarea(attrs={"rows": 8}))
    internal = forms.BooleanField(required=False, label="Internal note (not sent)")
    status = forms.ChoiceField(
        choices=[
            (TicketStatus.WAITING, "Send, waiting on customer"),
            (TicketStatus.OPEN, "Send, keep open"),
            (TicketStatus.RESOLVED, "Send and resolve"),
        ],
        initial=TicketStatus.WAITING,
    )
    attachments = MultipleFileField(label="Photos or PDFs")


class TriageForm(ConciergeForm):
    status = forms.ChoiceField(choices=TicketStatus.choices)
    priority = forms.ChoiceField(choices=TicketPriority.choices)
    assignee = forms.ChoiceField(required=False)
    tags = forms.CharField(required=False, max_length=400, help_text="Comma-separated")

    def __init__(self, *args: Any, staff: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Unassigned"), *staff]
