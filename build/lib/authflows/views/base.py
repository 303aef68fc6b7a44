"""What every page view shares: guards that send an out-of-order request to its own page, and
the one way a step's Screen becomes a response."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse

from authflows.flows import activation
from authflows.flows.screens import Screen
from authflows.flows.sign_in import attempts as sign_in_attempts
from authflows.flows.sign_in import table
from authflows.flows.sign_up import attempts as sign_up_attempts
from authflows.forms import FlowForm
from authflows.http import typed

View = Callable[..., HttpResponse]


def posted(request: HttpRequest) -> QueryDict | None:
    """The posted fields of a POST, even an empty one; None when the page is only shown."""
    return request.POST if request.method == "POST" else None


def show(
    request: HttpRequest, template: str, form: FlowForm | None, screen: Screen
) -> HttpResponse:
    """The redirect when the step moved on; else the page, with the form's and the step's
    refusals (HTTP 400 when there is one)."""
    if screen.message:
        messages.success(request, screen.message)
    if screen.redirect is not None:
        if screen.error is not None:
            messages.error(request, screen.error.message)
        return redirect(screen.redirect)
    if form is not None and screen.error is not None:
        form.add_flow_error(screen.error)
    failed = (form is not None and form.refused) or screen.error is not None
    context = {"form": form, **screen.context()}
    return render(request, template, context, status=400 if failed else 200)


def sign_in_page(page: str) -> Callable[[View], View]:
    """Guard a sign-in step page: an attempt in another status goes to its own page."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            attempt = sign_in_attempts.current(typed(request).flow)
            if not table.handles(page, attempt) or attempt is None:
                return redirect(table.page_of(attempt))
            return view(request, attempt, *args, **kwargs)

        return wrapped

    return decorator


def sign_up_page(step: str) -> Callable[[View], View]:
    """Guard a sign-up page: a sign-up needing something else goes to its own page."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            ctx = typed(request).flow
            attempt = sign_up_attempts.current(ctx)
            needed = sign_up_attempts.next_step(attempt, ctx.settings)
            if needed != step or attempt is None:
                return redirect(sign_up_attempts.PAGES[needed])
            return view(request, attempt, *args, **kwargs)

        return wrapped

    return decorator


def signed_in_required(view: View) -> View:
    """Like login_required, but a session with a pending task goes to the task."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        ctx = typed(request).flow
        if ctx.user is not None:
            return view(request, ctx.user, *args, **kwargs)
        if activation.pending_task(ctx) == activation.TASK_SETUP_MFA:
            return redirect("authflows:task-setup-mfa")
        query = urlencode({"redirect_url": request.get_full_path()})
        return redirect(f"{reverse('authflows:sign-in')}?{query}")

    return wrapped


def no_store(view: View) -> View:
    """Pages that show secrets or account details are never stored by a browser or proxy."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response

    return wrapped


def link_confirmed_by_post(view: View) -> View:
    """An emailed link approves nothing by being fetched: mail scanners and link previews
    fetch links too. GET shows one "Continue" button; its POST (with the token) does the work.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "POST":
            context = {"token": request.GET.get("token", "")[:128], "status": "confirm_link"}
            return render(request, "authflows/confirm_link.html", context)
        return view(request, *args, **kwargs)

    return wrapped
