"""What the sign-in needs to know about the resource it guards (:class:`OAuthConfig`), apart from
both halves of the sign-in that read it: the authorization server (``oauth_server``) and the
browser's part (``browser_leg``), which would otherwise import each other."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from mcp.server.auth.routes import build_resource_metadata_url
from pydantic import AnyHttpUrl

from pagerduty_mcp.common.hosting.redirects import RedirectPolicy
from pagerduty_mcp.common.hosting.registration import DEFAULT_REGISTRATIONS_PER_HOUR
from pagerduty_mcp.rules.scope_table import grants

__all__ = ["CALLBACK_PATH", "OAuthConfig"]

# Where PagerDuty sends the browser back after its sign-in page.
CALLBACK_PATH = "/oauth/callback"


@dataclass(frozen=True)
class OAuthConfig:
    """What the authorization server needs to know about the resource it guards."""

    public_url: str  # the resource's canonical origin (and prefix), without a trailing slash
    mcp_path: str
    api_host: str  # PagerDuty's REST host, to ask who signed in
    tool_scopes: Mapping[str, tuple[str, ...]]  # enabled tool -> the PagerDuty scopes it needs
    access_seconds: float = 3600.0
    refresh_seconds: float = 30 * 86400.0
    sign_in_url: str | None = None  # the identity's authorize page when it is served here (sandbox)
    write_tools: frozenset[str] = frozenset()  # the enabled tools that change PagerDuty
    redirects: RedirectPolicy = field(default_factory=RedirectPolicy)
    registrations_per_hour: int = DEFAULT_REGISTRATIONS_PER_HOUR

    @property
    def resource_url(self) -> str:
        return self.public_url + self.mcp_path

    @property
    def callback_url(self) -> str:
        return self.public_url + CALLBACK_PATH

    @property
    def metadata_url(self) -> str:
        return str(build_resource_metadata_url(AnyHttpUrl(self.resource_url)))

    @property
    def scopes(self) -> tuple[str, ...]:
        return tuple(sorted({s for needed in self.tool_scopes.values() for s in needed}))

    def allowed_tools(self, granted: tuple[str, ...] | list[str]) -> frozenset[str]:
        """The tools every scope of which the user was granted; never one that states no scope
        (it fails closed: nothing says what such a tool would do)."""
        return frozenset(
            tool for tool, needed in self.tool_scopes.items() if needed and all(grants(granted, s) for s in needed)
        )
