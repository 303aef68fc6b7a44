"""Passkey pages, and the JSON endpoints static/authflows/passkeys.js talks to: options out
(`{"publicKey": ...}`), the browser's answer in (`{"credential": ...}`), and where to go next
(`{"redirect": ...}`) or Clerk's error objects back. Cookie-authenticated like every page:
each POST carries Django's CSRF token (X-CSRFToken)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from authflows.errors import FlowError
from authflows.flows.mfa.pages import reverification_url
from authflows.flows.passkeys import pages, register
from authflows.flows.passkeys import sign_in as passkey_sign_in
from authflows.flows.screens import Screen, Submission
from authflows.forms import CodeForm, FlowForm
from authflows.http import typed
from authflows.models import User
from authflows.views.base import View, no_store, posted, show, signed_in_required

ACCOUNT = "authflows/account/"
#: A browser's answer is a few kilobytes at most (attestation certificates included).
MAX_BODY = 64 * 1024


class PasskeyNameForm(FlowForm):
    name = forms.CharField(required=False, max_length=256)

    def submission(self) -> Submission:
        if not self.is_bound or not self.is_valid():
            return Submission()
        return Submission(posted=True, identifier=self.cleaned_data["name"])


def _body(request: HttpRequest) -> dict[str, Any]:
    """The posted JSON object; anything else (another type, too large, not an object) is {}."""
    if request.content_type != "application/json" or len(request.body) > MAX_BODY:
        return {}
    try:
        data = json.loads(request.body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _text(data: dict[str, Any], key: str, limit: int) -> str:
    value = data.get(key)
    return value[:limit] if isinstance(value, str) else ""


def _answer(request: HttpRequest, call: Callable[[], dict[str, Any] | Screen]) -> JsonResponse:
    try:
        result = call()
    except FlowError as error:
        meta = {"param_name": error.field}
        body = {"errors": [{"code": error.code, "message": error.message, "meta": meta}]}
        return JsonResponse(body, status=422 if error.code.startswith("form_") else 400)
    if not isinstance(result, Screen):
        return JsonResponse({"publicKey": result})
    if result.message:
        messages.success(request, result.message)
    return JsonResponse({"redirect": result.redirect})


@require_POST
def sign_in_options(request: HttpRequest) -> JsonResponse:
    return _answer(request, lambda: passkey_sign_in.options(typed(request).flow))


@require_POST
def sign_in(request: HttpRequest) -> JsonResponse:
    data, ctx = _body(request), typed(request).flow
    back = _text(data, "redirect_url", 2000)
    return _answer(
        request, lambda: passkey_sign_in.sign_in(ctx, data.get("credential"), redirect_url=back)
    )


@require_POST
def factor_two_options(request: HttpRequest) -> JsonResponse:
    return _answer(request, lambda: passkey_sign_in.second_factor_options(typed(request).flow))


@require_POST
def factor_two(request: HttpRequest) -> JsonResponse:
    data, ctx = _body(request), typed(request).flow
    return _answer(
        request, lambda: passkey_sign_in.verify_second_factor(ctx, data.get("credential"))
    )


@require_POST
def register_options(request: HttpRequest) -> JsonResponse:
    return _answer(request, lambda: register.options(typed(request).flow))


@require_POST
def register_passkey(request: HttpRequest) -> JsonResponse:
    data, ctx = _body(request), typed(request).flow
    name = _text(data, "name", 256)
    return _answer(request, lambda: register.register(ctx, data.get("credential"), name=name))


def _recently_verified(view: View) -> View:
    """Adding or removing a passkey needs a recent proof that it's the user."""

    def wrapped(request: HttpRequest, user: User, *args: object, **kwargs: object) -> HttpResponse:
        elsewhere = reverification_url(typed(request).flow, request.get_full_path())
        return redirect(elsewhere) if elsewhere else view(request, user, *args, **kwargs)

    return wrapped


@require_GET
@no_store
@signed_in_required
@_recently_verified
def add(request: HttpRequest, user: User) -> HttpResponse:
    screen = pages.add_page(typed(request).flow, user)
    return show(request, ACCOUNT + "passkey_add.html", None, screen)


@require_http_methods(["GET", "POST"])
@no_store
@signed_in_required
def rename(request: HttpRequest, user: User, passkey_id: int) -> HttpResponse:
    form = PasskeyNameForm(posted(request))
    screen = pages.rename_page(typed(request).flow, user, passkey_id, form.submission())
    return show(request, ACCOUNT + "passkey_rename.html", form, screen)


@require_http_methods(["GET", "POST"])
@no_store
@signed_in_required
@_recently_verified
def remove(request: HttpRequest, user: User, passkey_id: int) -> HttpResponse:
    form = CodeForm(posted(request))
    screen = pages.remove_page(typed(request).flow, user, passkey_id, form.submission(request))
    return show(request, ACCOUNT + "passkey_remove.html", form, screen)
