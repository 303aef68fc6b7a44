from django.contrib import admin
from django.urls import include, path

from authflows.views import (
    account,
    api,
    me,
    mfa,
    pages,
    passkeys,
    sign_in,
    sign_in_or_up,
    sign_up,
    sso,
)
from authflows.views.health import healthz
from authflows.views.metrics import metrics

app_name = "authflows"

authflows_patterns = [
    path("", pages.home, name="home"),
    path("sign-in/", sign_in.sign_in, name="sign-in"),
    path("sign-in/reset/", sign_in.start_over, name="sign-in-reset"),
    path("sign-in/factor-two/", sign_in.factor_two, name="factor-two"),
    path("sign-in/client-trust/", sign_in.client_trust, name="client-trust"),
    path("sign-in/client-trust/status/", sign_in.link_status, name="client-trust-status"),
    path("sign-in/verify/", sign_in.verify_email_link, name="verify"),
    path("sign-out/", pages.sign_out, name="sign-out"),
    path("sign-in/factor-one/", sign_in.factor_one, name="factor-one"),
    path("sign-in/factor-one/status/", sign_in.link_status, name="factor-one-status"),
    path("sign-in/reset-password/", sign_in.reset_password, name="reset-password"),
    path("sign-up/", sign_up.sign_up, name="sign-up"),
    path("sign-up/continue/", sign_up.sign_up_continue, name="sign-up-continue"),
    path(
        "sign-up/verify-email-address/",
        sign_up.verify_email_address,
        name="sign-up-verify-email",
    ),
    path(
        "sign-up/verify-email-address/status/",
        sign_up.verify_email_address_status,
        name="sign-up-verify-email-status",
    ),
    path(
        "sign-up/verify-phone-number/",
        sign_up.verify_phone_number,
        name="sign-up-verify-phone",
    ),
    path("sign-up/verify/", sign_up.verify_link_landing, name="sign-up-verify"),
    path("sign-up/complete/", sign_up.complete, name="sign-up-complete"),
    path("sign-up/reset/", sign_up.start_over, name="sign-up-reset"),
    path("user/", account.account, name="account"),
    path("user/devices/revoke/", account.revoke_device, name="revoke-device"),
    path("sign-in/tasks/setup-mfa/", mfa.task_setup_mfa, name="task-setup-mfa"),
    path("user/mfa/totp/", mfa.totp, name="mfa-totp"),
    path("user/mfa/phone/", mfa.phone, name="mfa-phone"),
    path("user/mfa/backup-codes/", mfa.backup_codes, name="mfa-backup-codes"),
    path("user/mfa/totp/remove/", mfa.remove, {"method": "totp"}, name="mfa-remove-totp"),
    path("user/mfa/phone/remove/", mfa.remove, {"method": "phone_code"}, name="mfa-remove-phone"),
    path("user/password/", account.change_password, name="change-password"),
    path("user/sessions/end/", account.end_session, name="end-session"),
    path("user/verify/", account.reverify_page, name="reverify"),
    path("user/profile/", me.profile, name="profile"),
    path("user/delete/", me.delete_account, name="delete-account"),
    path(
        "user/email-addresses/add/",
        me.add_address,
        {"kind": "email_address"},
        name="add-email-address",
    ),
    path("user/email-addresses/verify/", me.address_link, name="email-address-link"),
    path(
        "user/email-addresses/<str:public_id>/",
        me.address,
        {"kind": "email_address"},
        name="email-address",
    ),
    path(
        "user/phone-numbers/add/", me.add_address, {"kind": "phone_number"}, name="add-phone-number"
    ),
    path(
        "user/phone-numbers/<str:public_id>/",
        me.address,
        {"kind": "phone_number"},
        name="phone-number",
    ),
    path("sign-in-or-up/", sign_in_or_up.sign_in_or_up, name="sign-in-or-up"),
    path("api/sign-in/", api.sign_in_state, name="api-sign-in"),
    path("api/sign-in/start/", api.sign_in_start, name="api-sign-in-start"),
    path("api/sign-in/attempt/", api.sign_in_attempt, name="api-sign-in-attempt"),
    path("user/passkeys/add/", passkeys.add, name="passkey-add"),
    path("user/passkeys/<int:passkey_id>/rename/", passkeys.rename, name="passkey-rename"),
    path("user/passkeys/<int:passkey_id>/remove/", passkeys.remove, name="passkey-remove"),
    path("api/passkeys/sign-in/options/", passkeys.sign_in_options, name="api-passkey-options"),
    path("api/passkeys/sign-in/", passkeys.sign_in, name="api-passkey-sign-in"),
    path(
        "api/passkeys/factor-two/options/",
        passkeys.factor_two_options,
        name="api-passkey-factor-two-options",
    ),
    path("api/passkeys/factor-two/", passkeys.factor_two, name="api-passkey-factor-two"),
    path(
        "api/passkeys/register/options/",
        passkeys.register_options,
        name="api-passkey-register-options",
    ),
    path("api/passkeys/register/", passkeys.register_passkey, name="api-passkey-register"),
    path("sso/start/<slug:slug>/", sso.sso_start, name="sso-start"),
    path("sso/continue/", sso.sso_continue, name="sso-continue"),
    path("sso/callback/<slug:slug>/", sso.sso_callback, name="sso-callback"),
    path("sso/saml/<slug:slug>/acs/", sso.saml_acs, name="saml-acs"),
    path("sso/saml/<slug:slug>/metadata/", sso.saml_metadata, name="saml-metadata"),
    path("sso/link/", sso.link_pending, name="sso-link"),
    path("user/connected-accounts/link/", sso.link_start, name="sso-link-start"),
    path("user/connected-accounts/unlink/", sso.unlink, name="sso-unlink"),
    path("dev/outbox/", pages.dev_outbox, name="dev-outbox"),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Clerk's Frontend API for Clerk's own JavaScript SDK (proxyUrl="/__clerk").
    path("__clerk/", include("authflows.fapi.urls")),  # set_language: the footer's language picker
    path("", include((authflows_patterns, "authflows"))),
]

handler400 = "authflows.observability.bad_request"
handler404 = "authflows.observability.page_not_found"
handler500 = "authflows.observability.server_error"
