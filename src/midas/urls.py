from django.contrib import admin
from django.urls import include, path

from midas.api.routes import api
from midas.launch.security_signals import StaffLoginForm
from midas.slo.views import metrics

admin.site.site_header = "Midas back office"
admin.site.site_title = "Midas"
admin.site.index_title = "Run the collection"
admin.site.login_form = StaffLoginForm  # records staff sign-ins (launch security trigger)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("account/", include("midas.accounts.urls")),
    path("bookings/", include("midas.bookings.urls")),
    path("staff/mailbox/", include("midas.notifications.urls")),
    path("status", include("midas.status.urls")),
    path("", include("midas.ops.urls")),
    path("ops/launch/", include("midas.launch.console.urls")),
    path("launch/", include("midas.launch.urls")),
    path("launch/ack/", include("midas.launch.ack_urls")),
    path("ops/", include("midas.ops.console.urls")),
    path("metrics", metrics, name="metrics"),
    path("", include("midas.web.urls")),
]
