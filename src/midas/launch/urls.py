"""``/launch/``: the access gate's own pages (never gated; see midas.launch.access.admission),
and PagerDuty's webhook (``midas.launch.response.views``)."""

from django.urls import path

from midas.launch.access import views as access_views
from midas.launch.response import views as response_views

app_name = "launch"

urlpatterns = [
    path("", access_views.gate, name="gate"),
    path("waitlist", access_views.waitlist, name="waitlist"),
    path("invite", access_views.invite_code, name="invite_code"),
    path("invite/<str:signed>", access_views.invite_link, name="invite_link"),
    path("feedback", access_views.feedback, name="feedback"),
    path("pagerduty/webhook", response_views.pagerduty_webhook, name="pagerduty_webhook"),
]
