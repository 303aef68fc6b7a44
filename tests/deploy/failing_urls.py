"""The site's URLs plus one view with a bug, to see what a 500 looks like, and one that talks
to a Redis server that is not there, outside the cache (an outage: 503)."""

import redis
from django.http import HttpRequest, HttpResponse
from django.urls import path

from authflows.urls import handler404, handler500, urlpatterns
from tests.delivery.servers import free_port

__all__ = ["handler404", "handler500", "urlpatterns"]


def broken(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(1 / 0))


def redis_gone(request: HttpRequest) -> HttpResponse:
    client = redis.Redis(port=free_port(), socket_connect_timeout=1)
    return HttpResponse(str(client.get("x")))


urlpatterns = [*urlpatterns, path("broken/", broken), path("redis-gone/", redis_gone)]
