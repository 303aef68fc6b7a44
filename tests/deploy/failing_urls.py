"""The site's URLs plus one view with a bug, to see what a 500 looks like."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from authflows.urls import handler404, handler500, urlpatterns

__all__ = ["handler404", "handler500", "urlpatterns"]


def broken(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(1 / 0))


urlpatterns = [*urlpatterns, path("broken/", broken)]
