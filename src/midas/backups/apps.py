from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "midas.backups"
    label = "backups"
    verbose_name = "Backups"

    def ready(self) -> None:
        from django.db.models.signals import pre_migrate

        from midas.backups.receivers import backup_before_migrate

        pre_migrate.connect(backup_before_migrate, dispatch_uid="midas.backups.pre_migrate")
