"""Sign-in-or-up: one identifier form for a known or an unknown identifier."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from authflows.account_forms import IdentifierForm
from authflows.flows.sign_in import or_up
from authflows.http import typed
from authflows.views.base import posted, show


@require_http_methods(["GET", "POST"])
def sign_in_or_up(request: HttpRequest) -> HttpResponse:
    initial = {"redirect_url": request.GET.get("redirect_url", "")[:2000]}
    form = IdentifierForm(posted(request), initial=initial)
    screen = or_up.page(typed(request).flow, form.submission())
    return show(request, "authflows/sign_in/or_up.html", form, screen)
