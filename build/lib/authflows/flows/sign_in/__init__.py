"""The sign-in state machine (Clerk's SignIn), one module per stage:

- table: statuses, legal moves, the page of each status
- attempts: loading and saving the client's attempt
- identify: signIn.create() / signIn.password()
- policy: what the Dashboard offers and what a proven first factor leads to
- first_factor, second_factor, reset, links: the steps
- finish: completing once and signing the session in
"""
