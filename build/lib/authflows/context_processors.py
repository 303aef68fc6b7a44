from django.http import HttpRequest

from authflows.app_settings import app_settings


def authflows(request: HttpRequest) -> dict[str, object]:
    return {
        "instance": getattr(request, "instance_settings", None),
        "debug_outbox": app_settings.DEV_OUTBOX,
    }
