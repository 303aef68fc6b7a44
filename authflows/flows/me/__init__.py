"""The signed-in user's own account (Clerk's `/me`): email addresses and phone numbers
(identifications), profile, deletion, and the /user/ pages that show them."""
