"""The account page (/user/): profile and security."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from authflows import useragent
from authflows.flows import session as session_flow
from authflows.models import AuthEvent, TrustedClient
from authflows.protect import user_sessions
from authflows.views.decorators import signed_in_required


def _devices(request: HttpRequest) -> list[dict[str, object]]:
    current = request.authflows_client.id  # type: ignore[attr-defined]
    trusts = (
        TrustedClient.objects.filter(user=request.user)
        .select_related("client")
        .order_by("-created_at")
    )
    return [
        {
            "id": t.client_id,
            "browser": useragent.browser(t.client.user_agent),
            "system": useragent.system(t.client.user_agent),
            "first_seen": t.created_at,
            "last_seen": t.client.last_active_at,
            "current": t.client_id == current,
        }
        for t in trusts
    ]


def _recent_events(request: HttpRequest) -> list[AuthEvent]:
    """The user's own latest security events (the audit log, read-only)."""
    return list(AuthEvent.objects.filter(user=request.user).order_by("-created_at", "-id")[:10])


@require_GET
@signed_in_required
def account(request: HttpRequest) -> HttpResponse:
    context = {
        "status": "account",
        "devices": _devices(request),
        "sessions": user_sessions.active_sessions(request),
        "events": _recent_events(request),
    }
    return render(request, "authflows/account/index.html", context)


@require_POST
@signed_in_required
def revoke_device(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("client", "")
    if raw.isascii() and raw.isdigit() and len(raw) <= 18:  # a row id, not any digit string
        session_flow.revoke_trust(request.user, request=request, client_id=int(raw))  # type: ignore[arg-type]
    return redirect("authflows:account")


@require_POST
@signed_in_required
def end_session(request: HttpRequest) -> HttpResponse:
    """End one other session (its handle) or all the others (session=others)."""
    handle = request.POST.get("session", "")
    if handle == "others":
        user_sessions.end_other_sessions(request)
    elif handle:
        user_sessions.end_session(request, handle[:64])
    return redirect("authflows:account")
