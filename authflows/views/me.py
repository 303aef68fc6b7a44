"""The account's own pages beyond security: email addresses and phone numbers, the profile
form, deleting the account. Bind a form, make one flow call, show the Screen."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods, require_POST

from authflows.account_forms import AddressForm, DeleteAccountForm, ProfileForm
from authflows.flows.me import deletion, pages
from authflows.http import typed
from authflows.models import User
from authflows.views.base import link_confirmed_by_post, no_store, posted, show, signed_in_required

ACCOUNT = "authflows/account/"


@require_http_methods(["GET", "POST"])
@no_store
@signed_in_required
def add_address(request: HttpRequest, user: User, kind: str) -> HttpResponse:
    """Add an email address or phone number; its page sends the code."""
    form = AddressForm(posted(request))
    sub = form.address_submission(request, kind)
    screen = pages.add_page(typed(request).flow, user, kind, sub, reserved=form.reserved)
    return show(request, ACCOUNT + "address_add.html", form, screen)


@require_http_methods(["GET", "POST"])
@no_store
@signed_in_required
def address(request: HttpRequest, user: User, kind: str, public_id: str) -> HttpResponse:
    """One address: its code while unverified; make it primary; remove it."""
    form = AddressForm(posted(request))
    sub = form.address_submission(request, kind)
    screen = pages.address_page(typed(request).flow, user, kind, public_id, sub)
    return show(request, ACCOUNT + "address.html", form, screen)


@require_http_methods(["GET", "POST"])
@link_confirmed_by_post
def address_link(request: HttpRequest) -> HttpResponse:
    """The emailed link that verifies an added address (any browser: the link proves it)."""
    screen = pages.link_page(typed(request).flow, request.POST.get("token", "")[:128])
    return show(request, ACCOUNT + "address_link.html", None, screen)


@require_POST
@no_store
@signed_in_required
def profile(request: HttpRequest, user: User) -> HttpResponse:
    form = ProfileForm(request.POST)
    screen = pages.profile_page(typed(request).flow, user, form.profile_data())
    return show(request, ACCOUNT + "index.html", form, screen)


@require_http_methods(["GET", "POST"])
@no_store
@signed_in_required
def delete_account(request: HttpRequest, user: User) -> HttpResponse:
    """After a recent proof of identity and the typed confirmation: the account is gone."""
    form = DeleteAccountForm(posted(request))
    screen = deletion.page(typed(request).flow, user, form.typed())
    return show(request, ACCOUNT + "delete.html", form, screen)
