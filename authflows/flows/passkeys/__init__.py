"""Passkeys (WebAuthn), one module per concern:

- relying_party: options and verification on py_webauthn (no database, no HTTP);
- challenges: single-use, short-lived challenges stored server-side;
- store: the user's handle, their passkeys, adding and removing them, the owner's notices;
- assertion: one passkey answer checked through the gate (lockout, audit, counter);
- sign_in: the first factor (no identifier) and the second factor (factor-two);
- register: adding a passkey after a recent proof of identity;
- pages: the account pages (add, rename, remove).

Rules: passkeys only while the Dashboard has them on; a passkey sign-in needs no second
factor and no client trust (user verification makes it a whole second factor on its own); as
a second factor only while the Dashboard allows it; nothing reveals whether an identifier has
passkeys (the first factor asks for none, and the identifier's offer never lists them).
"""
