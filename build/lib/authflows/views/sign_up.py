"""Sign-up pages: bind a form, make one flow call, show the Screen it returns."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from authflows.flows.sign_up import attempts, collect, fields, finish, verify
from authflows.forms import CodeForm, SignUpForm
from authflows.http import typed
from authflows.models import SignUpAttempt
from authflows.views.base import link_confirmed_by_post, posted, show, sign_up_page

PAGES = "authflows/sign_up/"
PREFILLED = ("emailAddress", "phoneNumber", "username", "redirect_url")


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    if not fields.is_open(typed(request).flow.settings):
        return render(request, PAGES + "closed.html", {"status": "sign_up_closed"})
    form = SignUpForm(
        posted(request), initial={k: request.GET.get(k, "")[:2000] for k in PREFILLED}
    )
    screen = collect.start_page(
        typed(request).flow, form.flow_data(), redirect_url=request.POST.get("redirect_url", "")
    )
    return show(request, PAGES + "start.html", form, screen)


@require_http_methods(["GET", "POST"])
@sign_up_page("continue")
def sign_up_continue(request: HttpRequest, attempt: SignUpAttempt) -> HttpResponse:
    """Ask only for what is still missing."""
    form = SignUpForm(posted(request))
    screen = collect.continue_page(
        typed(request).flow, attempt, form.flow_data(), refused=form.refused_fields()
    )
    return show(request, PAGES + "continue.html", form, screen)


@require_http_methods(["GET", "POST"])
@sign_up_page("verify_email")
def verify_email_address(request: HttpRequest, attempt: SignUpAttempt) -> HttpResponse:
    form = CodeForm(posted(request))
    screen = verify.page(typed(request).flow, attempt, fields.EMAIL, form.submission(request))
    return show(request, PAGES + "verify.html", form, screen)


@require_http_methods(["GET", "POST"])
@sign_up_page("verify_phone")
def verify_phone_number(request: HttpRequest, attempt: SignUpAttempt) -> HttpResponse:
    form = CodeForm(posted(request))
    screen = verify.page(typed(request).flow, attempt, fields.PHONE, form.submission(request))
    return show(request, PAGES + "verify.html", form, screen)


@require_GET
def verify_email_address_status(request: HttpRequest) -> JsonResponse:
    """Polled by the waiting tab: moves on once the email link was opened (in any browser)."""
    status, where = verify.poll(typed(request).flow)
    return JsonResponse({"status": status, "redirect": where})


@require_http_methods(["GET", "POST"])
@link_confirmed_by_post
def verify_link_landing(request: HttpRequest) -> HttpResponse:
    """The emailed link's landing: moves on here, or verifies for the first tab."""
    screen = verify.land(typed(request).flow, request.POST.get("token", "")[:128])
    return show(request, PAGES + "link_landing.html", None, screen)


@require_GET
@sign_up_page("complete")
def complete(request: HttpRequest, attempt: SignUpAttempt) -> HttpResponse:
    """setActive(): the account exists; sign in on this client (or open a pending task)."""
    return redirect(finish.finalize(typed(request).flow, attempt))


@require_POST
def start_over(request: HttpRequest) -> HttpResponse:
    attempts.forget(typed(request).flow)
    return redirect("authflows:sign-up")
