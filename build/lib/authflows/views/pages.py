from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from authflows.flows import activation
from authflows.http import typed
from authflows.models import OutboxMessage


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "authflows/home.html", {"status": "home"})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    activation.sign_out(typed(request).flow)
    return redirect("authflows:home")


@require_GET
def dev_outbox(request: HttpRequest) -> HttpResponse:
    """DEBUG only: the latest emails and SMS, so a developer can sign in locally."""
    if not settings.DEBUG:
        raise Http404
    # Not "messages": that name is Django's messages framework in every template.
    context = {"outbox_messages": OutboxMessage.objects.all()[:50], "status": "outbox"}
    return render(request, "authflows/dev/outbox.html", context)
