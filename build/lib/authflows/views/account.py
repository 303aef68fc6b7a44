"""The account page (/user/): profile and security."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from authflows.flows import account as account_flow
from authflows.flows import reverify
from authflows.forms import PasswordChangeForm, PasswordForm
from authflows.http import typed
from authflows.models import User
from authflows.views.base import no_store, posted, show, signed_in_required

ACCOUNT = "authflows/account/"


@require_GET
@no_store
@signed_in_required
def account(request: HttpRequest, user: User) -> HttpResponse:
    screen = account_flow.page(typed(request).flow, user)
    return show(request, ACCOUNT + "index.html", PasswordChangeForm(), screen)


@require_POST
@no_store
@signed_in_required
def change_password(request: HttpRequest, user: User) -> HttpResponse:
    form = PasswordChangeForm(request.POST)
    screen = account_flow.password_page(typed(request).flow, user, form.passwords())
    return show(request, ACCOUNT + "index.html", form, screen)


@require_POST
@signed_in_required
def revoke_device(request: HttpRequest, user: User) -> HttpResponse:
    account_flow.revoke_device(typed(request).flow, user, request.POST.get("client", ""))
    return redirect("authflows:account")


@require_POST
@signed_in_required
def end_session(request: HttpRequest, user: User) -> HttpResponse:
    """End one other session (its handle) or all the others (session=others)."""
    account_flow.end_session(typed(request).flow, user, request.POST.get("session", "")[:64])
    return redirect("authflows:account")


@require_http_methods(["GET", "POST"])
@no_store
@signed_in_required
def reverify_page(request: HttpRequest, user: User) -> HttpResponse:
    """Prove it's you again (password, or a code) before a security change."""
    form = PasswordForm(posted(request))
    back = request.GET.get("redirect_url", "")[:2000]
    screen = reverify.page(typed(request).flow, user, form.submission(request), redirect_url=back)
    return show(request, ACCOUNT + "reverify.html", form, screen)
