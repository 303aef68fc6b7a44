"""Sign-up pages: bind a form, call one flow method, map the next step to a page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from authflows.factors.code_factors import verify_link
from authflows.flows.errors import FlowError
from authflows.flows.sign_up import FIELDS, SignUp
from authflows.forms import CodeForm, SignUpForm
from authflows.models import SignUpStatus as S
from authflows.views.decorators import link_confirmed_by_post

STEP_PAGES = {
    "start": "authflows:sign-up",
    "continue": "authflows:sign-up-continue",
    "verify_email": "authflows:sign-up-verify-email",
    "verify_phone": "authflows:sign-up-verify-phone",
    "complete": "authflows:sign-up-complete",
}
FORM_NAMES = {flow: name for name, flow in SignUpForm.FLOW_FIELDS.items()}

View = Callable[..., HttpResponse]


def _next(flow: SignUp) -> HttpResponse:
    return redirect(STEP_PAGES[flow.next_step()])


def _page(request: HttpRequest, template: str, context: dict, *, failed: bool) -> HttpResponse:
    return render(request, f"authflows/sign_up/{template}", context, status=400 if failed else 200)


def step_required(step: str) -> Callable[[View], View]:
    """Guard a sign-up page: a sign-up needing something else goes to its own page."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            flow = SignUp.current(request)
            if flow.next_step() != step:
                return _next(flow)
            request.sign_up = flow  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _fields(flow: SignUp, names: list[str] | tuple[str, ...]) -> list[dict[str, object]]:
    required = set(flow.required_fields) | set(flow.missing_fields)
    return [
        {"flow": name, "name": FORM_NAMES[name], "required": name in required}
        for name in FIELDS
        if name in names
    ]


def _refused(form: SignUpForm) -> list[str]:
    """Fields the last post was refused on, shown again even if no longer missing."""
    return [flow for name, flow in SignUpForm.FLOW_FIELDS.items() if name in form.errors]


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    flow = SignUp(request, None)
    if not flow.is_open:
        return _page(request, "closed.html", {"status": "sign_up_closed"}, failed=False)
    initial = {k: request.GET.get(k, "")[:320] for k in ("emailAddress", "phoneNumber", "username")}
    initial["redirect_url"] = request.GET.get("redirect_url", "")[:2000]
    form = SignUpForm(request.POST or None, initial=initial)
    if request.method == "POST" and request.user.is_authenticated:
        form.is_valid()
        form.add_flow_error(FlowError("session_exists"))
    elif request.method == "POST" and form.is_valid():
        try:
            flow.create(data=form.flow_data(), redirect_url=form.cleaned_data["redirect_url"])
        except FlowError as error:
            form.add_flow_error(error)
        else:
            return _next(flow)
    context = {
        "form": form,
        "status": "needs_sign_up",
        "fields": _fields(flow, flow.requirements.enabled),
    }
    return _page(request, "start.html", context, failed=bool(form.errors))


@require_http_methods(["GET", "POST"])
@step_required("continue")
def sign_up_continue(request: HttpRequest) -> HttpResponse:
    """Ask only for what is still missing."""
    flow: SignUp = request.sign_up  # type: ignore[attr-defined]
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            flow.update(data=form.flow_data())
        except FlowError as error:
            form.add_flow_error(error)
        else:
            return _next(flow)
    context = {
        "form": form,
        "status": flow.status,
        "fields": _fields(flow, [*flow.missing_fields, *_refused(form)]),
        "flow": flow,
    }
    return _page(request, "continue.html", context, failed=bool(form.errors))


def _verify(request: HttpRequest, *, field: str) -> HttpResponse:
    """The email-address and phone-number verification pages share this shape."""
    flow: SignUp = request.sign_up  # type: ignore[attr-defined]
    email = field == "email_address"
    strategy = flow.email_strategy if email else "phone_code"
    prepare = (
        flow.prepare_email_address_verification if email else flow.prepare_phone_number_verification
    )
    form = CodeForm(request.POST or None)
    challenge, notice = None, ""
    action = request.POST.get("action")
    try:
        if request.method == "GET" or (action in ("check", None) and strategy == "email_link"):
            if strategy == "email_link" and flow.complete_from_link():
                return _next(flow)
            challenge = prepare()
            notice = "waiting" if request.method == "POST" else ""
        elif action == "resend":
            challenge, notice = prepare(resend=True), "sent"
        elif form.is_valid():
            code = form.cleaned_data["code"]
            if email:
                flow.attempt_email_address_verification(code=code)
            else:
                flow.attempt_phone_number_verification(code=code)
            return _next(flow)
    except FlowError as error:
        form.add_flow_error(error)
    attempt = flow.attempt
    context = {
        "form": form,
        "status": flow.status,
        "strategy": strategy,
        "target": attempt.email if email else attempt.phone,  # type: ignore[union-attr]
        "challenge": challenge,
        "notice": notice,
        "field": field,
    }
    return _page(request, "verify.html", context, failed=bool(form.errors))


@require_http_methods(["GET", "POST"])
@step_required("verify_email")
def verify_email_address(request: HttpRequest) -> HttpResponse:
    return _verify(request, field="email_address")


@require_http_methods(["GET", "POST"])
@step_required("verify_phone")
def verify_phone_number(request: HttpRequest) -> HttpResponse:
    return _verify(request, field="phone_number")


@require_GET
def verify_email_address_status(request: HttpRequest) -> JsonResponse:
    """Polled by the waiting tab: moves on once the email link was opened (in any browser)."""
    flow = SignUp.current(request)
    if flow.next_step() == "verify_email":
        flow.complete_from_link()
    step = flow.next_step()
    moved_on = step != "verify_email"
    return JsonResponse(
        {
            "status": S.COMPLETE if moved_on else flow.status,
            "redirect": reverse(STEP_PAGES[step]) if moved_on else None,
        }
    )


@require_http_methods(["GET", "POST"])
@link_confirmed_by_post
def verify_link_landing(request: HttpRequest) -> HttpResponse:
    """Sign-up email-link landing. In the browser that signed up it moves on; in another it
    verifies the address and says to go back to the first tab."""
    outcome, verification = verify_link(request.POST.get("token", ""))
    if outcome.ok and verification is not None and verification.sign_up_id:
        flow = SignUp.current(request)
        if flow.attempt is not None and flow.attempt.pk == verification.sign_up_id:
            # The verification page finishes the step (one request, within the query budget).
            return _next(flow)
    ok = outcome.ok and verification is not None and bool(verification.sign_up_id)
    context = {
        "ok": ok,
        "error_code": "" if ok else outcome.error_code,
        "status": "verified" if ok else "failed",
    }
    return _page(request, "link_landing.html", context, failed=not ok)


@require_GET
@step_required("complete")
def complete(request: HttpRequest) -> HttpResponse:
    """setActive(): the account exists; sign in on this client (or open a pending task)."""
    flow: SignUp = request.sign_up  # type: ignore[attr-defined]
    return redirect(flow.finalize())


@require_POST
def start_over(request: HttpRequest) -> HttpResponse:
    SignUp.current(request).reset()
    return redirect("authflows:sign-up")
