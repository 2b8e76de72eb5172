from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "midas.payments"
    label = "payments"
    verbose_name = "Payments"
