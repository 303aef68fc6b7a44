"""Refusals in Clerk's error format: HTTP 4xx with
{"errors": [{"code", "message", "long_message", "meta": {"param_name"}}]}. Clerk's SDK turns
`param_name` into `errors.fields.<name>` (a seed's `errors.fields.code`), an error without it
into `errors.global`."""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse

from authflows.errors import FlowError, FlowErrors

STATUS = {
    "resource_not_found": 404,
    "signed_out": 401,
    "origin_invalid": 403,
    "too_many_requests": 429,
    "session_exists": 400,
}
#: A refusal of what was submitted (a wrong code, a taken address, a lock): Clerk answers 422.
FORM_STATUS = 422


def error_object(error: FlowError) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    if error.field and error.field != "__all__":
        meta["param_name"] = error.field
    minutes = error.params.get("minutes")
    if error.code == "user_locked" and isinstance(minutes, int):
        meta["duration_in_seconds"] = minutes * 60
    message = error.message
    return {"code": error.code, "message": message, "long_message": message, "meta": meta}


def error_response(error: FlowError) -> JsonResponse:
    errors = error.errors if isinstance(error, FlowErrors) else [error]
    body = {"errors": [error_object(e) for e in errors]}
    return JsonResponse(body, status=STATUS.get(error.code, FORM_STATUS))
