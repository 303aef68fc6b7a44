"""The sign-up state machine (Clerk's SignUp): fields, attempts, collect (create/update),
verify (email address and phone number), finish (the account, then setActive())."""
