"""Settings from the environment (and a ``.env`` file): credentials, region and limits."""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pagerduty_mcp.common.pagerduty.logs import register_secret

__all__ = [
    "API_KEY_VARIABLES",
    "DEFAULT_API_HOST",
    "EU_API_HOST",
    "Credential",
    "Settings",
    "check_url",
    "credential_problem",
    "load_dotenv_file",
    "masked_url",
]

DEFAULT_API_HOST = "https://api.pagerduty.com"
EU_API_HOST = "https://api.eu.pagerduty.com"
# The first name is the documented one; the others are what older PagerDuty MCP servers used.
API_KEY_VARIABLES = ("PAGERDUTY_USER_API_KEY", "PAGERDUTY_API_TOKEN", "PAGERDUTY_API_KEY")
MAX_SECRET_LENGTH = 512
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")

log = logging.getLogger(__name__)


def credential_problem(secret: str) -> str | None:
    """Why ``secret`` cannot be a PagerDuty credential, or ``None``. Such a value would fail
    deep in the HTTP stack (a non-ASCII header) or split a header line (a newline)."""
    if not secret:
        return "it is empty"
    if len(secret) > MAX_SECRET_LENGTH:
        return f"it is longer than {MAX_SECRET_LENGTH} characters"
    if any(c.isspace() for c in secret):
        return "it contains whitespace or a line break (a copy-and-paste slip?)"
    if not secret.isascii() or not secret.isprintable():
        return "it contains non-ASCII or control characters (PagerDuty keys are plain ASCII)"
    return None


def check_url(name: str, url: str) -> None:
    """Refuse a URL that is not https, has no host, a bad port, or carries a user or password."""
    if not url.startswith("https://"):
        raise ValueError(f"{name} must start with https:// (got {masked_url(url)!r})")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise ValueError(f"{name} is not a valid URL (got {masked_url(url)!r})") from None
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            f"{name} must not carry a user or password (got {masked_url(url)!r}): PagerDuty takes the "
            "credential from PAGERDUTY_USER_API_KEY, never from the URL"
        )
    if not parts.hostname:
        raise ValueError(f"{name} has no host name (got {masked_url(url)!r})")


def masked_url(url: str) -> str:
    """``url`` with any ``user:password@`` replaced, for messages and logs."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    authority, slash, tail = rest.partition("/")
    if "@" in authority:
        authority = "***@" + authority.rpartition("@")[2]
    return f"{scheme}{sep}{authority}{slash}{tail}"


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
        for name in (*API_KEY_VARIABLES, "PAGERDUTY_OAUTH_TOKEN"):
            secret = env.get(name, "").strip()
            if not secret:
                continue
            problem = credential_problem(secret)
            if problem is not None:
                raise ValueError(f"{name} is not a usable PagerDuty credential: {problem}")
            credential = Credential(secret, "bearer" if name == "PAGERDUTY_OAUTH_TOKEN" else "token")
            break
        host = (env.get("PAGERDUTY_API_HOST") or DEFAULT_API_HOST).strip().rstrip("/")
        check_url("PAGERDUTY_API_HOST", host)
        events = (env.get("PAGERDUTY_EVENTS_API_HOST") or "").strip().rstrip("/") or None
        if events:
            check_url("PAGERDUTY_EVENTS_API_HOST", events)
        _note_proxies(env)
        return cls(
            credential=credential,
            api_host=host,
            events_api_host=events,
            user_email=(env.get("PAGERDUTY_USER_EMAIL") or "").strip() or None,
            timeout_seconds=_positive_float(env, "PAGERDUTY_TIMEOUT_SECONDS", 30.0),
            rate_limit_wait_seconds=_positive_float(env, "PAGERDUTY_RATE_LIMIT_WAIT_SECONDS", 20.0),
        )


def _note_proxies(env: Mapping[str, str]) -> None:
    """A proxy may need a user and password (httpx2 sends them to the proxy only): accepted, with the
    password registered for redaction and the proxy logged masked."""
    for name in PROXY_VARIABLES:
        value = env.get(name, "").strip()
        if not value:
            continue
        try:
            parts = urlsplit(value if "://" in value else f"http://{value}")
            password = parts.password
        except ValueError:
            raise ValueError(f"{name} is not a valid proxy URL (got {masked_url(value)!r})") from None
        if password:
            register_secret(password)
            register_secret(unquote(password))
        if parts.username is not None:
            log.info("%s: outgoing requests go through the proxy %s", name, masked_url(value))


def _positive_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds (got {raw!r})") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive, finite number of seconds (got {raw!r})")
    return value


def load_dotenv_file() -> None:
    """Load the ``.env`` of the working directory, else of its nearest parent; the real environment wins.

    Never the one beside the installed package: python-dotenv's default search starts at the
    calling module's folder, which for an installed server is site-packages, not the user's project.
    The search is ours, so that python-dotenv is imported only when there is a file to read.
    """
    here = Path.cwd()
    found = next((folder / ".env" for folder in (here, *here.parents) if (folder / ".env").is_file()), None)
    if found is not None:
        from dotenv import load_dotenv

        load_dotenv(found, override=False)
