"""The Frontend API's routes, mounted at /__clerk/ (Clerk's SDK: proxyUrl="/__clerk")."""

from django.urls import path

from authflows.fapi import views as v

app_name = "fapi"

SIGN_IN = "v1/client/sign_ins/<str:sign_in_id>"
SIGN_UP = "v1/client/sign_ups/<str:sign_up_id>"
SESSION = "v1/client/sessions/<str:session_id>"
PASSKEY = "v1/me/passkeys/<str:passkey_id>"

urlpatterns = [
    path("v1/environment", v.route(GET=v.environment, PATCH=v.environment), name="environment"),
    path(
        "v1/client",
        v.route(GET=v.read_client, DELETE=v.end_client_sessions),
        name="client",
    ),
    path("v1/client/sign_ins", v.route(POST=v.create_sign_in), name="sign-ins"),
    path(SIGN_IN, v.route(GET=v.read_sign_in), name="sign-in"),
    path(
        f"{SIGN_IN}/prepare_first_factor",
        v.route(POST=v.prepare_first_factor),
        name="prepare-first-factor",
    ),
    path(
        f"{SIGN_IN}/attempt_first_factor",
        v.route(POST=v.attempt_first_factor),
        name="attempt-first-factor",
    ),
    path(
        f"{SIGN_IN}/prepare_second_factor",
        v.route(POST=v.prepare_second_factor),
        name="prepare-second-factor",
    ),
    path(
        f"{SIGN_IN}/attempt_second_factor",
        v.route(POST=v.attempt_second_factor),
        name="attempt-second-factor",
    ),
    path(f"{SIGN_IN}/reset_password", v.route(POST=v.reset_password), name="reset-password"),
    path("v1/client/sign_ups", v.route(POST=v.create_sign_up), name="sign-ups"),
    path(
        SIGN_UP,
        v.route(GET=v.read_sign_up, PATCH=v.update_sign_up, POST=v.update_sign_up),
        name="sign-up",
    ),
    path(
        f"{SIGN_UP}/prepare_verification",
        v.route(POST=v.prepare_verification),
        name="prepare-verification",
    ),
    path(
        f"{SIGN_UP}/attempt_verification",
        v.route(POST=v.attempt_verification),
        name="attempt-verification",
    ),
    path("v1/client/sessions", v.route(DELETE=v.end_client_sessions), name="sessions"),
    path(f"{SESSION}/touch", v.route(POST=v.touch_session), name="touch"),
    path(f"{SESSION}/tokens", v.route(POST=v.session_token), name="tokens"),
    path(
        f"{SESSION}/tokens/<str:template>",
        v.route(POST=v.template_token),
        name="template-token",
    ),
    path(f"{SESSION}/end", v.route(POST=v.end_session), name="end"),
    path(f"{SESSION}/remove", v.route(POST=v.end_session), name="remove"),
    path("v1/me/passkeys", v.route(POST=v.create_passkey), name="passkeys"),
    path(
        PASSKEY,
        v.route(PATCH=v.update_passkey, DELETE=v.delete_passkey),
        name="passkey",
    ),
    path(
        f"{PASSKEY}/attempt_verification",
        v.route(POST=v.attempt_passkey_verification),
        name="passkey-attempt-verification",
    ),
    path("v1/jwks", v.route(check_origin=False, GET=v.jwks), name="jwks"),
    path(".well-known/jwks.json", v.route(check_origin=False, GET=v.jwks), name="jwks-well-known"),
]
