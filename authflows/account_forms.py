"""Forms of the account's own pages (addresses, profile, deletion) and of sign-in-or-up: they
bind what a browser posts; flows decide. Field names follow Clerk's JavaScript parameters."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest

from authflows.errors import FlowError
from authflows.flows.me.profile import PROFILE_FIELDS
from authflows.flows.screens import Submission
from authflows.flows.sign_up.fields import FORM_NAMES
from authflows.forms import CodeForm, FlowForm, RedirectURLField

#: The flow's name of each kind of address -> the form field that carries it.
ADDRESS_FIELDS = {"email_address": "emailAddress", "phone_number": "phoneNumber"}


def _text(max_length: int) -> forms.CharField:
    return forms.CharField(required=False, max_length=max_length)


class AddressForm(CodeForm):
    """Adding an email address or phone number, then the code sent to it; the page's buttons
    ("verify", "resend", "check", "primary", "remove") come as `action`."""

    emailAddress = _text(320)
    phoneNumber = _text(64)
    reservedForSecondFactor = forms.BooleanField(required=False)

    def address_submission(self, request: HttpRequest, kind: str) -> Submission:
        sent = self.submission(request)
        if not sent.posted:
            return sent
        return Submission(
            posted=True,
            action=sent.action,
            identifier=self.cleaned_data[ADDRESS_FIELDS[kind]],
            code=sent.code,
        )

    @property
    def reserved(self) -> bool:
        return bool(self.is_valid() and self.cleaned_data["reservedForSecondFactor"])

    def add_flow_error(self, error: FlowError) -> None:
        error.field = ADDRESS_FIELDS.get(error.field, error.field)
        super().add_flow_error(error)


class ProfileForm(FlowForm):
    """First and last name, username."""

    firstName = _text(300)
    lastName = _text(300)
    username = _text(128)

    def profile_data(self) -> dict[str, str] | None:
        """The fields as the flow names them; None when the form refused the post."""
        if not self.is_valid():
            return None
        return {name: self.cleaned_data[FORM_NAMES[name]] for name in PROFILE_FIELDS}

    def add_flow_error(self, error: FlowError) -> None:
        for one in getattr(error, "errors", [error]):
            one.field = FORM_NAMES.get(one.field, one.field)
            super().add_flow_error(one)


class DeleteAccountForm(FlowForm):
    """The words typed to confirm."""

    confirmation = _text(200)

    def typed(self) -> str | None:
        """What was typed; None when the page is only shown."""
        if not self.is_bound:
            return None
        return self.cleaned_data["confirmation"] if self.is_valid() else ""


class IdentifierForm(FlowForm):
    """Sign-in-or-up: the identifier alone (the seed examples' names are accepted too)."""

    identifier = _text(320)
    emailAddress = _text(320)
    phoneNumber = _text(64)
    redirect_url = RedirectURLField(required=False)

    def submission(self) -> Submission | None:
        """The posted identifier; Submission() when the page is only shown, None when the
        form refused the post."""
        if not self.is_bound:
            return Submission()
        if not self.is_valid():
            return None
        data = self.cleaned_data
        identifier = data["identifier"] or data["emailAddress"] or data["phoneNumber"]
        return Submission(posted=True, identifier=identifier, redirect_url=data["redirect_url"])
