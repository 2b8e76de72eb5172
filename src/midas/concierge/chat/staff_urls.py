from django.urls import path

from midas.concierge.chat.views import staff

app_name = "chat_staff"

urlpatterns = [
    path("", staff.console, name="console"),
    path("duty", staff.duty, name="duty"),
    path("heartbeat", staff.heartbeat, name="heartbeat"),
    path("<int:pk>/", staff.conversation, name="conversation"),
    path("<int:pk>/take", staff.take, name="take"),
    path("<int:pk>/say", staff.say, name="say"),
    path("<int:pk>/close", staff.close, name="close"),
    path("<int:pk>/ticket", staff.to_ticket, name="ticket"),
]
