from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "midas.catalog"
    label = "catalog"
    verbose_name = "Catalogue"
