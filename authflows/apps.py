from django.apps import AppConfig


class AuthflowsConfig(AppConfig):
    name = "authflows"
    verbose_name = "authflows"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from authflows import checks, signals  # noqa: F401  (registers checks and receivers)
