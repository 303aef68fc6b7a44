"""Attack protection, called by every flow that checks a secret or sends a message.

The contract (what a flow calls, in order):

Checking a password or a code for a known user
    ratelimit.hit("<scope>", client_ip(request))        # sign_in_start, factor_attempt,
                                                          # sign_up_start, sign_up_verify
    ratelimit.hit("identifier_attempt", identifier)
    lockout.ensure_not_locked(user, settings, request=request, field=...)
    ... verify ...
    on failure:  if lockout.record_failure(user, settings, request=request):
                     flows.session.notify_locked(request, user)
                 audit.record(request, AuthEvent.Kind.SIGN_IN_FAILED or CODE_FAILED, ...)
    on success:  lockout.record_success(user, request=request)

An unknown identifier
    lockout.ensure_identifier_not_locked(identifier, settings)   # strict mode: locks alike
    factors.password.run_dummy_check(password)                   # same time as a wrong one
    lockout.record_identifier_failure(identifier, settings)
    answer form_password_or_identifier_incorrect when settings.strict_enumeration

Sending a code or link
    factors.codes.issue() (through Factor.prepare) counts every message per address and,
    given FactorContext.extra["ip"], per IP; "I need a new code" also calls
    ratelimit.hit("code_send", client_ip(request)).

Changing credentials
    user_sessions.after_password_change(request, user)   # signed in: keep this session only
    user_sessions.after_password_reset(request, user)    # forgotten: end every session
    audit.record(request, AuthEvent.Kind.MFA_ENABLED / MFA_DISABLED / BACKUP_CODES_CREATED, ...)
"""
