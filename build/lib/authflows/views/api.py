"""A small JSON API over the sign-in flow (the same flow calls the pages make): read the
state, start, prepare or attempt a factor. Cookie-authenticated like the pages, so every POST
carries Django's CSRF token (the X-CSRFToken header); refusals are Clerk's error objects."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from authflows.errors import FlowError, FlowErrors
from authflows.flows.sign_in import remote
from authflows.http import typed


def _fields(request: HttpRequest) -> dict[str, str]:
    """The body's fields, form-encoded or JSON; anything else is no fields."""
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            body = None
        return {k: str(v)[:512] for k, v in body.items()} if isinstance(body, dict) else {}
    return {k: v[:512] for k, v in request.POST.dict().items()}


def _answer(call: Callable[[], dict[str, Any]]) -> JsonResponse:
    try:
        return JsonResponse(call())
    except FlowError as error:
        errors = getattr(error, "errors", [error]) if isinstance(error, FlowErrors) else [error]
        body = [
            {"code": e.code, "message": e.message, "meta": {"param_name": e.field}} for e in errors
        ]
        return JsonResponse({"errors": body}, status=422 if error.code.startswith("form_") else 400)


@require_GET
def sign_in_state(request: HttpRequest) -> JsonResponse:
    return _answer(lambda: remote.current(typed(request).flow))


@require_POST
def sign_in_start(request: HttpRequest) -> JsonResponse:
    data = _fields(request)
    keys = ("identifier", "password", "strategy")
    return _answer(lambda: remote.start(typed(request).flow, **{k: data.get(k, "") for k in keys}))


@require_POST
def sign_in_attempt(request: HttpRequest) -> JsonResponse:
    data = _fields(request)
    keys = ("action", "strategy", "code")
    return _answer(lambda: remote.act(typed(request).flow, **{k: data.get(k, "") for k in keys}))
