"""Sign-in pages: bind a form, call one flow method, map the status to a page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from authflows.factors.code_factors import verify_link
from authflows.flows.errors import FlowError
from authflows.flows.sign_in import SignIn
from authflows.flows.sign_up import sign_up_offer
from authflows.forms import CodeForm, SignInForm
from authflows.models import SignInStatus as S
from authflows.views.decorators import attempt_required, link_confirmed_by_post, page_for


def _next(flow: SignIn) -> HttpResponse:
    if flow.status == S.COMPLETE:
        return redirect(flow.finalize())
    return redirect(page_for(flow))


def _page(
    request: HttpRequest, template: str, context: dict, *, failed: bool = False
) -> HttpResponse:
    return render(request, template, context, status=400 if failed else 200)


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    flow = SignIn.current(request)
    if request.method == "GET" and flow.status != S.NEEDS_IDENTIFIER:
        return redirect(page_for(flow))
    initial = {"redirect_url": request.GET.get("redirect_url", "")[:2000]}
    form = SignInForm(request.POST or None, initial=initial)
    offer = ""
    if request.method == "POST" and request.user.is_authenticated:
        form.is_valid()
        form.add_flow_error(FlowError("session_exists"))
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        identifier = data["identifier"]
        try:
            if flow.goes_passwordless(asked=request.POST.get("action") == "passwordless"):
                flow.create(identifier=identifier, redirect_url=data["redirect_url"])
            else:
                flow.password(
                    identifier=identifier,
                    password=data["password"],
                    redirect_url=data["redirect_url"],
                )
        except FlowError as error:
            form.add_flow_error(error)
            offer = sign_up_offer(identifier, flow.settings, error=error)
        else:
            return _next(flow)
    context = {"form": form, "status": flow.status, "sign_up_offer": offer}
    return _page(request, "authflows/sign_in/start.html", context, failed=bool(form.errors))


@require_POST
def reset(request: HttpRequest) -> HttpResponse:
    """Start over."""
    SignIn.current(request).reset()
    return redirect("authflows:sign-in")


@require_http_methods(["GET", "POST"])
@attempt_required(S.NEEDS_CLIENT_TRUST, S.NEEDS_SECOND_FACTOR)
def client_trust(request: HttpRequest) -> HttpResponse:
    flow: SignIn = request.sign_in  # type: ignore[attr-defined]
    if not flow.is_client_trust:
        return redirect("authflows:factor-two")
    strategy = flow.default_second_factor()
    form = CodeForm(request.POST or None)
    notice = ""
    if request.method == "GET":
        if strategy == "email_link" and flow.complete_from_link():
            return _next(flow)
        challenge = flow.prepare_second_factor()
    elif form.is_valid():
        try:
            if request.POST.get("action") == "resend":
                challenge = flow.prepare_second_factor(resend=True)
                notice = "sent"
            elif strategy == "email_link":
                if flow.complete_from_link():
                    return _next(flow)
                challenge = flow.prepare_second_factor()
                notice = "waiting"
            else:
                flow.attempt_second_factor(strategy=strategy, code=form.cleaned_data["code"])
                return _next(flow)
        except FlowError as error:
            form.add_flow_error(error)
            challenge = None
    else:
        challenge = None
    context = {
        "form": form,
        "status": flow.status,
        "strategy": strategy,
        "flow": flow,
        "challenge": challenge,
        "notice": notice,
        "target": _mask(flow, strategy),
    }
    return _page(request, "authflows/sign_in/client_trust.html", context, failed=bool(form.errors))


def _mask(flow: SignIn, strategy: str) -> str:
    user = flow.user
    if user is None:
        return ""
    if strategy == "phone_code":
        phone = user.phone or ""
        return f"{phone[:3]}••••{phone[-2:]}" if phone else ""
    email = user.email or ""
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else ""


@require_GET
def client_trust_status(request: HttpRequest) -> JsonResponse:
    """Polled by the waiting tab: finishes the sign-in once the email link was opened."""
    flow = SignIn.current(request)
    if flow.status in (S.NEEDS_CLIENT_TRUST, S.NEEDS_SECOND_FACTOR) and flow.complete_from_link():
        return JsonResponse({"status": S.COMPLETE, "redirect": flow.finalize()})
    if request.user.is_authenticated and flow.attempt is None:
        return JsonResponse({"status": S.COMPLETE, "redirect": "/"})
    return JsonResponse({"status": flow.status, "redirect": None})


@require_http_methods(["GET", "POST"])
@link_confirmed_by_post
def verify_email_link(request: HttpRequest) -> HttpResponse:
    """Email-link landing. In the browser that asked, it completes the sign-in; in another,
    it verifies and says to go back to the first tab."""
    token = request.POST.get("token", "")
    flow = SignIn.current(request)
    if token and flow.complete_from_link(token):
        return _next(flow)
    outcome, verification = verify_link(token)
    if outcome.ok and verification is not None and verification.sign_in_id:
        same_browser = flow.attempt is not None and flow.attempt.pk == verification.sign_in_id
        if same_browser and flow.status == S.NEEDS_FIRST_FACTOR:
            # The factor-one page finishes the sign-in (one request, within the query budget).
            return redirect("authflows:factor-one")
    context = {
        "ok": outcome.ok,
        "error_code": "" if outcome.ok else outcome.error_code,
        "status": "verified" if outcome.ok else "failed",
    }
    return render(
        request, "authflows/sign_in/verify.html", context, status=200 if outcome.ok else 400
    )


@require_http_methods(["GET", "POST"])
@attempt_required(S.NEEDS_SECOND_FACTOR)
def factor_two(request: HttpRequest) -> HttpResponse:
    flow: SignIn = request.sign_in  # type: ignore[attr-defined]
    if flow.is_client_trust:
        return redirect("authflows:client-trust")
    supported = flow.attempt.supported_second_factors  # type: ignore[union-attr]
    form = CodeForm(request.POST or None)
    asked = (
        request.POST.get("strategy") if request.method == "POST" else request.GET.get("strategy")
    )
    strategy = asked if asked in supported else flow.default_second_factor()
    challenge, notice = None, ""
    if asked and asked not in supported:
        # A method the user has not enrolled (or the Dashboard turned off) is refused, never
        # silently swapped for another one. (Bound, so a GET can carry the error too.)
        form = CodeForm(request.POST or {})
        form.is_valid()
        form.add_flow_error(FlowError("strategy_for_user_invalid", field="code"))
    elif request.method == "GET":
        if strategy == "phone_code":
            challenge = flow.prepare_second_factor("phone_code")
    elif form.is_valid():
        data = form.cleaned_data
        try:
            if request.POST.get("action") == "resend":
                challenge = flow.prepare_second_factor("phone_code", resend=True)
                strategy, notice = "phone_code", "sent"
            else:
                if data["useBackupCode"] or data["backupCode"]:
                    strategy = "backup_code"
                flow.attempt_second_factor(strategy=strategy, code=data["code"])
                return _next(flow)
        except FlowError as error:
            form.add_flow_error(error)
    others = [s for s in supported if s not in (strategy, "backup_code")]
    context = {
        "form": form,
        "status": flow.status,
        "strategy": strategy,
        "others": others,
        "has_backup": "backup_code" in supported,
        "challenge": challenge,
        "notice": notice,
        "flow": flow,
    }
    return _page(request, "authflows/sign_in/factor_two.html", context, failed=bool(form.errors))
