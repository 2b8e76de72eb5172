from django.urls import include, path
from django.views.generic import RedirectView

from midas.status import views

app_name = "status"

# Mounted at "status" (no slash), so the page itself is /status and the rest /status/...
urlpatterns = [
    path("", views.status_page, name="page"),
    path(
        "/",
        include(
            [
                path("", RedirectView.as_view(pattern_name="status:page", permanent=True)),
                path("summary.json", views.summary_json, name="summary"),
                path("incidents.atom", views.incidents_atom, name="feed"),
                path("incidents/<int:pk>", views.incident_detail, name="incident"),
            ]
        ),
    ),
]
