"""A Clerk-compatible Frontend API (FAPI) at /__clerk/v1/: Clerk's own JavaScript SDK runs
the custom flows against this site. HTTP and Clerk's JSON shapes only; every decision is the
flow layer's (authflows/flows/), the same calls the pages make."""
