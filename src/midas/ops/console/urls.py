from django.urls import path

from midas.ops.console import views

app_name = "ops_console"

urlpatterns = [
    path("", views.console, name="console"),
    path("maintenance", views.maintenance_switch, name="maintenance"),
]
