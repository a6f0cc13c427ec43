"""What every server shares, and nothing area-specific."""

from pagerduty_mcp.common.client import ClientPool, PagerDutyClient, get_client, get_pool, path, set_pool
from pagerduty_mcp.common.config import Credential, Settings, load_dotenv_file
from pagerduty_mcp.common.errors import ToolFailure, invalid, not_found
from pagerduty_mcp.common.models import LeanModel, Ref, refs
from pagerduty_mcp.common.pagination import Page, paginate, paginate_cursor
from pagerduty_mcp.common.params import (
    ID_PATTERN,
    Limit,
    Offset,
    id_or_url,
    iso,
    parse_time,
    resolve_id,
    resolve_ids,
)
from pagerduty_mcp.common.registry import ToolFilter, register_read_tools, register_write_tools, tool
from pagerduty_mcp.common.responses import respond
from pagerduty_mcp.common.scope import Scope, apply_scope
from pagerduty_mcp.common.server import Area, build_app, create_pagerduty_server
from pagerduty_mcp.common.text import clean_text, clean_tree

__all__ = [
    "ID_PATTERN",
    "Area",
    "ClientPool",
    "Credential",
    "LeanModel",
    "Limit",
    "Offset",
    "Page",
    "PagerDutyClient",
    "Ref",
    "Scope",
    "Settings",
    "ToolFailure",
    "ToolFilter",
    "apply_scope",
    "build_app",
    "clean_text",
    "clean_tree",
    "create_pagerduty_server",
    "get_client",
    "get_pool",
    "id_or_url",
    "invalid",
    "iso",
    "load_dotenv_file",
    "not_found",
    "paginate",
    "paginate_cursor",
    "parse_time",
    "path",
    "refs",
    "register_read_tools",
    "register_write_tools",
    "resolve_id",
    "resolve_ids",
    "respond",
    "set_pool",
    "tool",
]
