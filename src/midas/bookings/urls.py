from django.urls import path

from midas.bookings.views import change, checkout, manage, payment

app_name = "bookings"

REF = "<str:reference>/"

urlpatterns = [
    path("", manage.my_bookings, name="list"),
    path("checkout/<slug:slug>/", checkout.checkout, name="checkout"),
    path(REF, manage.detail, name="detail"),
    path(REF + "pay/", payment.pay, name="pay"),
    path(REF + "pay/challenge/<int:payment_id>/", payment.challenge, name="challenge"),
    path(
        REF + "pay/challenge/<int:payment_id>/answer/",
        payment.challenge_answer,
        name="challenge_answer",
    ),
    path(REF + "confirmation/", manage.confirmation, name="confirmation"),
    path(REF + "requested/", manage.requested, name="requested"),
    path(REF + "calendar.ics", manage.calendar_file, name="calendar"),
    path(REF + "cancel/", manage.cancel, name="cancel"),
    path(REF + "change/", change.change, name="change"),
]
