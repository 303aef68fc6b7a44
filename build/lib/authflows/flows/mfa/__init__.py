"""A user's MFA methods (Clerk's user.createTOTP / verifyTOTP / createBackupCode /
disableTOTP and the phone number reserved for second factor):

- methods: what the user has and may add (the account page's overview);
- enrol: adding the authenticator app, SMS codes and backup codes;
- remove: removing them (the user's own, with their password; the admin's reset);
- pages: the account pages and the setup-mfa session task.

Rules (SPEC 4): each method only while the Dashboard has it on; the app counts after a valid
current code; SMS only to a number proven by an SMS code (or already verified); backup codes
back up a real method and are never the only one, shown once, stored hashed; every change
needs a recent proof of identity (reverification); with Require MFA on, the last usable method
can't be removed.
"""
