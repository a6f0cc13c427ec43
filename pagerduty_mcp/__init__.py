"""PagerDuty MCP servers: incidents, services, people and AIOps, read-only by default."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pagerduty-mcp")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without metadata
    __version__ = "0.0.0"

__all__ = ["__version__"]
