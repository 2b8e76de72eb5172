from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "midas.accounts"
    label = "accounts"
    verbose_name = "Accounts"
