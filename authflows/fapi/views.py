"""/__clerk/v1/: Clerk's Frontend API over the flow layer. Each handler reads Clerk's
parameters, makes one flow call, and answers with Clerk's envelope ({response, client});
refusals are Clerk's error objects (authflows/fapi/errors.py). The Frontend API shares the
pages' client cookie and session: one browser is one client to both."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from authflows.errors import FlowError
from authflows.fapi import origin, serializers, tokens
from authflows.fapi.errors import error_response
from authflows.flows import clerk_ids, clerk_session
from authflows.flows.passkeys import clerk as passkeys
from authflows.flows.sign_in import attempts as sign_in_attempts
from authflows.flows.sign_in import clerk as sign_in
from authflows.flows.sign_in.table import Status
from authflows.flows.sign_up import attempts as sign_up_attempts
from authflows.flows.sign_up import clerk as sign_up
from authflows.flows.sign_up.fields import FIELDS, LEGAL
from authflows.flows.sso import clerk as sso
from authflows.http import AuthRequest, typed
from authflows.models import SignInAttempt, SignUpAttempt

Json = dict[str, Any]
Handler = Callable[..., Json]
#: Clerk's SDK sends PATCH and DELETE as POST with ?_method= (no CORS preflight).
OVERRIDES = ("PATCH", "PUT", "DELETE")
#: A browser's passkey answer is a few kilobytes at most (attestation certificates included).
MAX_CREDENTIAL = 64 * 1024


def effective_method(request: HttpRequest) -> str:
    override = request.GET.get("_method", "").upper()
    return override if request.method == "POST" and override in OVERRIDES else request.method or ""


def route(*, check_origin: bool = True, **handlers: Handler) -> Callable[..., HttpResponse]:
    """One path: a handler per (effective) method, the origin check, Clerk's errors."""

    @csrf_exempt  # no CSRF token from Clerk's SDK: the origin check stands in for it
    def view(request: HttpRequest, **kwargs: str) -> HttpResponse:
        method = effective_method(request)
        handler = handlers.get(method)
        if handler is None:
            return JsonResponse({"errors": [{"code": "method_not_allowed"}]}, status=405)
        if check_origin and not origin.is_allowed(request, method=method):
            return error_response(FlowError("origin_invalid"))
        try:
            return JsonResponse(handler(typed(request), **kwargs))
        except FlowError as error:
            return error_response(error)

    return view


# --- shared ---------------------------------------------------------------------------------


def _param(request: AuthRequest, name: str) -> str:
    return request.POST.get(name, "")[:2000]


def _api_version(request: AuthRequest) -> str:
    """Clerk's __clerk_api_version (a date): what the SDK on this page understands."""
    return request.GET.get("__clerk_api_version", "")[:32]


def _credential(request: AuthRequest) -> object:
    """public_key_credential: the browser's passkey answer as JSON (a few kilobytes at most);
    anything unreadable is None, which the flow refuses as malformed."""
    raw = request.POST.get("public_key_credential", "")
    if not raw or len(raw) > MAX_CREDENTIAL:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _session_json(request: AuthRequest, state: clerk_session.SessionState | None) -> Json | None:
    if state is None:
        return None
    ctx = request.flow
    jwt = tokens.mint(
        subject=clerk_ids.user_id(state.user.pk),
        session_id=state.id,
        issuer=(ctx.origin or origin.own_origin(request)) + "/__clerk",
        authorized_party=origin.own_origin(request),
        signed_in_at=state.signed_in_at,
        status=state.status,
    )
    return serializers.session(state, jwt=jwt)


def _client(
    request: AuthRequest, *, sign_in_json: Json | None = None, sign_up_json: Json | None = None
) -> Json | None:
    """This browser's client: its attempts in progress and its session (with a fresh token)."""
    ctx = request.flow
    if ctx.client.id is None:
        return None
    if sign_in_json is None and (attempt := sign_in_attempts.current(ctx)) is not None:
        sign_in_json = serializers.sign_in(ctx, attempt, api_version=_api_version(request))
    elif sign_in_json is None and (done := sso.finished(ctx)) is not None:  # after a callback
        sign_in_json = serializers.sign_in(
            ctx, done, created_session_id=_session_id(request), api_version=_api_version(request)
        )
    if sign_up_json is None and (pending := sign_up_attempts.current(ctx)) is not None:
        sign_up_json = serializers.sign_up(ctx, pending)
    return serializers.client(
        ctx,
        client_pk=ctx.client.id,
        sign_in=sign_in_json,
        sign_up=sign_up_json,
        session=_session_json(request, clerk_session.current(ctx)),
    )


