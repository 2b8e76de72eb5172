from django.urls import path

from midas.notifications import views

app_name = "mailbox"

urlpatterns = [
    path("", views.mailbox_list, name="list"),
    path("<int:pk>/", views.mailbox_detail, name="detail"),
    path("<int:pk>/html/", views.mailbox_html, name="html"),
    path("<int:pk>/attachments/<int:index>/", views.mailbox_attachment, name="attachment"),
]
