"""Settings from the environment (and a ``.env`` file): credentials, region and limits."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "API_KEY_VARIABLES",
    "DEFAULT_API_HOST",
    "EU_API_HOST",
    "Credential",
    "Settings",
    "load_dotenv_file",
]

DEFAULT_API_HOST = "https://api.pagerduty.com"
EU_API_HOST = "https://api.eu.pagerduty.com"
# The first name is the documented one; the others are what older PagerDuty MCP servers used.
API_KEY_VARIABLES = ("PAGERDUTY_USER_API_KEY", "PAGERDUTY_API_TOKEN", "PAGERDUTY_API_KEY")


@dataclass(frozen=True)
class Credential:
    """A PagerDuty secret and how it is sent. The secret never appears in ``repr``."""

    secret: str = field(repr=False)
    kind: str = "token"  # "token" for REST API keys, "bearer" for OAuth access tokens

    @property
    def redacted(self) -> str:
        return f"{self.kind}:…{self.secret[-4:]}" if len(self.secret) > 8 else f"{self.kind}:…"


@dataclass(frozen=True)
class Settings:
    """What a server needs to reach PagerDuty. Built once at start-up, without network calls."""

    credential: Credential | None = None
    api_host: str = DEFAULT_API_HOST
    user_email: str | None = None
    timeout_seconds: float = 30.0
    rate_limit_wait_seconds: float = 20.0

    events_api_host: str | None = None

    @property
    def events_host(self) -> str:
        """The Events API host: set explicitly, or the one of the REST API host's region.

        A REST host that is neither PagerDuty region (a proxy, the HTTPS sandbox) also receives
        the events, so that events never leave for the real PagerDuty by surprise.
        """
        if self.events_api_host:
            return self.events_api_host
        if self.api_host == EU_API_HOST:
            return "https://events.eu.pagerduty.com"
        if self.api_host == DEFAULT_API_HOST:
            return "https://events.pagerduty.com"
        return self.api_host

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        credential = None
        for name in API_KEY_VARIABLES:
            if env.get(name, "").strip():
                credential = Credential(env[name].strip(), "token")
                break
        if credential is None and env.get("PAGERDUTY_OAUTH_TOKEN", "").strip():
            credential = Credential(env["PAGERDUTY_OAUTH_TOKEN"].strip(), "bearer")
        host = (env.get("PAGERDUTY_API_HOST") or DEFAULT_API_HOST).strip().rstrip("/")
        if not host.startswith("https://"):
            raise ValueError(f"PAGERDUTY_API_HOST must start with https:// (got {host!r})")
        events = (env.get("PAGERDUTY_EVENTS_API_HOST") or "").strip().rstrip("/") or None
        if events and not events.startswith("https://"):
            raise ValueError(f"PAGERDUTY_EVENTS_API_HOST must start with https:// (got {events!r})")
        return cls(
            credential=credential,
            api_host=host,
            events_api_host=events,
            user_email=(env.get("PAGERDUTY_USER_EMAIL") or "").strip() or None,
            timeout_seconds=_positive_float(env, "PAGERDUTY_TIMEOUT_SECONDS", 30.0),
            rate_limit_wait_seconds=_positive_float(env, "PAGERDUTY_RATE_LIMIT_WAIT_SECONDS", 20.0),
        )


def _positive_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds (got {raw!r})") from None
    if value <= 0:
        raise ValueError(f"{name} must be positive (got {raw!r})")
    return value


def load_dotenv_file() -> None:
    """Load the ``.env`` of the working directory, else of its nearest parent; the real environment wins.

    Never the one beside the installed package: python-dotenv's default search starts at the
    calling module's folder, which for an installed server is site-packages, not the user's project.
    """
    from dotenv import find_dotenv, load_dotenv

    found = find_dotenv(usecwd=True)
    if found:
        load_dotenv(found, override=False)
