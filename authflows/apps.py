from importlib import import_module

from django.apps import AppConfig


class AuthflowsConfig(AppConfig):
    name = "authflows"
    verbose_name = "authflows"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registering deploy checks and adjusting signal receivers imports the models: only
        # once the app registry is ready.
        import_module("authflows.checks")
        import_module("authflows.signals").ready()
