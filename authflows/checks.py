from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.db import DatabaseError


@register(Tags.security, deploy=True)
def check_test_mode(app_configs, **kwargs):  # type: ignore[no-untyped-def]
    """Test mode accepts code 424242 for test addresses: never leave it on in production."""
    if settings.DEBUG:
        return []
    from authflows.models import InstanceSettings

    try:
        test_mode = InstanceSettings.objects.filter(pk=1, test_mode=True).exists()
    except DatabaseError:
        return []
    if test_mode:
        return [
            Warning(
                "Test mode is on in the Dashboard: +clerk_test addresses and 555-01XX numbers "
                "accept the code 424242.",
                hint="Turn off “test mode” in /admin/ (Dashboard).",
                id="authflows.W001",
            )
        ]
    return []
