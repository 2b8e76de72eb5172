"""The project's URLs plus the staff mailbox, as midas/urls.py is asked to include it."""

from django.urls import include, path

from midas.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("staff/mailbox/", include("midas.notifications.urls")),
    *project_urlpatterns,
]
