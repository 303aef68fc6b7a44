from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from authflows.flows import session as session_flow
from authflows.flows.sign_in import SignIn

View = Callable[..., HttpResponse]


def page_for(flow: SignIn) -> str:
    """The page that handles the attempt's current status."""
    from authflows.models import SignInStatus as S

    status = flow.status
    if status in (S.NEEDS_CLIENT_TRUST, S.NEEDS_SECOND_FACTOR):
        return reverse("authflows:client-trust" if flow.is_client_trust else "authflows:factor-two")
    if status == S.NEEDS_FIRST_FACTOR and flow.attempt and flow.attempt.first_factor != "password":
        return reverse("authflows:factor-one")
    if status == S.NEEDS_NEW_PASSWORD:
        return reverse("authflows:reset-password")
    return reverse("authflows:sign-in")


def attempt_required(*statuses: str) -> Callable[[View], View]:
    """Guard a step page: an attempt in another status goes to its own page."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            flow = SignIn.current(request)
            if flow.status not in statuses:
                return redirect(page_for(flow))
            request.sign_in = flow  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def signed_in_required(view: View) -> View:
    """Like login_required, but a session with a pending task goes to the task."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if session_flow.pending_task(request) == session_flow.TASK_SETUP_MFA:
            return redirect("authflows:task-setup-mfa")
        query = urlencode({"redirect_url": request.get_full_path()})
        return redirect(f"{reverse('authflows:sign-in')}?{query}")

    return wrapped


def link_confirmed_by_post(view: View) -> View:
    """An emailed link approves nothing by being fetched: mail scanners and link previews
    fetch links too. GET shows one "Continue" button; its POST (with the token) does the work.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.method != "POST":
            context = {"token": request.GET.get("token", "")[:128], "status": "confirm_link"}
            return render(request, "authflows/confirm_link.html", context)
        return view(request, *args, **kwargs)

    return wrapped
