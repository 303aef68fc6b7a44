"""Django signals a project connects to, to react to what happens to accounts.

Each is sent by the flows at the moment the matching audit event is recorded
(authflows/flows/announce.py, called from the gate's record()), inside the request's
transaction: a receiver that raises rolls the whole step back, and work outside the database
(a webhook, a CRM update) belongs in `transaction.on_commit()`. The sender is the User model;
every signal passes `user` (None for user_deleted) and `context` (the FlowContext of the
request: client, IP address, user agent; None for admin actions without one) and `actor`
("" when the user acted, else who did), plus its own arguments below.

| signal | extra arguments |
| --- | --- |
| user_created | via ("sign_up", "admin") |
| user_updated | fields (what changed: "first_name", "username", "primary_email_address", ...) |
| user_deleted | user_id, pseudonym (the reference the audit log keeps) |
| user_signed_in | strategy (the first factor: "password", "email_code", "sign_up", ...) |
| user_signed_out | — |
| identification_added | identification_id ("idn_..."), identifier (the address), |
| | identification_type ("email_address" or "phone_number") |
| identification_removed | identification_id, identifier, identification_type |
| mfa_changed | strategy ("totp", "phone_code", "backup_code"), enabled (False when removed) |
"""

from django.contrib.auth import user_logged_in
from django.contrib.auth.models import update_last_login
from django.dispatch import Signal

user_created = Signal()
user_updated = Signal()
user_deleted = Signal()
user_signed_in = Signal()
user_signed_out = Signal()
identification_added = Signal()
identification_removed = Signal()
mfa_changed = Signal()


def ready() -> None:
    """Called once the app registry is ready (apps.py), after django.contrib.auth connected
    its receivers. The sign-in flow stamps last_login itself, in the same UPDATE that resets
    the failure count, so Django's own receiver would only add a query."""
    user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
