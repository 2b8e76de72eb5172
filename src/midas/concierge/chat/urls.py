from django.urls import path

from midas.concierge.chat.views import events, visitor

app_name = "chat"

urlpatterns = [
    path("state", visitor.state, name="state"),
    path("start", visitor.start, name="start"),
    path("<int:pk>/say", visitor.say, name="say"),
    path("<int:pk>/page", visitor.page, name="page"),
    path("<int:pk>/close", visitor.close, name="close"),
    path("events/<int:pk>", events.conversation_events, name="events"),
]
