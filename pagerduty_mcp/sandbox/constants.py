"""The sandbox's fixed addresses and credentials (none of them is a secret)."""

from __future__ import annotations

__all__ = [
    "SANDBOX_ACCOUNT_TOKEN",
    "SANDBOX_API_URL",
    "SANDBOX_EVENTS_URL",
    "SANDBOX_OAUTH_CLIENT_ID",
    "SANDBOX_OAUTH_CLIENT_SECRET",
    "SANDBOX_TOKEN",
]

# Any https URL works in-process: the transport ignores the host.
SANDBOX_API_URL = "https://api.pagerduty.sandbox"
SANDBOX_EVENTS_URL = "https://events.pagerduty.sandbox"
# The seed's current user (a responder on call now, member of two teams).
SANDBOX_TOKEN = "sandbox-user-token"
# Account-level: no user behind it, so GET /users/me answers 400.
SANDBOX_ACCOUNT_TOKEN = "sandbox-account-token"
SANDBOX_OAUTH_CLIENT_ID = "sandbox-oauth-client"
SANDBOX_OAUTH_CLIENT_SECRET = "sandbox-oauth-secret"
