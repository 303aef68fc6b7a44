"""The Dashboard (one InstanceSettings row) and user administration."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models
from django.db.models import Count, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from authflows import clock
from authflows.errors import FlowError
from authflows.flows import gate, passwords, trust
from authflows.flows.me import deletion, identifications
from authflows.flows.mfa.methods import overview
from authflows.flows.mfa.remove import reset_mfa
from authflows.flows.passkeys import store as passkey_store
from authflows.flows.sso import connections as sso_connections
from authflows.flows.users import owner_of
from authflows.http import typed
from authflows.identifiers import normalize_email, normalize_phone
from authflows.models import (
    AuthEvent,
    EmailAddress,
    ExternalAccount,
    InstanceSettings,
    Passkey,
    PhoneNumber,
    SSOConnection,
    SSODomain,
    TrustedClient,
    User,
)
from authflows.sso import config as sso_config
from authflows.sso import saml


def _login_through_sign_in(request: HttpRequest, extra_context: object = None) -> HttpResponse:
    """The admin signs in through /sign-in/ like everyone, so MFA and client trust apply."""
    if request.user.is_authenticated and not request.user.is_staff:
        return HttpResponseRedirect(reverse("authflows:home"))
    next_url = request.GET.get("next") or reverse("admin:index")
    return HttpResponseRedirect(
        f"{reverse('authflows:sign-in')}?{urlencode({'redirect_url': next_url})}"
    )


def _password_change_on_account_page(
    request: HttpRequest, extra_context: object = None
) -> HttpResponse:
    """Staff change their own password on /user/, with the same rules and consequences as
    everyone (compromised passwords refused, trusted devices revoked, other sessions ended)."""
    return HttpResponseRedirect(reverse("authflows:account") + "#password")


def _actor(request: HttpRequest) -> str:
    return str(getattr(request.user, "identifier", ""))


# The admin's own login and password pages are replaced by the site's (a redirect rather than
# the template the stubs expect).
admin.site.login = _login_through_sign_in  # type: ignore[method-assign]
admin.site.password_change = _password_change_on_account_page  # type: ignore[assignment]
admin.site.site_header = _("authflows Dashboard")
admin.site.site_title = _("authflows")
admin.site.index_title = _("Dashboard and users")


@admin.register(InstanceSettings)
class InstanceSettingsAdmin(admin.ModelAdmin):
    """One row, opened directly: no list, no add, no delete."""

    fieldsets = [
        (_("Application"), {"fields": ["application_name"]}),
        (
            _("Email"),
            {
                "fields": [
                    "email_sign_up",
                    "email_required",
                    "email_verification",
                    "email_sign_in",
                    "email_code_sign_in",
                    "email_link_sign_in",
                ]
            },
        ),
        (
            _("Phone"),
            {
                "fields": [
                    "phone_sign_up",
                    "phone_required",
                    "phone_verify_at_sign_up",
                    "phone_sign_in",
                ]
            },
        ),
        (
            _("Username"),
            {
                "fields": [
                    "username_sign_up",
                    "username_sign_in",
                    "username_min_length",
                    "username_max_length",
                ]
            },
        ),
        (
            _("Personal information"),
            {"fields": ["name_sign_up", "name_required", "legal_consent_required"]},
        ),
        (_("Account"), {"fields": ["self_deletion_enabled"]}),
        (
            _("Password"),
            {"fields": ["password_sign_up", "password_min_length", "password_reject_compromised"]},
        ),
        (
            _("Multi-factor"),
            {"fields": ["mfa_phone_code", "mfa_totp", "mfa_backup_code", "mfa_required"]},
        ),
        (
            _("Passkeys"),
            {"fields": ["passkeys_enabled", "passkey_first_factor", "passkey_second_factor"]},
        ),
        (
            _("Protect"),
            {
                "fields": [
                    "client_trust",
                    "client_trust_legacy_status",
                    "lockout_enabled",
                    "lockout_max_attempts",
                    "lockout_duration_minutes",
                    "lockout_indefinite",
                    "enumeration_protection",
                ]
            },
        ),
        (
            _("Sessions"),
            {
                "fields": [
                    "session_lifetime_enabled",
                    "session_max_lifetime_hours",
                    "session_inactivity_enabled",
                    "session_inactivity_minutes",
                ]
            },
        ),
        (
            _("Data retention"),
            {"fields": ["audit_retention_days", "abandoned_sign_up_retention_days"]},
        ),
        (_("Test mode"), {"fields": ["test_mode"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict | None = None
    ) -> HttpResponse:
        InstanceSettings.load()  # make sure the row exists
        return HttpResponseRedirect(reverse("admin:authflows_instancesettings_change", args=[1]))

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> InstanceSettings | None:
        InstanceSettings.load()
        return super().get_object(request, "1", from_field)

    def save_model(
        self, request: HttpRequest, obj: InstanceSettings, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        gate.record(
            typed(request).flow,
            AuthEvent.Kind.SETTINGS_CHANGED,
            actor=_actor(request),
            fields=sorted(form.changed_data),
        )


class TrustedClientFormSet(BaseInlineFormSet):
    """Each device's "Delete?" checkbox gets a name of its own: the column heading is not a
    label, so assistive technology would otherwise announce an anonymous checkbox."""

    def add_fields(self, form: forms.ModelForm[TrustedClient], index: int | None) -> None:
        super().add_fields(form, index)
        delete = form.fields.get("DELETE")
        if delete is not None and form.instance.client_id:
            delete.widget.attrs["aria-label"] = _("Delete trusted device %(device)s") % {
                "device": form.instance.client
            }


class TrustedClientInline(admin.TabularInline):
    model = TrustedClient
    formset = TrustedClientFormSet
    extra = 0
    fields = ["client", "strategy", "created_at", "last_seen_at"]
    readonly_fields = ("client", "strategy", "created_at", "last_seen_at")
    verbose_name_plural = _("Trusted devices (delete to revoke)")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class UserChangeForm(auth_forms.UserChangeForm):
    """Django's user change form (the password hash is shown read-only, with a link to the
    password form), on authflows' user model."""

    class Meta:
        model = User
        field_classes: dict[str, type] = {}
        fields = [
            "email",
            "phone",
            "username",
            "password",
            "first_name",
            "last_name",
            "email_verified",
            "phone_verified",
            "locked_until",
            "locked_indefinitely",
            "is_active",
            "is_staff",
            "is_superuser",
            "groups",
            "user_permissions",
        ]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, AdminSplitDateTime):
                label_split_date_time(field)

    def clean_email(self) -> str | None:
        return self._unclaimed("email", normalize_email(self.cleaned_data.get("email")))

    def clean_phone(self) -> str | None:
        value = self.cleaned_data.get("phone") or None
        try:
            value = normalize_phone(value)
        except ValueError:
            message = _("Enter a phone number in E.164, e.g. +14155550100.")
            raise forms.ValidationError(message) from None
        return self._unclaimed("phone", value)

    def _unclaimed(self, kind: str, value: str | None) -> str | None:
        """An address verified (or primary) on another account can't become this one's."""
        if value and owner_of(kind, value).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("This address belongs to another account."))
        return value


