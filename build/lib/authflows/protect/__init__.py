"""Attack protection: rate limits, lockout, the audit log and the client address.

Flows never call these in sequence by hand: every check of a secret and every message sent
goes through the one gate, authflows/flows/gate.py, which applies them in order."""
