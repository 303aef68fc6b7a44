"""Forms bind what a browser posts; flows decide. Field names follow the seed examples."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest

from authflows.errors import MESSAGES, FlowError
from authflows.flows.screens import Submission
from authflows.flows.sign_up.fields import FORM_NAMES

# Django's own validation codes, said in Clerk's words.
DJANGO_CODES = {
    "required": "form_param_missing",
    "max_length": "form_param_format_invalid",
    "min_length": "form_param_format_invalid",
    "invalid": "form_param_format_invalid",
    "null_characters_not_allowed": "form_param_format_invalid",
}


class FlowForm(forms.Form):
    """A form whose errors carry Clerk's codes (rendered as data-error-code)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Refusals on a page that was only shown (a GET has no bound form to carry them).
        self.refusals: list[FlowError] = []

    def add_flow_error(self, error: FlowError) -> None:
        if not self.is_bound:
            self.refusals.append(error)
            return
        field = error.field if error.field in self.fields else None
        self.add_error(field, ValidationError(error.message, code=error.code))

    @property
    def refused(self) -> bool:
        return bool(self.refusals) or (self.is_bound and bool(self.errors))

    def error_items(self, field: str) -> list[tuple[str, str]]:
        key = field if field != "__all__" else NON_FIELD_ERRORS
        items = [
            (e.code, e.message)
            for e in self.refusals
            if e.field == field or (field == "__all__" and e.field not in self.fields)
        ]
        for err in self.errors.as_data().get(key, []):
            code = DJANGO_CODES.get(err.code or "", err.code or "form_param_value_invalid")
            message = " ".join(err.messages)
            if err.code in DJANGO_CODES:
                message = (
                    str(MESSAGES.get(code, message)) if code == "form_param_missing" else message
                )
            items.append((code, message))
        return items


def _text(max_length: int, *, strip: bool = True) -> forms.CharField:
    return forms.CharField(required=False, max_length=max_length, strip=strip)


class RedirectURLField(forms.CharField):
    """Where to go after signing in. An unusable value (too long, NUL bytes) becomes "" so it
    can never block a sign-in; the flow then keeps only same-host URLs."""

    def clean(self, value: object) -> str:
        text = self.to_python(value) or ""
        return "" if len(text) > 2000 or "\x00" in text else text


class SignInForm(FlowForm):
    identifier = _text(320)
    email = _text(320)
    phoneNumber = _text(64)
    password = _text(256, strip=False)
    redirect_url = RedirectURLField(required=False)

    def clean(self) -> dict[str, Any]:
        # The seed examples' field names are the identifier: their errors are shown there.
        errors = self.errors
        for alias in ("email", "phoneNumber"):
            if alias in errors and "identifier" not in errors:
                errors["identifier"] = errors.pop(alias)
        data = super().clean() or {}
        data["identifier"] = (
            data.get("identifier") or data.get("email") or data.get("phoneNumber") or ""
        )
        return data

    def submission(self, request: HttpRequest) -> Submission | None:
        """The posted sign-in; Submission() when the page is only shown, None when the form
        refused the post."""
        if not self.is_bound:
            return Submission()
        if not self.is_valid():
            return None
        data = self.cleaned_data
        return Submission(
            posted=True,
            action=request.POST.get("action", "")[:16],
            identifier=data["identifier"],
            password=data["password"],
            redirect_url=data["redirect_url"],
        )


class CodeForm(FlowForm):
    """A step page's form: a code (or, on factor-one, the password), which strategy, and
    which button ("verify", "resend", "check"). Names follow the seed examples."""

    code = _text(64)
    strategy = _text(32)
    useBackupCode = forms.BooleanField(required=False)
    backupCode = forms.BooleanField(required=False)
    # Longer than any password allowed, so the flow (not the form) names the length error.
    password = _text(4096, strip=False)
    action = _text(16)

    def submission(self, request: HttpRequest) -> Submission:
        """What was sent: the posted fields, or (a page only shown) the strategy the query
        string asks for. A post the form refuses is handled as the page shown again."""
        if not self.is_bound or not self.is_valid():
            return Submission(strategy=request.GET.get("strategy", "")[:32])
        data = self.cleaned_data
        return Submission(
            posted=True,
            action=data["action"],
            strategy=data["strategy"],
            code=data["code"],
            password=data["password"],
            use_backup_code=bool(data["useBackupCode"] or data["backupCode"]),
        )


class PhoneForm(CodeForm):
    """Adding SMS codes: the number (action "send"), then the code sent to it ("verify")."""

    phone = _text(64)

    def submission(self, request: HttpRequest) -> Submission:
        sent = super().submission(request)
        step = request.GET.get("step", "")[:16]
        if not sent.posted:
            return Submission(strategy=step)
        return Submission(
            posted=True, action=sent.action, identifier=self.cleaned_data["phone"], code=sent.code
        )


class PasswordForm(CodeForm):
    """Re-entering the password (or a code) before a security change."""


class PasswordChangeForm(FlowForm):
    # Longer than any password allowed, so the flow (not the form) names the length error.
    current_password = _text(4096, strip=False)
    new_password = _text(4096, strip=False)

    def passwords(self) -> dict[str, str] | None:
        """The two passwords as posted; None when the form refused the post."""
        if not self.is_valid():
            return None
        return {name: self.cleaned_data[name] for name in ("current_password", "new_password")}


class SignUpForm(FlowForm):
    """Sign-up fields, named as Clerk's JavaScript parameters (emailAddress, phoneNumber…)."""

    emailAddress = _text(320)
    email = _text(320)
    phoneNumber = _text(64)
    username = _text(128)
    password = _text(512, strip=False)
    firstName = _text(300)
    lastName = _text(300)
    legalAccepted = forms.BooleanField(required=False)
    redirect_url = _text(2000)

    # form field -> the sign-up flow's field (Clerk's snake_case names)
    FLOW_FIELDS = {name: flow for flow, name in FORM_NAMES.items()}

    def flow_data(self) -> dict[str, object] | None:
        """The fields as the flow names them; None when nothing usable was posted."""
        if not self.is_bound or not self.is_valid():
            return None
        data = self.cleaned_data
        data["emailAddress"] = data.get("emailAddress") or data.get("email") or ""
        return {flow: data.get(name) for name, flow in self.FLOW_FIELDS.items()}

    def refused_fields(self) -> list[str]:
        """The flow fields the form itself refused (shown again even if no longer missing)."""
        return [flow for name, flow in self.FLOW_FIELDS.items() if name in self.errors]

    def add_flow_error(self, error: FlowError) -> None:
        for one in getattr(error, "errors", [error]):
            one.field = FORM_NAMES.get(one.field, one.field)
            super().add_flow_error(one)


class ResetForm(CodeForm):
    """The forgotten-password page: the identifier, then the code, then the new password."""

    identifier = _text(320)

    def submission(self, request: HttpRequest) -> Submission:
        sent = super().submission(request)
        if not sent.posted:
            return sent
        return Submission(
            posted=True,
            action=sent.action,
            identifier=self.cleaned_data["identifier"],
            code=sent.code,
            password=sent.password,
        )
