"""Sign-in pages: bind a form, make one flow call, show the Screen it returns."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from authflows.flows.screens import Screen
from authflows.flows.sign_in import attempts, first_factor, identify, links, reset, second_factor
from authflows.forms import CodeForm, ResetForm, SignInForm
from authflows.http import typed
from authflows.models import SignInAttempt
from authflows.views.base import link_confirmed_by_post, posted, show, sign_in_page

PAGES = "authflows/sign_in/"


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(
        posted(request), initial={"redirect_url": request.GET.get("redirect_url", "")[:2000]}
    )
    screen = identify.start_page(typed(request).flow, form.submission(request))
    return show(request, PAGES + "start.html", form, screen)


@require_POST
def start_over(request: HttpRequest) -> HttpResponse:
    attempts.forget(typed(request).flow)
    return redirect("authflows:sign-in")


@require_http_methods(["GET", "POST"])
@sign_in_page("authflows:factor-one")
def factor_one(request: HttpRequest, attempt: SignInAttempt) -> HttpResponse:
    form = CodeForm(posted(request))
    screen = first_factor.page(typed(request).flow, attempt, form.submission(request))
    return show(request, PAGES + "factor_one.html", form, screen)


@require_http_methods(["GET", "POST"])
@sign_in_page("authflows:factor-two")
def factor_two(request: HttpRequest, attempt: SignInAttempt) -> HttpResponse:
    form = CodeForm(posted(request))
    screen = second_factor.factor_two(typed(request).flow, attempt, form.submission(request))
    return show(request, PAGES + "factor_two.html", form, screen)


@require_http_methods(["GET", "POST"])
@sign_in_page("authflows:client-trust")
def client_trust(request: HttpRequest, attempt: SignInAttempt) -> HttpResponse:
    form = CodeForm(posted(request))
    screen = second_factor.client_trust(typed(request).flow, attempt, form.submission(request))
    return show(request, PAGES + "client_trust.html", form, screen)


@require_http_methods(["GET", "POST"])
def reset_password(request: HttpRequest) -> HttpResponse:
    """Forgot password: the identifier, the code, (MFA,) the new password; then signed in."""
    done = reset.finish_reset(typed(request).flow) if request.method == "GET" else None
    form = ResetForm(posted(request))
    screen = (
        Screen(redirect=done) if done else reset.page(typed(request).flow, form.submission(request))
    )
    return show(request, PAGES + "reset_password.html", form, screen)


@require_GET
def link_status(request: HttpRequest) -> JsonResponse:
    """Polled by the tab waiting for an emailed link to be opened."""
    poll = links.poll(typed(request).flow)
    return JsonResponse({"status": poll.status, "redirect": poll.redirect})


@require_http_methods(["GET", "POST"])
@link_confirmed_by_post
def verify_email_link(request: HttpRequest) -> HttpResponse:
    """The emailed link's landing: finishes the step here, or verifies for the other tab."""
    screen = links.land(typed(request).flow, request.POST.get("token", "")[:128])
    return show(request, PAGES + "verify.html", None, screen)
