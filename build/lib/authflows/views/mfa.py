"""MFA pages: adding and removing methods on the account (/user/mfa/...) and the pending
setup-mfa session task (/sign-in/tasks/setup-mfa/)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from authflows.flows.mfa import pages
from authflows.forms import CodeForm, PhoneForm
from authflows.http import typed
from authflows.models import User
from authflows.strategies import Strategy
from authflows.views.base import View, no_store, posted, show, signed_in_required

ACCOUNT = "authflows/account/"


def _recently_verified(view: View) -> View:
    """Every MFA change needs a recent proof that it's the user (reverification)."""

    def wrapped(request: HttpRequest, user: User, *args: object) -> HttpResponse:
        elsewhere = pages.reverification_url(typed(request).flow, request.get_full_path())
        return redirect(elsewhere) if elsewhere else view(request, user, *args)

    return wrapped


@require_http_methods(["GET", "POST"])
@no_store
@signed_in_required
@_recently_verified
def totp(request: HttpRequest, user: User) -> HttpResponse:
    form = CodeForm(posted(request))
    screen = pages.totp_page(typed(request).flow, user, form.submission(request))
    return show(request, ACCOUNT + "mfa_totp.html", form, screen)


@require_http_methods(["GET", "POST"])
@no_store
@signed_in_required
@_recently_verified
def phone(request: HttpRequest, user: User) -> HttpResponse:
    form = PhoneForm(posted(request), initial={"phone": user.phone or ""})
    screen = pages.phone_page(typed(request).flow, user, form.submission(request))
    return show(request, ACCOUNT + "mfa_phone.html", form, screen)


@require_http_methods(["GET", "POST"])
@no_store
@signed_in_required
@_recently_verified
def backup_codes(request: HttpRequest, user: User) -> HttpResponse:
    """GET offers a new set; its POST shows the set once (the codes are in that response only)."""
    ctx = typed(request).flow
    nonce = request.POST.get("nonce", "")[:64]
    screen = (
        pages.create_backup_codes(ctx, user, nonce)
        if request.method == "POST"
        else pages.offer_backup_codes(ctx, user)
    )
    return show(request, ACCOUNT + "mfa_backup_codes.html", None, screen)


@require_http_methods(["GET", "POST"])
@no_store
@signed_in_required
def remove(request: HttpRequest, user: User, method: str) -> HttpResponse:
    form = CodeForm(posted(request))
    screen = pages.remove_page(
        typed(request).flow, user, Strategy(method), form.submission(request)
    )
    return show(request, ACCOUNT + "mfa_remove.html", form, screen)


@require_http_methods(["GET", "POST"])
@no_store
def task_setup_mfa(request: HttpRequest) -> HttpResponse:
    """Require MFA: the pending session adds a method here before it becomes active."""
    form = PhoneForm(posted(request))
    asked = request.POST.get("method") or request.GET.get("method", "")
    screen = pages.setup_task(typed(request).flow, form.submission(request), asked=asked[:32])
    template = "mfa_phone.html" if screen.strategy == Strategy.PHONE_CODE else "mfa_totp.html"
    return show(request, ACCOUNT + template, form, screen)
