from django.apps import AppConfig


class LaunchConfig(AppConfig):
    name = "midas.launch"
    label = "launch"
    verbose_name = "Launch"

    def ready(self) -> None:
        # The launch listens to what the core announces (the core never imports it).
        from midas.launch import receivers

        receivers.connect_pages_and_api()
        receivers.connect_restore_keeper()
