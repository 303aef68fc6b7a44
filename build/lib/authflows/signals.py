from django.contrib.auth import user_logged_in
from django.contrib.auth.models import update_last_login

# The sign-in flow stamps last_login itself, in the same UPDATE that resets the failure
# count, so Django's own receiver would only add a query.
user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
