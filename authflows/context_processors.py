from django.http import HttpRequest


def authflows(request: HttpRequest) -> dict[str, object]:
    return {"instance": getattr(request, "instance_settings", None)}
