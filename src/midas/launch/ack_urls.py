"""``/launch/ack/<token>``: acknowledge an incident from the escalation email's link. The
token is the signed secret of one escalation (``midas.launch.response.escalation.ack_token``);
anything else is a 404. GET shows what would be acknowledged, POST (CSRF) does it."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.cache import never_cache

from midas.errors import STATUS_BY_CODE, AppError
from midas.launch import actors
from midas.launch.response.escalation import escalation_by_token, incident_acknowledge

app_name = "launch_ack"
TEMPLATE = "launch/ack.html"


def link_actor(request: HttpRequest) -> actors.Actor:
    """Who acknowledges: the signed-in staff account, else the holder of the link."""
    user = request.user
    if user.is_authenticated and user.is_active and user.is_staff:
        return actors.Actor(user=user, label=user.email, via="link")
    return actors.Actor(user=None, label="link:escalation email", via="link")


@never_cache
def ack(request: HttpRequest, token: str) -> HttpResponse:
    escalation = escalation_by_token(token)
    if escalation is None:
        raise Http404
    context = {"escalation": escalation, "incident": escalation.incident, "done": False}
    if request.method == "POST":
        try:
            escalation = incident_acknowledge(
                incident=escalation.incident, actor=link_actor(request)
            )
        except AppError as exc:
            context["error"] = exc.message
            return render(request, TEMPLATE, context, status=STATUS_BY_CODE.get(exc.code, 400))
        context.update(escalation=escalation, done=True)
    elif request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    return render(request, TEMPLATE, context)


urlpatterns = [path("<str:token>", ack, name="ack")]