def label_split_date_time(field: forms.Field) -> None:
    """Django's admin date/time widget shows "Date:" and "Time:" as plain text, which labels
    neither input; name each one after the field."""
    date, time = field.widget.widgets
    date.attrs["aria-label"] = _("%(field)s: date") % {"field": field.label}
    time.attrs["aria-label"] = _("%(field)s: time") % {"field": field.label}


def _validate_new_password(form: forms.BaseForm, user: User | None) -> None:
    """Passwords set by an admin follow the same policy as everyone's (length, Django's
    validators, no compromised password), refused on the form's second password field."""
    password = form.cleaned_data.get("password1") or ""
    if not password:
        return
    try:
        passwords.validate_password(password, settings=InstanceSettings.load(), user=user)
    except FlowError as error:
        form.add_error("password2", error.message)


class AdminPasswordChangeForm(auth_forms.AdminPasswordChangeForm):
    """An admin setting a password is a password change: the user's trusted devices go."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _validate_new_password(self, self.user)
        return data

    def save(self, commit: bool = True) -> User:
        super().save(commit=commit)
        trust.revoke_trust(None, self.user, actor="admin password change")
        return self.user


class UserCreationForm(auth_forms.AdminUserCreationForm):
    """Adding a user in the admin: the password follows the same policy as at sign-up."""

    class Meta:
        model = User
        fields = ["email"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _validate_new_password(self, None)
        return data


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    ordering = ["email"]
    list_display = ["identifier", "email", "phone", "username", "is_staff", "is_locked"]
    search_fields = ["email", "phone", "username", "first_name", "last_name"]
    list_filter = ["is_staff", "is_active", "email_verified", "locked_indefinitely"]
    fieldsets = [
        (None, {"fields": ["email", "phone", "username", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name"]}),
        (_("Verification"), {"fields": ["email_verified", "phone_verified"]}),
        (_("Email addresses and phone numbers"), {"fields": ["addresses"]}),
        (_("Lockout"), {"fields": ["locked_until", "locked_indefinitely"]}),
        (_("Multi-factor authentication"), {"fields": ["mfa_methods", "passkeys"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    readonly_fields = ["last_login", "date_joined", "mfa_methods", "passkeys", "addresses"]
    inlines = [TrustedClientInline]
    actions = ["revoke_trusted_devices", "unlock_users", "reset_mfa"]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        for row in getattr(formset, "deleted_objects", []):  # devices revoked inline
            if isinstance(row, TrustedClient):
                gate.record(
                    typed(request).flow,
                    AuthEvent.Kind.TRUST_REVOKED,
                    user=row.user,
                    actor=_actor(request),
                    client=row.client_id,
                    count=1,
                )

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        """An admin deletes an account the way a user does: sessions ended, devices revoked,
        personal data removed, the audit log keeping a pseudonym (audited, with the admin)."""
        deletion.delete_account(typed(request).flow, obj, actor=_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            self.delete_model(request, user)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        ctx, actor = typed(request).flow, _actor(request)
        if not change:
            gate.record(ctx, AuthEvent.Kind.USER_CREATED, user=obj, actor=actor, via="admin")
        elif form.changed_data:
            fields = sorted(set(form.changed_data) - {"password"})
            gate.record(ctx, AuthEvent.Kind.USER_UPDATED, user=obj, actor=actor, fields=fields)

    @admin.display(boolean=True, description=_("locked"))
    def is_locked(self, obj: User) -> bool:
        return obj.locked_indefinitely or bool(obj.locked_until and obj.locked_until > clock.now())

    @admin.action(description=_("Revoke all trusted devices"))
    def revoke_trusted_devices(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        ctx = typed(request).flow
        count = sum(trust.revoke_trust(ctx, user, actor=_actor(request)) for user in queryset)
        text = ngettext("Revoked %(n)d trusted device.", "Revoked %(n)d trusted devices.", count)
        self.message_user(request, text % {"n": count}, messages.SUCCESS)

    @admin.display(description=_("All addresses"))
    def addresses(self, obj: User) -> str:
        """Every email address and phone number of the account, with its state; each can be
        removed from its own list (Email addresses, Phone numbers)."""
        if obj.pk is None:
            return "-"
        rows: list[EmailAddress | PhoneNumber] = [
            *obj.email_addresses.all(),
            *obj.phone_numbers.all(),
        ]
        return ", ".join(address_summary(row) for row in rows) or str(_("None"))

    @admin.display(description=_("MFA methods"))
    def mfa_methods(self, obj: User) -> str:
        """Which methods the user has; never a secret or a code."""
        if obj.pk is None:
            return "-"
        view = overview(obj, InstanceSettings.load())
        parts = [str(_("Authenticator app"))] if view.totp else []
        if view.phone:
            parts.append(str(_("SMS codes to %(phone)s")) % {"phone": view.phone})
        if view.backup_codes_left:
            left = view.backup_codes_left
            parts.append(
                ngettext("%(n)d backup code left", "%(n)d backup codes left", left) % {"n": left}
            )
        return ", ".join(parts) or str(_("None"))

    @admin.display(description=_("Passkeys"))
    def passkeys(self, obj: User) -> str:
        """The user's passkeys by name, linked to the passkey list where they are removed."""
        if obj.pk is None:
            return "-"
        names = list(Passkey.objects.filter(user=obj).values_list("name", flat=True))
        if not names:
            return str(_("None"))
        url = reverse("admin:authflows_passkey_changelist") + f"?user__id__exact={obj.pk}"
        return format_html('{} (<a href="{}">{}</a>)', ", ".join(names), url, _("manage"))

    @admin.action(description=_("Reset MFA (remove all methods and backup codes)"))
    def reset_mfa(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        ctx = typed(request).flow
        count = sum(reset_mfa(ctx, user, actor=_actor(request)) for user in queryset)
        text = ngettext("Reset MFA of %(n)d user.", "Reset MFA of %(n)d users.", count)
        self.message_user(request, text % {"n": count}, messages.SUCCESS)

    @admin.action(description=_("Unlock"))
    def unlock_users(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            gate.unlock(typed(request).flow, user, actor=_actor(request))
        self.message_user(request, _("Unlocked."), messages.SUCCESS)


@admin.register(Passkey)
class PasskeyAdmin(admin.ModelAdmin):
    """Every user's passkeys, read-only; removing one (here or on the user's page) is audited
    and the owner gets an email."""

    list_display = ["name", "user", "created_at", "last_used_at", "backed_up"]
    list_filter = ["backed_up", "created_at"]
    search_fields = ["name", "user__email", "user__phone", "user__username"]
    fields = ("user", "name", "created_at", "last_used_at", "sign_count", "backed_up", "aaguid")
    readonly_fields = fields
    list_select_related = ["user"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Passkey) -> None:
        passkey_store.delete(typed(request).flow, obj.user, obj, actor=_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Passkey]) -> None:
        for passkey in queryset.select_related("user"):
            self.delete_model(request, passkey)


@admin.register(AuthEvent)
class AuthEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "identifier", "actor", "ip", "client_id"]
    list_filter = ["kind", "created_at"]
    search_fields = ["identifier", "actor", "ip"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


# django-otp's own TOTP device admin shows the secret key and its QR code; MFA is managed
# from the user pages instead (methods listed, never secrets; "Reset MFA" action).
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


# --- Sign-in with identity providers -------------------------------------------------------


def _https_urls(field: Any, **kwargs: Any) -> Any:
    """URL fields typed without a scheme are https:// ones."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class SSOConnectionForm(forms.ModelForm[SSOConnection]):
    """A connection's settings. The client secret is write-only: it is sealed on save and
    never shown again (leave the field empty to keep it). SAML IdP metadata pasted here fills
    the IdP's entity ID, single sign-on URL and certificate."""

    client_secret = forms.CharField(
        label=_("client secret"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted and never shown again. Leave empty to keep the current one."),
    )
    clear_client_secret = forms.BooleanField(label=_("remove the stored secret"), required=False)
    idp_metadata = forms.CharField(
        label=_("import IdP metadata (XML)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("SAML: paste the identity provider's metadata to fill the fields below."),
    )

    class Meta:
        model = SSOConnection
        formfield_callback = _https_urls
        fields = [
            "name",
            "slug",
            "provider",
            "enabled",
            "link_verified_email",
            "client_id",
            "client_secret_env",
            "issuer",
            "authorization_url",
            "token_url",
            "userinfo_url",
            "scopes",
            "idp_entity_id",
            "idp_sso_url",
            "idp_certificate",
            "attribute_email",
            "attribute_first_name",
            "attribute_last_name",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        xml = data.get("idp_metadata") or ""
        if xml:
            try:
                saml.import_idp_metadata(self.instance, xml)
            except ValueError as error:
                self.add_error(
                    "idp_metadata", _("This metadata can't be used: %(e)s") % {"e": error}
                )
            else:
                for name in ("idp_entity_id", "idp_sso_url", "idp_certificate"):
                    data[name] = getattr(self.instance, name)
        return data


class SSODomainInline(admin.TabularInline):
    model = SSODomain
    extra = 1
    verbose_name_plural = _("Email domains (an enterprise connection signs in these addresses)")


@admin.register(SSOConnection)
class SSOConnectionAdmin(admin.ModelAdmin):
    form = SSOConnectionForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [SSODomainInline]
    list_display = ["name", "provider", "enabled", "kind", "status", "linked_accounts", "register"]
    list_filter = ["provider", "enabled"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["register", "secret_stored"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "provider", "enabled", "link_verified_email"]}),
        (_("Register at the provider"), {"fields": ["register"]}),
        (
            _("OAuth 2.0 and OpenID Connect"),
            {
                "fields": [
                    "client_id",
                    "client_secret",
                    "clear_client_secret",
                    "secret_stored",
                    "client_secret_env",
                    "issuer",
                    "authorization_url",
                    "token_url",
                    "userinfo_url",
                    "scopes",
                ]
            },
        ),
        (
            "SAML 2.0",
            {
                "fields": [
                    "idp_metadata",
                    "idp_entity_id",
                    "idp_sso_url",
                    "idp_certificate",
                    "attribute_email",
                    "attribute_first_name",
                    "attribute_last_name",
                ]
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[SSOConnection]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                account_count=Count("external_accounts", distinct=True),
                domain_count=Count("domains", distinct=True),
            )
        )

    @admin.display(description=_("kind"))
    def kind(self, obj: SSOConnection) -> str:
        enterprise = obj.is_saml or bool(getattr(obj, "domain_count", 0))
        return str(_("enterprise") if enterprise else _("social"))

    @admin.display(description=_("status"))
    def status(self, obj: SSOConnection) -> str:
        missing = sso_config.problems(obj)
        if missing:
            return str(_("missing: %(fields)s")) % {"fields": ", ".join(missing)}
        return str(_("ready")) if obj.enabled else str(_("ready, turned off"))

    @admin.display(description=_("linked accounts"))
    def linked_accounts(self, obj: SSOConnection) -> int:
        return int(getattr(obj, "account_count", 0))

    @admin.display(description=_("URLs to register"))
    def register(self, obj: SSOConnection) -> str:
        if not obj.slug:
            return str(_("Shown once the connection is saved."))
        if obj.is_saml:
            return str(_("ACS URL: %(acs)s · SP entity ID and metadata: %(meta)s")) % {
                "acs": sso_config.acs_url(obj),
                "meta": sso_config.metadata_url(obj),
            }
        return str(_("Redirect URI: %(url)s")) % {"url": sso_config.callback_url(obj)}

    @admin.display(description=_("stored secret"))
    def secret_stored(self, obj: SSOConnection) -> str:
        if obj.client_secret_env:
            return str(_("read from the environment variable %(name)s")) % {
                "name": obj.client_secret_env
            }
        return str(_("stored (encrypted)") if obj.client_secret_sealed else _("none"))

    def save_model(self, request: HttpRequest, obj: SSOConnection, form: Any, change: bool) -> None:
        if form.cleaned_data.get("clear_client_secret"):
            sso_config.set_client_secret(obj, "")
        elif form.cleaned_data.get("client_secret"):
            sso_config.set_client_secret(obj, form.cleaned_data["client_secret"])
        super().save_model(request, obj, form, change)
        changed = sorted(set(form.changed_data) - {"client_secret", "idp_metadata"})
        if form.cleaned_data.get("client_secret") or form.cleaned_data.get("clear_client_secret"):
            changed.append("client_secret")  # that it changed, never its value
        gate.record(
            typed(request).flow,
            AuthEvent.Kind.SETTINGS_CHANGED,
            actor=_actor(request),
            connection=obj.slug,
            fields=changed,
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[SSOConnection]) -> None:
        super().delete_queryset(request, queryset)
        sso_connections.forget_cached()  # a bulk delete saves no row


@admin.register(ExternalAccount)
class ExternalAccountAdmin(admin.ModelAdmin):
    """Linked accounts: listed per user and connection, deleted to unlink; never edited."""

    list_display = ["user", "connection", "email", "email_verified", "created_at", "last_used_at"]
    list_filter = ["connection"]
    search_fields = ["user__email", "email", "subject"]
    list_select_related = ["user", "connection"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: ExternalAccount) -> None:
        super().delete_model(request, obj)
        gate.record(
            typed(request).flow,
            AuthEvent.Kind.SSO_UNLINKED,
            user=obj.user,
            actor=_actor(request),
            connection=obj.connection.slug,
        )


def address_summary(row: EmailAddress | PhoneNumber) -> str:
    states = [_("primary")] if row.primary else []
    states.append(_("verified") if row.verified else _("unverified"))
    if isinstance(row, PhoneNumber) and row.reserved_for_second_factor:
        states.append(_("MFA only"))
    return f"{row.value} ({', '.join(str(s) for s in states)})"


class AddressAdmin(admin.ModelAdmin):
    """Email addresses or phone numbers of all accounts, read-only; deleting one takes it off
    its account (the primary one too: the account then has none of that kind), audited."""

    list_display = ["value", "user", "verified", "primary", "public_id"]
    list_filter = ["verified", "primary"]
    readonly_fields = ["user", "public_id", "verified", "verified_at", "primary", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: EmailAddress | PhoneNumber) -> None:
        identifications.remove_by_admin(typed(request).flow, obj, actor=_actor(request))

    def delete_queryset(
        self, request: HttpRequest, queryset: QuerySet[EmailAddress] | QuerySet[PhoneNumber]
    ) -> None:
        for row in queryset:
            self.delete_model(request, row)


@admin.register(EmailAddress)
class EmailAddressAdmin(AddressAdmin):
    search_fields = ["email_address", "public_id", "user__email"]


@admin.register(PhoneNumber)
class PhoneNumberAdmin(AddressAdmin):
    list_display = [*AddressAdmin.list_display, "reserved_for_second_factor"]
    search_fields = ["phone_number", "public_id", "user__email"]
