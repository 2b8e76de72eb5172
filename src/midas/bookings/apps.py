from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "midas.bookings"
    label = "bookings"
    verbose_name = "Bookings"
