"""Clerk's error codes with a sentence a person understands, raised by flows and factors."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "form_identifier_not_found": _("Couldn't find your account."),
    "form_password_incorrect": _("Password is incorrect. Try again, or use another method."),
    "form_password_or_identifier_incorrect": _(
        "Password or email address is incorrect. Try again, or use another method."
    ),
    "form_param_format_invalid": _("This value is not in a format we accept."),
    "form_param_missing": _("Enter a value."),
    "form_param_value_invalid": _("This value is not valid."),
    "form_code_incorrect": _("The code is incorrect. Check it and try again."),
    "verification_expired": _("This code has expired. Ask for a new one."),
    "verification_failed": _("Too many wrong tries for this code. Ask for a new one."),
    "verification_code_too_many_requests": _(
        "A code was sent a moment ago. You can ask for a new one in %(seconds)s seconds."
    ),
    "form_identifier_exists": _("That identifier is taken. Sign in instead, or use another one."),
    "form_identifier_exists.email_address": _(
        "That email address is taken. Sign in instead, or use another one."
    ),
    "form_identifier_exists.phone_number": _(
        "That phone number is taken. Sign in instead, or use another one."
    ),
    "form_identifier_exists.username": _(
        "That username is taken. Sign in instead, or use another one."
    ),
    "form_password_length_too_short": _("Passwords must be %(min)s characters or more."),
    "form_password_length_too_long": _("Passwords must be at most %(max)s characters."),
    "form_password_pwned": _(
        "This password has appeared in a data breach and can't be used. Choose another one."
    ),
    "form_password_validation_failed": _("This password is too easy to guess."),
    "form_password_not_match": _("The passwords don't match."),
    "form_username_invalid_length": _("Usernames must be between %(min)s and %(max)s characters."),
    "form_username_invalid_character": _(
        "Usernames may contain only letters, numbers, and the characters _ . and -."
    ),
    "strategy_for_user_invalid": _("This verification method is not available for your account."),
    "user_locked": _("Your account is locked. You can try again in %(minutes)s minutes."),
    "user_locked_indefinitely": _("Your account is locked. Contact support to unlock it."),
    "too_many_requests": _("Too many requests. Try again in %(seconds)s seconds."),
    "session_exists": _("You're already signed in."),
    "sign_in_expired": _("Your sign-in attempt expired. Start again."),
    "second_factor_deletion_not_allowed": _(
        "Multi-factor authentication is required, so your last method can't be removed."
    ),
    "form_consent_missing": _("You must accept the terms to continue."),
    "sign_up_expired": _("Your sign-up expired. Start again."),
    "sign_up_closed": _("Sign-up is closed. Ask an administrator for an account."),
    "verification_missing": _("There is nothing to verify here."),
    "reverification_required": _("For your security, confirm it's you before making this change."),
    "service_unavailable": _("This service is briefly unavailable. Try again in a moment."),
    # Clerk's Frontend API (authflows/fapi/).
    "resource_not_found": _("We couldn't find what you asked for here. Start again."),
    "signed_out": _("You're signed out. Sign in again."),
    "origin_invalid": _("This request did not come from this site, so it was refused."),
    # Sign-in with an identity provider (social and enterprise connections).
    "oauth_access_denied": _("Signing in with %(provider)s was cancelled."),
    "oauth_state_invalid": _(
        "This sign-in with a provider expired or was already used. Start again."
    ),
    "oauth_token_exchange_error": _("%(provider)s did not confirm the sign-in. Start again."),
    "oauth_id_token_invalid": _("%(provider)s sent a sign-in we could not verify. Start again."),
    "oauth_provider_unavailable": _("%(provider)s can't be reached right now. Try again later."),
    "oauth_provider_error": _("%(provider)s refused the sign-in. Start again."),
    "saml_response_invalid": _("%(provider)s sent a sign-in we could not verify. Start again."),
    "saml_user_attribute_missing": _("%(provider)s did not send your email address."),
    "saml_connection_invalid": _("Sign-in with %(provider)s is not set up correctly."),
    "enterprise_sso_email_address_domain_mismatch": _(
        "%(provider)s sent an email address outside the domains it signs in."
    ),
    "external_account_exists": _("This %(provider)s account is linked to another user."),
    "external_account_not_found": _("This linked account was not found."),
    "external_account_last_way_in": _(
        "This is your last way to sign in, so it can't be removed. Add a password first."
    ),
    "connection_not_found": _("This sign-in method is not available."),
    "sign_up_if_missing_transfer": _(
        "No account uses this address yet. Continue to create one with it."
    ),
    "identification_not_verified": _("Verify this address first."),
    "identification_reserved_for_second_factor": _(
        "This number only receives codes for multi-factor authentication."
    ),
    "identification_deletion_not_allowed": _("This can't be removed."),
    "last_identification": _(
        "This is your last way to sign in, so it can't be removed. Add another one first."
    ),
    "primary_identification": _("Make another one primary before removing this one."),
    "required_email_address": _("Your account needs an email address, so this one stays."),
    "required_phone_number": _("Your account needs a phone number, so this one stays."),
    "too_many_identifications": _("You can add at most %(max)s of these."),
    "self_deletion_not_allowed": _(
        "Deleting accounts is turned off here. Ask an administrator to delete yours."
    ),
    "delete_confirmation": _("Type the words shown to confirm."),
}


class FlowError(Exception):
    """A refusal a person can act on: a Clerk error code, the field it concerns, a message."""

    def __init__(
        self, code: str, *, field: str = "__all__", message_key: str = "", **params: object
    ) -> None:
        self.code = code
        self.field = field
        self.params = params
        # A variant of the sentence under the same code (e.g. an indefinite `user_locked`, or
        # `form_identifier_exists` naming the field).
        self.message_key = message_key or code
        if not message_key and f"{code}.{field}" in MESSAGES:
            self.message_key = f"{code}.{field}"
        super().__init__(code)

    @property
    def message(self) -> str:
        template = MESSAGES.get(self.message_key, _("Something went wrong. Try again."))
        return str(template) % self.params if self.params else str(template)


class DetailedFlowError(FlowError):
    """A FlowError whose sentence comes from elsewhere (e.g. one of Django's validators)."""

    def __init__(self, code: str, *, detail: str, field: str = "__all__") -> None:
        super().__init__(code, field=field)
        self.detail = detail

    @property
    def message(self) -> str:
        return self.detail


class FlowErrors(FlowError):
    """Several refusals at once, one per field (a sign-up form has many fields)."""

    def __init__(self, errors: list[FlowError]) -> None:
        super().__init__(errors[0].code, field=errors[0].field)
        self.errors = errors


class RateLimited(Exception):
    """Too many requests from one address or for one identifier: answered with HTTP 429."""

    def __init__(self, retry_after: int, *, scope: str = "", first: bool = True) -> None:
        self.retry_after = max(1, int(retry_after))
        self.scope = scope
        self.first = first  # the first refusal in its window (the one worth an audit row)
        super().__init__(f"retry after {self.retry_after}s")
