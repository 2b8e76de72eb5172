"""The account pages' forms: they parse and show problems; the rules are the services'.

Each form reports every problem at once (the services' ``*_problems`` helpers); an
``AppError`` raised later by a service is put on its field with ``add_app_error``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.utils import timezone

from midas.accounts import ratelimit, services, signals
from midas.accounts.models import User
from midas.errors import AppError

RULES_HELP = (
    "At least 10 characters; not a common password, not all digits, not like your name "
    "or email address."
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **attrs: str) -> None:
        super().__init__(format="%Y-%m-%d", attrs=attrs or None)


def _text(autocomplete: str, **attrs: str) -> forms.TextInput:
    return forms.TextInput(attrs={"autocomplete": autocomplete, **attrs})


def _password(autocomplete: str) -> forms.PasswordInput:
    return forms.PasswordInput(attrs={"autocomplete": autocomplete})


class AccountForm(forms.Form):
    def add_app_error(self, error: AppError) -> None:
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)

    def add_problems(self, problems: dict[str, list[str]]) -> None:
        for field, messages in problems.items():
            if field in self.fields and not self.has_error(field):
                for message in messages:
                    self.add_error(field, message)


class RegisterForm(AccountForm):
    first_name = forms.CharField(max_length=150, widget=_text("given-name"))
    last_name = forms.CharField(max_length=150, widget=_text("family-name"))
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    date_of_birth = forms.DateField(
        label="Date of birth",
        widget=DateInput(autocomplete="bday"),
        help_text="You must be 18 or older. Each car, yacht or villa may ask more.",
    )
    phone = forms.CharField(
        label="Phone (optional)",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        help_text="With the country code, so your concierge can reach you.",
    )
    password = forms.CharField(strip=False, widget=_password("new-password"), help_text=RULES_HELP)

    def clean(self) -> dict[str, object]:
        data = super().clean()
        self.add_problems(
            services.registration_problems(
                email=data.get("email") or "x@invalid.invalid",
                password=data.get("password") or "",
                first_name=data.get("first_name") or "-",
                last_name=data.get("last_name") or "-",
                date_of_birth=data.get("date_of_birth") or dt.date(2000, 1, 1),
                phone=data.get("phone") or "",
                today=timezone.now().date(),
            )
        )
        return data


class LoginForm(AccountForm):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(strip=False, widget=_password("current-password"))


class EmailForm(AccountForm):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class SetPasswordForm(AccountForm):
    new_password = forms.CharField(
        label="New password",
        strip=False,
        widget=_password("new-password"),
        help_text=RULES_HELP,
    )

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_new_password(self) -> str:
        password = self.cleaned_data["new_password"]
        password_validation.validate_password(password, user=self.user)
        return password


class ChangePasswordForm(SetPasswordForm):
    old_password = forms.CharField(
        label="Current password", strip=False, widget=_password("current-password")
    )
    field_order = ["old_password", "new_password"]


class DeleteAccountForm(AccountForm):
    """Deleting one's account: the password confirms it is really them."""

    password = forms.CharField(
        label="Your password", strip=False, widget=_password("current-password")
    )


class ProfileForm(AccountForm):
    first_name = forms.CharField(max_length=150, widget=_text("given-name"))
    last_name = forms.CharField(max_length=150, widget=_text("family-name"))
    phone = forms.CharField(
        label="Phone",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    date_of_birth = forms.DateField(label="Date of birth", widget=DateInput(autocomplete="bday"))
    licence_number = forms.CharField(
        label="Licence number", required=False, max_length=40, widget=_text("off")
    )
    licence_country = forms.CharField(
        label="Issuing country",
        required=False,
        max_length=2,
        widget=_text("off", size="3", pattern="[A-Za-z]{2}"),
        help_text="Two-letter code, e.g. US, AE or GB.",
    )
    licence_expiry = forms.DateField(
        label="Valid until", required=False, widget=DateInput(autocomplete="off")
    )

    def clean(self) -> dict[str, object]:
        data = super().clean()
        self.add_problems(
            services.profile_problems(
                first_name=data.get("first_name") or "-",
                last_name=data.get("last_name") or "-",
                phone=data.get("phone") or "",
                date_of_birth=data.get("date_of_birth") or dt.date(2000, 1, 1),
                licence_number=data.get("licence_number") or "",
                licence_country=data.get("licence_country") or "",
                licence_expiry=data.get("licence_expiry"),
                today=timezone.now().date(),
            )
        )
        return data

    @classmethod
    def initial_for(cls, user: User) -> dict[str, object]:
        fields = ["first_name", "last_name", "phone", "date_of_birth"]
        fields += ["licence_number", "licence_country", "licence_expiry"]
        return {name: getattr(user, name) for name in fields}


class StaffLoginForm(AdminAuthenticationForm):
    """The admin's login form (``admin.site.login_form``): announces the sign-in
    (``signals.signed_in``) once the password and the staff flag have been checked, as the
    sign-in page and the API token endpoint do."""

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if self.request is not None:
            signals.signed_in.send(
                sender=StaffLoginForm, user=user, ip=ratelimit.client_ip(self.request)
            )
