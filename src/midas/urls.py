from django.apps import apps
from django.contrib import admin
from django.urls import include, path

from midas.accounts.forms import StaffLoginForm
from midas.api.routes import api
from midas.catalog.photos.views import photo_file
from midas.slo.views import metrics

admin.site.site_header = "Midas back office"
admin.site.site_title = "Midas"
admin.site.index_title = "Run the collection"
admin.site.login_form = StaffLoginForm  # announces staff sign-ins (accounts.signals)
admin.site.index_template = "admin/midas_index.html"  # links to the staff consoles

# The go-live control plane is the top layer: the site serves, books and pays without it.
launch = (
    [
        path("ops/launch/", include("midas.launch.console.urls")),
        path("launch/", include("midas.launch.urls")),
        path("launch/ack/", include("midas.launch.ack_urls")),
    ]
    if apps.is_installed("midas.launch")
    else []
)

# A dependency down answers 503 with Retry-After, anything else the branded 500 page.
handler500 = "midas.ops.errors.server_error"

urlpatterns = [
    # The public pages first: they are most of the traffic, and each pattern tried before a
    # match costs. None of theirs (the home page, collection/, assets/<slug>/, currency/,
    # about/, contact/, faq/, terms/, sitemap.xml, robots.txt) is a prefix of another below.
    path("", include("midas.web.urls")),
    # before the admin's own: the photos panel's endpoints (midas.catalog.photos.admin)
    path("admin/catalog/asset/<int:asset_id>/photos/", include("midas.catalog.photos.admin")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("account/", include("midas.accounts.urls")),
    path("bookings/", include("midas.bookings.urls")),
    path("staff/mailbox/", include("midas.notifications.urls")),
    path("staff/tickets/", include("midas.concierge.staff_urls")),
    path("staff/chat/", include("midas.concierge.chat.staff_urls")),
    path("support/", include("midas.concierge.urls")),
    path("chat/", include("midas.concierge.chat.urls")),
    path("status", include("midas.status.urls")),
    path("", include("midas.ops.urls")),
    *launch,
    path("ops/insights/", include("midas.insights.console_urls")),
    path("ops/", include("midas.ops.console.urls")),
    path("metrics", metrics, name="metrics"),
    path("media/photos/<path:name>", photo_file, name="photo-file"),  # catalog.photos.views
    path("", include("midas.insights.urls")),
]
