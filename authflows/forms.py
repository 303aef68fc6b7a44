"""Forms bind what a browser posts; flows decide. Field names follow the seed examples."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from authflows.flows.errors import MESSAGES, FlowError

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

    def add_flow_error(self, error: FlowError) -> None:
        field = error.field if error.field in self.fields else None
        self.add_error(field, ValidationError(error.message, code=error.code))

    def error_items(self, field: str) -> list[tuple[str, str]]:
        key = field if field != "__all__" else forms.forms.NON_FIELD_ERRORS
        items = []
        for err in self.errors.as_data().get(key, []):
            code = DJANGO_CODES.get(err.code or "", err.code or "form_param_value_invalid")
            message = " ".join(err.messages)
            if err.code in DJANGO_CODES:
                message = (
                    str(MESSAGES.get(code, message)) if code == "form_param_missing" else message
                )
            items.append((code, message))
        return items


def _text(max_length: int, **kwargs: object) -> forms.CharField:
    return forms.CharField(required=False, max_length=max_length, **kwargs)


class RedirectURLField(forms.CharField):
    """Where to go after signing in. An unusable value (too long, NUL bytes) becomes "" so it
    can never block a sign-in; the flow then keeps only same-host URLs."""

    def clean(self, value: object) -> str:
        text = self.to_python(value)
        return "" if len(text) > 2000 or "\x00" in text else text


class SignInForm(FlowForm):
    identifier = _text(320)
    email = _text(320)
    phoneNumber = _text(64)
    password = _text(256, strip=False)
    redirect_url = RedirectURLField(required=False)

    def clean(self) -> dict:
        # The seed examples' field names are the identifier: their errors are shown there.
        for alias in ("email", "phoneNumber"):
            if alias in self._errors and "identifier" not in self._errors:
                self._errors["identifier"] = self._errors.pop(alias)
        data = super().clean()
        data["identifier"] = (
            data.get("identifier") or data.get("email") or data.get("phoneNumber") or ""
        )
        return data


class CodeForm(FlowForm):
    code = _text(64)
    strategy = _text(32)
    useBackupCode = forms.BooleanField(required=False)
    backupCode = forms.BooleanField(required=False)


class PhoneForm(FlowForm):
    """Adding SMS codes: the number, then the code sent to it."""

    phone = _text(64)
    code = _text(64)


class PasswordForm(FlowForm):
    """Re-entering the password before a security change."""

    password = _text(256, strip=False)


class PasswordChangeForm(FlowForm):
    # Longer than any password allowed, so the flow (not the form) names the length error.
    current_password = _text(4096, strip=False)
    new_password = _text(4096, strip=False)


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
    FLOW_FIELDS = {
        "emailAddress": "email_address",
        "phoneNumber": "phone_number",
        "username": "username",
        "password": "password",
        "firstName": "first_name",
        "lastName": "last_name",
        "legalAccepted": "legal_accepted",
    }

    def flow_data(self) -> dict[str, object]:
        data = self.cleaned_data
        data["emailAddress"] = data.get("emailAddress") or data.get("email") or ""
        return {flow: data.get(name) for name, flow in self.FLOW_FIELDS.items()}

    def add_flow_error(self, error: FlowError) -> None:
        for one in getattr(error, "errors", [error]):
            names = {flow: name for name, flow in self.FLOW_FIELDS.items()}
            one.field = names.get(one.field, one.field)
            super().add_flow_error(one)


class NewPasswordForm(FlowForm):
    password = _text(512, strip=False)
