"""The account pages. Thin: read the form, call one service, render or redirect.

Every form posts with a CSRF token; every page works without JavaScript. A rate limit or
lockout answers the same page with status 429 and ``Retry-After``.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from midas.accounts import deletion, forms, ratelimit, services
from midas.accounts.authentication import check_credentials
from midas.accounts.models import User
from midas.core.meta import PageMeta
from midas.errors import AppError, ErrorCode
from midas.flags.guards import flag_page

PENDING = "accounts_pending"  # session: the account registered in this browser, its address
NEXT = "accounts_next"  # session: where to go once the address is verified
account_required = login_required(login_url="accounts:login")
GET_POST = require_http_methods(["GET", "HEAD", "POST"])


def _page(
    request: HttpRequest,
    template: str,
    title: str,
    context: dict[str, Any] | None = None,
    *,
    error: AppError | None = None,
    status: int = 200,
) -> HttpResponse:
    meta = PageMeta(title=title, description=title, path=request.path)
    if error is not None and error.status == 429:
        status = 429
    response = render(request, template, {"meta": meta, **(context or {})}, status=status)
    if error is not None and error.retry_after:
        response["Retry-After"] = str(error.retry_after)
    return response


def safe_next(request: HttpRequest, value: str | None) -> str:
    """``value`` when it is a path on this site (never another host, never a scheme
    change to http on an https site, never the sign-in pages themselves), else ''."""
    if not value or not url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    if value.startswith((reverse("accounts:login"), reverse("accounts:logout"))):
        return ""
    return value


def _next(request: HttpRequest) -> str:
    return safe_next(request, request.POST.get("next") or request.GET.get("next"))


def _limited(limit: ratelimit.Limit, request: HttpRequest) -> AppError | None:
    try:
        limit.hit(ratelimit.by_ip(request))
    except AppError as exc:
        return exc
    return None


@sensitive_post_parameters("password")
@never_cache
@GET_POST
@flag_page("registration")
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_next(request) or reverse("accounts:profile"))
    form = forms.RegisterForm(request.POST or None)
    error = None
    if request.method == "POST":
        error = _limited(ratelimit.REGISTER, request)
        if error:
            form.add_app_error(error)
        elif form.is_valid():
            data = form.cleaned_data
            try:
                user = services.account_register(
                    email=data["email"],
                    password=data["password"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    date_of_birth=data["date_of_birth"],
                    phone=data["phone"],
                )
                request.session[PENDING] = [user.pk, user.email]
            except AppError as exc:
                if exc.code != ErrorCode.EMAIL_TAKEN:
                    form.add_app_error(exc)
                    context = {"form": form, "next": _next(request)}
                    title = "Create your account"
                    return _page(request, "accounts/register.html", title, context, status=400)
                # the same answer as a new account; the owner is told by email instead
                services.account_notify_existing(email=data["email"])
                request.session[PENDING] = [None, data["email"].strip().lower()]
            request.session[NEXT] = _next(request)
            return redirect("accounts:check_email")
    status = 400 if form.errors else 200
    context = {"form": form, "next": _next(request)}
    return _page(
        request,
        "accounts/register.html",
        "Create your account",
        context,
        error=error,
        status=status,
    )


@never_cache
@require_http_methods(["GET", "HEAD"])
def check_email(request: HttpRequest) -> HttpResponse:
    _, email = request.session.get(PENDING) or (None, "")
    return _page(
        request,
        "accounts/check_email.html",
        "Check your email",
        {"email": email, "form": forms.EmailForm(initial={"email": email})},
    )


@never_cache
@require_POST
def resend_verification(request: HttpRequest) -> HttpResponse:
    form = forms.EmailForm(request.POST)
    error = _limited(ratelimit.EMAIL_LINKS, request)
    if error:
        form.add_app_error(error)
    if error or not form.is_valid():
        return _page(
            request,
            "accounts/check_email.html",
            "Check your email",
            {"email": "", "form": form},
            error=error,
            status=400,
        )
    services.account_resend_verification(email=form.cleaned_data["email"])
    messages.success(
        request,
        "If that address has an account waiting for confirmation, a new link is on its way.",
    )
    return redirect("accounts:check_email")


@never_cache
@require_http_methods(["GET", "HEAD"])
def verify(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = services.account_verify_email(token)
    except AppError as exc:
        context = {"error": exc, "form": forms.EmailForm()}
        return _page(
            request,
            "accounts/verify_failed.html",
            "This link cannot be used",
            context,
            status=400,
        )
    pending = request.session.get(PENDING) or [None, ""]
    signed_in = request.user.is_authenticated and request.user.pk == user.pk
    if not signed_in and pending[0] == user.pk:
        # the browser that registered (it proved the password): sign it in
        next_url = request.session.get(NEXT, "")
        login(request, user)
        request.session[NEXT] = next_url
        signed_in = True
    next_url = safe_next(request, request.session.pop(NEXT, "")) if signed_in else ""
    context = {"verified_user": user, "signed_in": signed_in, "next": next_url}
    return _page(request, "accounts/verified.html", "Email address confirmed", context)


@sensitive_post_parameters("password")
@never_cache
@GET_POST
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _next(request)
    if request.user.is_authenticated and request.method != "POST":
        return redirect(next_url or reverse("accounts:profile"))
    form = forms.LoginForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            user = check_credentials(
                request=request,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                limit=ratelimit.LOGIN,
            )
        except AppError as exc:
            error = exc
            form.add_error(None, exc.message)
        else:
            login(request, user)  # a new session key: a planted one is worthless
            return redirect(next_url or reverse("accounts:profile"))
    status = 400 if form.errors else 200
    context = {"form": form, "next": next_url, "error": error}
    return _page(request, "accounts/login.html", "Sign in", context, error=error, status=status)


@never_cache
@GET_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        logout(request)
        return redirect("web:home")
    return _page(request, "accounts/logout.html", "Sign out")


@never_cache
@GET_POST
def password_reset(request: HttpRequest) -> HttpResponse:
    form = forms.EmailForm(request.POST or None)
    error = None
    if request.method == "POST":
        error = _limited(ratelimit.EMAIL_LINKS, request)
        if error:
            form.add_app_error(error)
        elif form.is_valid():
            services.account_request_password_reset(form.cleaned_data["email"])
            context = {"sent_to": form.cleaned_data["email"]}
            return _page(request, "accounts/password_reset_sent.html", "Check your email", context)
    status = 400 if form.errors else 200
    return _page(
        request,
        "accounts/password_reset.html",
        "Reset your password",
        {"form": form},
        error=error,
        status=status,
    )


@sensitive_post_parameters("new_password")
@never_cache
@GET_POST
def password_reset_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = services.password_reset_user(token)
    except AppError as exc:
        return _page(
            request,
            "accounts/password_reset_confirm.html",
            "This link cannot be used",
            {"error": exc},
            status=400,
        )
    form = forms.SetPasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_reset_password(token, form.cleaned_data["new_password"])
        except AppError as exc:
            form.add_app_error(exc)
        else:
            messages.success(request, "Your password has been changed. Please sign in.")
            return redirect("accounts:login")
    status = 400 if form.errors else 200
    return _page(
        request,
        "accounts/password_reset_confirm.html",
        "Choose a new password",
        {"form": form},
        status=status,
    )


@never_cache
@account_required
@GET_POST
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = forms.ProfileForm.initial_for(user)
    form = forms.ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_update_profile(user=user, **form.cleaned_data)
        except AppError as exc:
            form.add_app_error(exc)
        else:
            messages.success(request, "Your details have been saved.")
            return redirect("accounts:profile")
    status = 400 if form.errors else 200
    return _page(request, "accounts/profile.html", "Your account", {"form": form}, status=status)


@sensitive_post_parameters("old_password", "new_password")
@never_cache
@account_required
@GET_POST
def password_change(request: HttpRequest) -> HttpResponse:
    form = forms.ChangePasswordForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.account_change_password(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except AppError as exc:
            form.add_app_error(exc)
        else:
            update_session_auth_hash(request, user)  # this session stays; the others end
            messages.success(
                request, "Your password has been changed; you were signed out everywhere else."
            )
            return redirect("accounts:profile")
    status = 400 if form.errors else 200
    return _page(
        request,
        "accounts/password_change.html",
        "Change your password",
        {"form": form},
        status=status,
    )


@sensitive_post_parameters("password")
@never_cache
@account_required
@GET_POST
def delete_account(request: HttpRequest) -> HttpResponse:
    """Delete one's account: what happens, what blocks it, then the password to confirm."""
    user = cast(User, request.user)  # account_required
    form = forms.DeleteAccountForm(request.POST or None)
    blockers = deletion.deletion_blockers(user)
    if request.method == "POST" and form.is_valid() and not blockers:
        try:
            deletion.account_delete(user=user, password=form.cleaned_data["password"])
        except AppError as exc:
            if exc.code == ErrorCode.ACCOUNT_DELETION_BLOCKED:
                blockers = deletion.deletion_blockers(user)
            form.add_app_error(exc)
        else:
            logout(request)
            return redirect("accounts:deleted")
    status = 409 if blockers and request.method == "POST" else 400 if form.errors else 200
    context = {"form": form, "blockers": blockers}
    return _page(request, "accounts/delete.html", "Delete your account", context, status=status)


@never_cache
@require_http_methods(["GET", "HEAD"])
def account_deleted(request: HttpRequest) -> HttpResponse:
    return _page(request, "accounts/deleted.html", "Your account is deleted")


def send_to_login(request: HttpRequest) -> HttpResponseRedirect:
    """For other apps: send an anonymous visitor to sign in and come back here."""
    return redirect_to_login(request.get_full_path(), reverse("accounts:login"))
