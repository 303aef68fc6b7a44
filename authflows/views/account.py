"""The account page (/user/): profile and security."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from authflows import useragent
from authflows.flows import account as account_flow
from authflows.flows import mfa as mfa_flow
from authflows.flows import session as session_flow
from authflows.flows.errors import FlowError
from authflows.forms import PasswordChangeForm
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


def _account_page(
    request: HttpRequest, *, password_form: PasswordChangeForm | None = None
) -> HttpResponse:
    context = {
        "status": "account",
        "devices": _devices(request),
        "password_form": password_form or PasswordChangeForm(),
        "sessions": user_sessions.active_sessions(request),
        "events": _recent_events(request),
        "mfa": mfa_flow.overview(request.user, request.instance_settings),  # type: ignore[arg-type,attr-defined]
    }
    failed = password_form is not None and bool(password_form.errors)
    return render(request, "authflows/account/index.html", context, status=400 if failed else 200)


@require_GET
@signed_in_required
def account(request: HttpRequest) -> HttpResponse:
    return _account_page(request)


@require_POST
@signed_in_required
def change_password(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST)
    if form.is_valid():
        try:
            account_flow.change_password(
                request,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except FlowError as error:
            form.add_flow_error(error)
        else:
            messages.success(request, _("Your password was changed."))
            return redirect("authflows:account")
    return _account_page(request, password_form=form)


@require_POST
@signed_in_required
def revoke_device(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("client", "")
    # ASCII digits that fit a bigint: anything else names no device (and must not reach SQL).
    if raw.isascii() and raw.isdigit() and len(raw) <= 18:
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
