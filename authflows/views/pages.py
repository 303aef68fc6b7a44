from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from authflows.flows import session as session_flow
from authflows.models import OutboxMessage


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "authflows/home.html", {"status": "home"})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    session_flow.sign_out(request)
    return redirect("authflows:home")


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    response = render(
        request,
        "authflows/too_many_requests.html",
        {"retry_after": retry_after, "status": "rate_limited"},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


@require_GET
def dev_outbox(request: HttpRequest) -> HttpResponse:
    """DEBUG only: the latest emails and SMS, so a developer can sign in locally."""
    if not settings.DEBUG:
        raise Http404
    # Not "messages": that name is Django's messages framework in every template.
    sent = OutboxMessage.objects.all()[:50]
    return render(
        request, "authflows/dev/outbox.html", {"outbox_messages": sent, "status": "outbox"}
    )
