"""MFA pages: adding and removing methods on the account (/user/mfa/...) and the pending
setup-mfa session task (/sign-in/tasks/setup-mfa/). Both enrol through flows/mfa.py."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from authflows.flows import mfa as mfa_flow
from authflows.flows import session as session_flow
from authflows.flows.errors import FlowError
from authflows.forms import CodeForm, PasswordForm, PhoneForm
from authflows.models import User
from authflows.qr import qr_svg
from authflows.views.decorators import signed_in_required


def _render(request: HttpRequest, template: str, context: dict, form) -> HttpResponse:  # type: ignore[no-untyped-def]
    return render(request, template, context, status=400 if form.errors else 200)


def _back(task: bool) -> HttpResponse:
    return redirect("authflows:task-setup-mfa" if task else "authflows:account")


def _enrolled(request: HttpRequest, user: User, *, task: bool, message: str) -> HttpResponse:
    """A real method was added: the pending task (if any) is done, else back to the account."""
    if task:
        return redirect(session_flow.finish_task(request, user))
    messages.success(request, message)
    return redirect("authflows:account")


def _base_context(request: HttpRequest, user: User, *, task: bool, method: str) -> dict:
    settings = request.instance_settings  # type: ignore[attr-defined]
    others = [m for m in mfa_flow.addable_methods(user, settings) if m != method] if task else []
    return {"task": task, "method": method, "others": others}


# --- authenticator app ---------------------------------------------------------------------


def _totp(request: HttpRequest, user: User, *, task: bool) -> HttpResponse:
    settings = request.instance_settings  # type: ignore[attr-defined]
    try:
        enrolment = mfa_flow.start_totp(user, settings=settings, session=request.session)
    except FlowError:  # off in the Dashboard, or already added
        return _back(task)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mfa_flow.confirm_totp(
                request,
                user,
                settings=settings,
                code=form.cleaned_data["code"],
                enrolment=enrolment,
            )
        except FlowError as error:
            form.add_flow_error(error)
        else:
            return _enrolled(request, user, task=task, message=_("Authenticator app added."))
    context = {
        **_base_context(request, user, task=task, method=mfa_flow.TOTP),
        "status": "setup-mfa" if task else "mfa_totp",
        "form": form,
        "qr_svg": mark_safe(qr_svg(enrolment.uri)),  # noqa: S308 - segno's own markup
        "secret": enrolment.secret,
        # Groups of four are easier to type; authenticator apps ignore the spaces.
        "secret_groups": " ".join(
            enrolment.secret[i : i + 4] for i in range(0, len(enrolment.secret), 4)
        ),
        "uri": enrolment.uri,
    }
    return _render(request, "authflows/account/mfa_totp.html", context, form)


@require_http_methods(["GET", "POST"])
@signed_in_required
def totp(request: HttpRequest) -> HttpResponse:
    return _totp(request, request.user, task=False)  # type: ignore[arg-type]


# --- SMS codes -------------------------------------------------------------------------------


def _phone(request: HttpRequest, user: User, *, task: bool) -> HttpResponse:
    settings = request.instance_settings  # type: ignore[attr-defined]
    if mfa_flow.PHONE not in mfa_flow.addable_methods(user, settings):
        return _back(task)
    form = PhoneForm(request.POST or None, initial={"phone": user.phone or ""})
    action = request.POST.get("action", "")
    challenge, notice, pending = None, "", ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if action == "send":
                challenge = mfa_flow.start_phone(
                    request, user, settings=settings, phone=data["phone"]
                )
                if challenge is None:  # an already verified number: added at once
                    return _enrolled(request, user, task=task, message=_("SMS codes added."))
                pending = challenge.verification.target if challenge.verification else ""
            elif action == "resend":
                pending = mfa_flow.pending_phone(user, settings)
                notice = "sent"
                challenge = mfa_flow.start_phone(
                    request, user, settings=settings, phone=pending, resend=True
                )
            elif action == "verify":
                mfa_flow.confirm_phone(request, user, settings=settings, code=data["code"])
                return _enrolled(request, user, task=task, message=_("SMS codes added."))
        except FlowError as error:
            form.add_flow_error(error)
            notice = ""
    if not pending and action != "send":
        pending = mfa_flow.pending_phone(user, settings)
    asked_number = request.GET.get("step") == "number" or (action == "send" and form.errors)
    context = {
        **_base_context(request, user, task=task, method=mfa_flow.PHONE),
        "status": "setup-mfa" if task else "mfa_phone",
        "form": form,
        "step": "code" if pending and not asked_number else "number",
        "pending": pending,
        "challenge": challenge,
        "notice": notice,
    }
    return _render(request, "authflows/account/mfa_phone.html", context, form)


@require_http_methods(["GET", "POST"])
@signed_in_required
def phone(request: HttpRequest) -> HttpResponse:
    return _phone(request, request.user, task=False)  # type: ignore[arg-type]


# --- backup codes and removal -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@signed_in_required
def backup_codes(request: HttpRequest) -> HttpResponse:
    """POST makes a new set and shows it, once: the codes are in this response only."""
    if request.method == "GET":
        return redirect(reverse("authflows:account") + "#mfa")
    settings = request.instance_settings  # type: ignore[attr-defined]
    try:
        codes = mfa_flow.create_backup_codes(request, request.user, settings=settings)  # type: ignore[arg-type]
    except FlowError as error:
        messages.error(request, error.message)
        return redirect("authflows:account")
    context = {"status": "mfa_backup_codes", "codes": codes, "codes_text": "\n".join(codes) + "\n"}
    response = render(request, "authflows/account/mfa_backup_codes.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@signed_in_required
def remove(request: HttpRequest, method: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    settings = request.instance_settings  # type: ignore[attr-defined]
    if method not in mfa_flow.enrolled_methods(user):
        return redirect("authflows:account")
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mfa_flow.remove_method(
                request,
                user,
                settings=settings,
                method=method,
                password=form.cleaned_data["password"],
            )
        except FlowError as error:
            form.add_flow_error(error)
        else:
            messages.success(request, _("Method removed."))
            return redirect("authflows:account")
    context = {"status": "mfa_remove", "form": form, "method": method}
    return _render(request, "authflows/account/mfa_remove.html", context, form)


# --- the setup-mfa session task ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def task_setup_mfa(request: HttpRequest) -> HttpResponse:
    """Require MFA: the session stays pending (signed out everywhere else) until the user adds
    a real method here; then it becomes active and continues to the original redirect_url."""
    user = session_flow.pending_user(request)
    if user is None or session_flow.pending_task(request) != session_flow.TASK_SETUP_MFA:
        return redirect("authflows:sign-in")
    settings = request.instance_settings  # type: ignore[attr-defined]
    methods = mfa_flow.addable_methods(user, settings)
    if mfa_flow.usable_methods(user, settings) or not methods:
        # A method was added elsewhere meanwhile (or none can be added here): this task can't
        # finish the sign-in; signing in again asks for the method the account has now.
        session_flow.drop_pending(request)
        return redirect("authflows:sign-in")
    if not mfa_flow.needs_setup(user, settings):  # Require MFA was turned off meanwhile
        return redirect(session_flow.finish_task(request, user))
    asked = request.POST.get("method") or request.GET.get("method")
    method = asked if asked in methods else methods[0]
    if method == mfa_flow.TOTP:
        return _totp(request, user, task=True)
    return _phone(request, user, task=True)
