"""Passwordless first factors (/sign-in/factor-one/) and the forgotten password
(/sign-in/reset-password/): bind a form, call one flow method, map the status to a page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from authflows.factors.base import Challenge
from authflows.flows.errors import FlowError
from authflows.flows.sign_in import RESET_STRATEGIES, SignIn
from authflows.forms import CodeForm, NewPasswordForm, SignInForm
from authflows.models import SignInStatus as S
from authflows.views.decorators import attempt_required, page_for
from authflows.views.sign_in import _mask, _next


def _page(request: HttpRequest, template: str, context: dict, *, failed: bool) -> HttpResponse:
    return render(request, template, context, status=400 if failed else 200)


def _chosen(request: HttpRequest, flow: SignIn) -> str:
    """The strategy the page works with: the one asked for ("use another method") if the
    user has it, else the attempt's current one."""
    attempt = flow.attempt
    assert attempt is not None
    source = request.POST if request.method == "POST" else request.GET
    asked = source.get("strategy", "")
    usable = [s for s in attempt.supported_first_factors if s not in RESET_STRATEGIES]
    return asked if asked in usable else attempt.first_factor


@require_http_methods(["GET", "POST"])
@attempt_required(S.NEEDS_FIRST_FACTOR)
def factor_one(request: HttpRequest) -> HttpResponse:
    flow: SignIn = request.sign_in  # type: ignore[attr-defined]
    attempt = flow.attempt
    assert attempt is not None
    if attempt.first_factor in RESET_STRATEGIES:
        return redirect("authflows:reset-password")
    strategy = _chosen(request, flow)
    form = CodeForm(request.POST or None)
    challenge: Challenge | None = None
    notice = ""
    action = request.POST.get("action")
    try:
        if strategy == "email_link" and flow.complete_first_factor_from_link():
            return _next(flow)
        if request.method == "GET" or action == "check":
            if strategy != "password":
                challenge = flow.prepare_first_factor(strategy)
            notice = "waiting" if action == "check" else ""
        elif action == "resend":
            challenge, notice = flow.prepare_first_factor(strategy, resend=True), "sent"
        else:
            secret = request.POST.get("password", "") if strategy == "password" else None
            code = form.cleaned_data["code"] if form.is_valid() and secret is None else secret
            flow.attempt_first_factor(strategy=strategy, code=code or "")
            return _next(flow)
    except FlowError as error:
        form.add_flow_error(error)
    others = [
        s for s in attempt.supported_first_factors if s != strategy and s not in RESET_STRATEGIES
    ]
    context = {
        "form": form,
        "status": flow.status,
        "strategy": strategy,
        "others": others,
        "challenge": challenge,
        "notice": notice,
        "target": _target(flow, strategy),
    }
    return _page(request, "authflows/sign_in/factor_one.html", context, failed=bool(form.errors))


def _target(flow: SignIn, strategy: str) -> str:
    """Where the code went, masked. For an unknown identifier (strict enumeration
    protection) the identifier itself, masked the same way."""
    if flow.user is not None:
        return _mask(flow, strategy)
    identifier = flow.attempt.identifier if flow.attempt else ""
    if strategy == "phone_code":
        return f"{identifier[:3]}••••{identifier[-2:]}" if identifier else ""
    local, _, domain = identifier.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else ""


@require_GET
def factor_one_status(request: HttpRequest) -> JsonResponse:
    """Polled by the waiting tab of an email-link sign-in."""
    flow = SignIn.current(request)
    if flow.status == S.NEEDS_FIRST_FACTOR and flow.complete_first_factor_from_link():
        if flow.status == S.COMPLETE:
            return JsonResponse({"status": S.COMPLETE, "redirect": flow.finalize()})
        return JsonResponse({"status": S.COMPLETE, "redirect": page_for(flow)})
    return JsonResponse({"status": flow.status, "redirect": None})


# --- forgotten password ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def reset_password(request: HttpRequest) -> HttpResponse:
    """Three steps on one page: the identifier, the reset code, the new password."""
    if request.method == "GET":
        done = SignIn.completed(request)
        if done.attempt is not None and done.attempt.first_factor in RESET_STRATEGIES:
            return redirect(done.finalize())
    flow = SignIn.current(request)
    attempt = flow.attempt
    if flow.status == S.NEEDS_NEW_PASSWORD:
        return _new_password(request, flow)
    if flow.status == S.NEEDS_FIRST_FACTOR and attempt and attempt.first_factor in RESET_STRATEGIES:
        return _reset_code(request, flow)
    if flow.status not in (S.NEEDS_IDENTIFIER, S.NEEDS_FIRST_FACTOR):
        return redirect(page_for(flow))
    return _reset_identifier(request, flow)


def _reset_identifier(request: HttpRequest, flow: SignIn) -> HttpResponse:
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            flow.create(identifier=form.cleaned_data["identifier"], strategy="reset_password")
        except FlowError as error:
            form.add_flow_error(error)
        else:
            return redirect("authflows:reset-password")
    context = {"form": form, "status": S.NEEDS_IDENTIFIER, "step": "identifier"}
    return _page(
        request, "authflows/sign_in/reset_password.html", context, failed=bool(form.errors)
    )


def _reset_code(request: HttpRequest, flow: SignIn) -> HttpResponse:
    form = CodeForm(request.POST or None)
    strategy = flow.attempt.first_factor  # type: ignore[union-attr]
    challenge: Challenge | None = None
    notice = ""
    try:
        if request.method == "GET":
            challenge = flow.prepare_first_factor(strategy)
        elif request.POST.get("action") == "resend":
            challenge, notice = flow.prepare_first_factor(strategy, resend=True), "sent"
        elif form.is_valid():
            flow.attempt_first_factor(strategy=strategy, code=form.cleaned_data["code"])
            return redirect("authflows:reset-password")
    except FlowError as error:
        form.add_flow_error(error)
    context = {
        "form": form,
        "status": flow.status,
        "step": "code",
        "strategy": strategy,
        "challenge": challenge,
        "notice": notice,
        "target": _target(flow, RESET_STRATEGIES[strategy]),
    }
    return _page(
        request, "authflows/sign_in/reset_password.html", context, failed=bool(form.errors)
    )


def _new_password(request: HttpRequest, flow: SignIn) -> HttpResponse:
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            flow.reset_password(password=form.cleaned_data["password"])
        except FlowError as error:
            form.add_flow_error(error)
        else:
            # Signing in happens on the next request (see SignIn.completed), which keeps
            # each request within the query budget.
            if flow.status == S.COMPLETE:
                return redirect("authflows:reset-password")
            return redirect(page_for(flow))
    context = {"form": form, "status": flow.status, "step": "new_password"}
    return _page(
        request, "authflows/sign_in/reset_password.html", context, failed=bool(form.errors)
    )
