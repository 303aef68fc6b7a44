from django.contrib import admin
from django.urls import include, path

from authflows.views import account, pages, sign_in

app_name = "authflows"

authflows_patterns = [
    path("", pages.home, name="home"),
    path("sign-in/", sign_in.sign_in, name="sign-in"),
    path("sign-in/reset/", sign_in.reset, name="sign-in-reset"),
    path("sign-in/factor-two/", sign_in.factor_two, name="factor-two"),
    path("sign-in/client-trust/", sign_in.client_trust, name="client-trust"),
    path("sign-in/client-trust/status/", sign_in.client_trust_status, name="client-trust-status"),
    path("sign-in/verify/", sign_in.verify_email_link, name="verify"),
    path("sign-out/", pages.sign_out, name="sign-out"),
    path("sign-up/", pages.sign_up_placeholder, name="sign-up"),
    path("user/", account.account, name="account"),
    path("user/devices/revoke/", account.revoke_device, name="revoke-device"),
    path("user/sessions/end/", account.end_session, name="end-session"),
    path("dev/outbox/", pages.dev_outbox, name="dev-outbox"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include((authflows_patterns, "authflows"))),
]