def _envelope(request: AuthRequest, response: Json | None, **attempts: Json | None) -> Json:
    return {"response": response, "client": _client(request, **attempts)}


def _session_id(request: AuthRequest) -> str | None:
    state = clerk_session.current(request.flow)
    return state.id if state else None


def _sign_in_answer(
    request: AuthRequest, attempt: SignInAttempt, passkey_options: Json | None = None
) -> Json:
    done = attempt.status == Status.COMPLETE
    created = _session_id(request) if done else None
    data = serializers.sign_in(
        request.flow,
        attempt,
        created_session_id=created,
        api_version=_api_version(request),
        passkey_options=passkey_options,
    )
    return _envelope(request, data, sign_in_json=data)


def _sign_up_answer(request: AuthRequest, attempt: SignUpAttempt) -> Json:
    done = attempt.status == sign_up_attempts.Status.COMPLETE
    created = _session_id(request) if done else None
    data = serializers.sign_up(request.flow, attempt, created_session_id=created)
    return _envelope(request, data, sign_up_json=data)


# --- environment and client -------------------------------------------------------------------


def environment(request: AuthRequest) -> Json:
    ctx = request.flow
    return serializers.environment(
        ctx.settings,
        origin=origin.own_origin(request),
        passkey_second_factor=passkeys.second_factor_offered(ctx, _api_version(request)),
    )


def read_client(request: AuthRequest) -> Json:
    """GET /client: 200 with a null client for a browser that has none (a 4xx is fatal)."""
    return {"response": _client(request), "client": None}


def end_client_sessions(request: AuthRequest) -> Json:
    """DELETE /client/sessions (sign-out) and DELETE /client: the client and its trust stay."""
    clerk_session.end(request.flow)
    client = _client(request)
    return {"response": client, "client": client}


# --- sign-in ---------------------------------------------------------------------------------


def create_sign_in(request: AuthRequest) -> Json:
    attempt, options = sign_in.create(
        request.flow,
        identifier=_param(request, "identifier"),
        password=request.POST.get("password", "")[:512],
        strategy=_param(request, "strategy"),
        redirect_url=_param(request, "redirect_url"),
        complete_url=_param(request, "action_complete_redirect_url"),
    )
    return _sign_in_answer(request, attempt, passkey_options=options)


def read_sign_in(request: AuthRequest, sign_in_id: str) -> Json:
    attempt = sign_in.by_id(request.flow, sign_in_id)
    sign_in.refresh(request.flow, attempt)
    return _sign_in_answer(request, attempt)


def _identification(request: AuthRequest) -> str:
    return _param(request, "email_address_id") or _param(request, "phone_number_id")


def prepare_first_factor(request: AuthRequest, sign_in_id: str) -> Json:
    attempt = sign_in.by_id(request.flow, sign_in_id)
    attempt, options = sign_in.prepare_first(
        request.flow,
        attempt,
        _param(request, "strategy"),
        identification=_identification(request),
        redirect_url=_param(request, "redirect_url"),
        complete_url=_param(request, "action_complete_redirect_url"),
    )
    return _sign_in_answer(request, attempt, passkey_options=options)


def attempt_first_factor(request: AuthRequest, sign_in_id: str) -> Json:
    attempt = sign_in.by_id(request.flow, sign_in_id)
    attempt = sign_in.attempt_first(
        request.flow,
        attempt,
        _param(request, "strategy"),
        code=_param(request, "code"),
        password=request.POST.get("password", "")[:512],
        credential=_credential(request),
    )
    return _sign_in_answer(request, attempt)


def prepare_second_factor(request: AuthRequest, sign_in_id: str) -> Json:
    attempt = sign_in.by_id(request.flow, sign_in_id)
    options = sign_in.prepare_second(
        request.flow,
        attempt,
        _param(request, "strategy"),
        identification=_identification(request),
        api_version=_api_version(request),
    )
    return _sign_in_answer(request, attempt, passkey_options=options)


def attempt_second_factor(request: AuthRequest, sign_in_id: str) -> Json:
    attempt = sign_in.by_id(request.flow, sign_in_id)
    sign_in.attempt_second(
        request.flow,
        attempt,
        _param(request, "strategy"),
        _param(request, "code"),
        credential=_credential(request),
        api_version=_api_version(request),
    )
    return _sign_in_answer(request, attempt)


