from django.urls import path

from midas.concierge.views import staff

app_name = "concierge_staff"

urlpatterns = [
    path("", staff.inbox, name="inbox"),
    path("<int:pk>/", staff.ticket, name="ticket"),
    path("<int:pk>/answer", staff.answer, name="answer"),
    path("<int:pk>/triage", staff.triage, name="triage"),
    path("files/<int:pk>/", staff.attachment, name="file"),
]
