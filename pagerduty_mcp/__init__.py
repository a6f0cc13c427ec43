"""PagerDuty MCP servers: incidents, services, people and AIOps, read-only by default."""

# The one version of every distribution built from this repository: the core reads it, and the four
# area distributions read it and pin the core to it.
__version__ = "0.1.0"

__all__ = ["__version__"]
