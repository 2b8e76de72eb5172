from django.urls import path

from midas.insights import views

app_name = "insights"

urlpatterns = [
    path("privacy/", views.privacy, name="privacy"),
    path("privacy/return-visits", views.return_visits, name="return_visits"),
    path("insights/beacon", views.beacon, name="beacon"),
]
