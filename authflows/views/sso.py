"""Sign-in with identity providers: bind the request, make one flow call, show the Screen."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from authflows.flows.sso import callback, manage, pending, start
from authflows.http import typed
from authflows.models import User
from authflows.views.base import no_store, show, signed_in_required

PAGES = "authflows/sso/"


def _field(request: HttpRequest, name: str, limit: int = 200) -> str:
    return str(request.POST.get(name, ""))[:limit]


@require_GET
@no_store
def sso_start(request: HttpRequest, slug: str) -> HttpResponse:
    """A social button on the sign-in page (a link: see flows/sso/start.py)."""
    redirect_url = request.GET.get("redirect_url", "")[:2000]
    screen = start.start_page(typed(request).flow, slug=slug, redirect_url=redirect_url)
    return show(request, PAGES + "continue.html", None, screen)


@require_GET
@no_store
def sso_continue(request: HttpRequest) -> HttpResponse:
    """The provider's link, after a form (an enterprise address, "Link")."""
    screen = start.continue_page(typed(request).flow)
    return show(request, PAGES + "continue.html", None, screen)


@csrf_exempt  # the provider posts here (response_mode=form_post): no cookies, no token
@require_http_methods(["GET", "POST"])
def sso_callback(request: HttpRequest, slug: str) -> HttpResponse:
    if request.method == "POST":  # on to a GET of our own, which carries the cookies
        query = request.POST.urlencode()[:4000]
        return redirect(f"{request.path}?{query}", permanent=False)
    params = {k: str(v)[:2000] for k, v in request.GET.items()}
    screen = callback.oauth_callback(typed(request).flow, slug, params)
    return show(request, PAGES + "continue.html", None, screen)


@csrf_exempt  # the IdP posts the SAML response here, cross-site
@require_http_methods(["GET", "POST"])
def saml_acs(request: HttpRequest, slug: str) -> HttpResponse:
    if request.method == "POST":
        response = _field(request, "SAMLResponse", callback.MAX_RESPONSE + 1)
        kept = callback.saml_received(
            slug, saml_response=response, relay_state=_field(request, "RelayState")
        )
        return redirect(kept, permanent=False)
    received = request.GET.get("received", "")[:64]
    screen = callback.saml_callback(typed(request).flow, slug, received)
    return show(request, PAGES + "continue.html", None, screen)


@require_GET
def saml_metadata(request: HttpRequest, slug: str) -> HttpResponse:
    metadata = manage.sp_metadata(slug)
    if metadata is None:
        raise Http404
    return HttpResponse(metadata, content_type="application/samlmetadata+xml")


@require_http_methods(["GET", "POST"])
@no_store
@signed_in_required
def link_pending(request: HttpRequest, user: User) -> HttpResponse:
    """After signing in to an existing account: link the provider account kept for it."""
    action = _field(request, "action", 16) if request.method == "POST" else ""
    screen = pending.page(typed(request).flow, user, action=action)
    return show(request, PAGES + "link.html", None, screen)


@require_POST
@signed_in_required
def link_start(request: HttpRequest, user: User) -> HttpResponse:
    screen = start.link_page(typed(request).flow, user, slug=_field(request, "connection", 40))
    return show(request, PAGES + "continue.html", None, screen)


@require_POST
@signed_in_required
def unlink(request: HttpRequest, user: User) -> HttpResponse:
    screen = manage.unlink_page(typed(request).flow, user, _field(request, "account", 20))
    return show(request, PAGES + "continue.html", None, screen)
