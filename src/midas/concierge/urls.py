from django.urls import path

from midas.concierge.views import customer, rate, reviews

app_name = "concierge"

urlpatterns = [
    path("", customer.ticket_list, name="tickets"),
    path("new/", customer.ticket_new, name="new"),
    path("<int:pk>/", customer.ticket_detail, name="ticket"),
    path("files/<int:pk>/", customer.attachment, name="file"),
    path("reviews/<str:ref>/", reviews.review, name="review"),
    path("rate/<str:token>/", rate.rate, name="rate"),
]
