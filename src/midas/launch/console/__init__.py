"""The launch console at ``/ops/launch/``: the shared pieces of its pages, and finding them.

Each area's ``console.py`` (``midas.launch.<area>.console``, found by name) defines
``urlpatterns`` (paths relative to ``/ops/launch/``) and ``NAV``, a list of
``(position, "Label", "url-name")`` for the navigation (one per page). Views
use ``launch_view(PERM)`` and render templates extending ``launch/console/base.html``.
Staff only: anonymous visitors go to the login page, non-staff get a 404, staff without the
permission get a 403 page. A POST that a service refuses (``AppError``) comes back to the
page with the message and the error's status (4xx), having changed nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from midas.errors import STATUS_BY_CODE, AppError
from midas.launch import actors, area_modules

if TYPE_CHECKING:
    from midas.launch.actions import Action


def console_actor(request: HttpRequest) -> actors.Actor:
    return actors.of_user(request.user, "console")


def launch_view(perm: str = actors.VIEW) -> Callable:
    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @never_cache
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not (user.is_active and user.is_staff):
                raise Http404
            request.launch_actor = console_actor(request)
            if not actors.can(request.launch_actor, perm):
                return render(request, "launch/console/forbidden.html", {"perm": perm}, status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def refused(request: HttpRequest, exc: AppError, template: str, context: dict) -> HttpResponse:
    """Re-render ``template`` with the refusal shown, status from the error's code."""
    messages.error(request, f"{exc.message} ({exc.code})")
    return render(request, template, context, status=STATUS_BY_CODE.get(exc.code, 400))


def post_form(
    request: HttpRequest,
    *,
    perm: str,
    form_class: type[forms.Form],
    apply: Callable[[dict, actors.Actor], object],
    template: str,
    context: Callable[..., dict],
    success_url: str,
    from_url: dict[str, object] | None = None,
) -> HttpResponse:
    """The usual console POST: permission (403), the form (400 with its errors in
    ``form_error``), the service (``refused()`` on an AppError), then back to the page.
    ``from_url`` adds what the URL names (a key, an id) to the posted data."""
    if not actors.can(request.launch_actor, perm):
        return render(request, "launch/console/forbidden.html", {"perm": perm}, status=403)
    form = form_class(with_url(request, from_url))
    if not form.is_valid():
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        return render(request, template, context(request, form_error=errors), status=400)
    try:
        apply(form.cleaned_data, request.launch_actor)
    except AppError as exc:
        return refused(request, exc, template, context(request))
    return redirect(success_url)


def with_url(request: HttpRequest, from_url: dict[str, object] | None) -> Any:
    """The posted data, with what the URL names added (it wins over a posted value)."""
    if not from_url:
        return request.POST
    data = request.POST.copy()
    for name, value in from_url.items():
        data[name] = str(value)
    return data


def post_action(
    request: HttpRequest,
    action: Action,
    *,
    template: str,
    context: Callable[..., dict],
    success_url: str,
    from_url: dict[str, object] | None = None,
) -> HttpResponse:
    """``post_form`` with an action's permission, form and service."""
    return post_form(
        request,
        perm=action.perm,
        form_class=action.form,
        apply=action.apply,
        template=template,
        context=context,
        success_url=success_url,
        from_url=from_url,
    )


def modules() -> list:
    """The page modules: each area's ``console.py``, in area name order."""
    return area_modules("console")


def nav() -> list[tuple[str, str]]:
    """``[(label, url name)]`` in position order."""
    entries = sorted(entry for m in modules() for entry in getattr(m, "NAV", []))
    return [(label, name) for _, label, name in entries]