def reset_password(request: AuthRequest, sign_in_id: str) -> Json:
    attempt = sign_in.by_id(request.flow, sign_in_id)
    sign_in.reset_password(request.flow, attempt, request.POST.get("password", "")[:512])
    return _sign_in_answer(request, attempt)


# --- sign-up ---------------------------------------------------------------------------------


def _sign_up_data(request: AuthRequest) -> dict[str, object]:
    """Clerk's sign-up parameters are the flow's field names; a checkbox is "true"."""
    data: dict[str, object] = {k: request.POST[k][:512] for k in FIELDS if k in request.POST}
    if LEGAL in data:
        data[LEGAL] = str(data[LEGAL]).lower() in ("true", "1", "on")
    return data


def create_sign_up(request: AuthRequest) -> Json:
    attempt = sign_up.create(
        request.flow,
        data=_sign_up_data(request),
        strategy=_param(request, "strategy"),
        redirect_url=_param(request, "redirect_url"),
        transfer=_param(request, "transfer").lower() == "true",
    )
    return _sign_up_answer(request, attempt)


def read_sign_up(request: AuthRequest, sign_up_id: str) -> Json:
    attempt = sign_up.by_id(request.flow, sign_up_id)
    sign_up.refresh(request.flow, attempt)
    return _sign_up_answer(request, attempt)


def update_sign_up(request: AuthRequest, sign_up_id: str) -> Json:
    attempt = sign_up.by_id(request.flow, sign_up_id)
    sign_up.update(request.flow, attempt, data=_sign_up_data(request))
    return _sign_up_answer(request, attempt)


def prepare_verification(request: AuthRequest, sign_up_id: str) -> Json:
    attempt = sign_up.by_id(request.flow, sign_up_id)
    sign_up.prepare_verification(request.flow, attempt, _param(request, "strategy"))
    return _sign_up_answer(request, attempt)


def attempt_verification(request: AuthRequest, sign_up_id: str) -> Json:
    attempt = sign_up.by_id(request.flow, sign_up_id)
    sign_up.attempt_verification(
        request.flow, attempt, _param(request, "strategy"), _param(request, "code")
    )
    return _sign_up_answer(request, attempt)


# --- the user's passkeys (/me/passkeys) ----------------------------------------------------------


def create_passkey(request: AuthRequest) -> Json:
    """user.createPasskey(), first call: the creation options in verification.nonce."""
    passkey_id, options = passkeys.start_registration(request.flow)
    return _envelope(request, serializers.pending_passkey(passkey_id, options))


def attempt_passkey_verification(request: AuthRequest, passkey_id: str) -> Json:
    """user.createPasskey(), second call: the browser's new credential."""
    added = passkeys.finish_registration(request.flow, passkey_id, _credential(request))
    return _envelope(request, serializers.passkey(added))


def update_passkey(request: AuthRequest, passkey_id: str) -> Json:
    renamed = passkeys.rename(request.flow, passkey_id, _param(request, "name"))
    return _envelope(request, serializers.passkey(renamed))


def delete_passkey(request: AuthRequest, passkey_id: str) -> Json:
    passkeys.remove(request.flow, passkey_id)
    return _envelope(request, serializers.deleted("passkey", passkey_id))


# --- sessions and tokens ---------------------------------------------------------------------


def touch_session(request: AuthRequest, session_id: str) -> Json:
    """setActive(): the one session of this browser, selected."""
    state = clerk_session.by_id(request.flow, session_id)
    return _envelope(request, _session_json(request, state))


def session_token(request: AuthRequest, session_id: str) -> Json:
    """getToken(): a fresh session token (Clerk's bare {object: "token", jwt})."""
    state = clerk_session.by_id(request.flow, session_id)
    session = _session_json(request, state)
    assert session is not None
    return dict(session["last_active_token"])


def template_token(request: AuthRequest, session_id: str, template: str) -> Json:
    """JWT templates are not served."""
    clerk_session.by_id(request.flow, session_id)
    raise FlowError("resource_not_found")


def end_session(request: AuthRequest, session_id: str) -> Json:
    """sessions/{id}/end and /remove: sign out this browser's session."""
    state = clerk_session.by_id(request.flow, session_id)
    ended = {**serializers.session(state, jwt=""), "status": "ended", "last_active_token": None}
    clerk_session.end(request.flow, session_id)
    return _envelope(request, ended)


def jwks(request: AuthRequest) -> Json:
    """The public keys that verify session tokens (no private part is ever stored here)."""
    return tokens.jwks()
