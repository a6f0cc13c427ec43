"""What every server shares, and nothing area-specific: the front that area code imports.

Behind it sit three floors whose imports only point down (``docs/architecture.md``):
``hosting`` -> ``toolkit`` -> ``pagerduty``. Modules inside ``common`` import from their floor
modules directly, never from this front.
"""

from pagerduty_mcp.common.hosting.cli import build_app
from pagerduty_mcp.common.pagerduty.client import ClientPool, PagerDutyClient, get_client, get_pool, path
from pagerduty_mcp.common.pagerduty.config import Credential, Settings, load_dotenv_file
from pagerduty_mcp.common.pagerduty.errors import (
    ToolFailure,
    failure_from_exception,
    failure_from_response,
    from_email_advice,
    invalid,
    not_found,
    upstream_message,
)
from pagerduty_mcp.common.pagerduty.logs import masking, redact, register_secret
from pagerduty_mcp.common.pagerduty.pagination import Page, at_once, paginate, paginate_cursor
from pagerduty_mcp.common.pagerduty.progress import check_cancelled, record_changed, report_progress
from pagerduty_mcp.common.pagerduty.text import clean_text, clean_tree
from pagerduty_mcp.common.toolkit.apps import App, add_to_app_view, drawn_in_app
from pagerduty_mcp.common.toolkit.area import Area, split_by_kind
from pagerduty_mcp.common.toolkit.completions import Source, matching, named
from pagerduty_mcp.common.toolkit.confirm import Fact, Question, article, asks_to_delete, fact
from pagerduty_mcp.common.toolkit.directory import Card, declare_areas
from pagerduty_mcp.common.toolkit.envelope import UNTRUSTED_NOTICE, Envelope, Section, attempt, bundle, dump, respond
from pagerduty_mcp.common.toolkit.extras import register_prompt, register_resource, register_resource_list
from pagerduty_mcp.common.toolkit.ids import (
    ID_PATTERN,
    MAX_REFERENCE_LENGTH,
    Id,
    IdList,
    id_in,
    id_or_url,
    resolve_id,
    resolve_ids,
)
from pagerduty_mcp.common.toolkit.long_windows import (
    ANALYTICS_AT_ONCE,
    ANALYTICS_LONGEST,
    INCIDENTS_AT_ONCE,
    ONCALLS_AT_ONCE,
    Joined,
    join_rows,
    pieces,
)
from pagerduty_mcp.common.toolkit.models import LeanModel, Ref, refs
from pagerduty_mcp.common.toolkit.names import (
    cached_list,
    check_references_exist,
    finder_hint,
    resolve_reference,
    resolve_variable,
    resolved_row,
)
from pagerduty_mcp.common.toolkit.ownership import Scope, TeamScope, apply_scope
from pagerduty_mcp.common.toolkit.params import Limit, Offset, Since, Until
from pagerduty_mcp.common.toolkit.registry import ToolFilter, register_read_tools, register_write_tools, tool
from pagerduty_mcp.common.toolkit.schema import describe_validation_error
from pagerduty_mcp.common.toolkit.server import create_pagerduty_server
from pagerduty_mcp.common.toolkit.times import TIME_FORMS, check_order, iso, parse_time, window, zone_ok
from pagerduty_mcp.rules.field_values import value_fits

__all__ = [
    "ANALYTICS_AT_ONCE",
    "ANALYTICS_LONGEST",
    "ID_PATTERN",
    "INCIDENTS_AT_ONCE",
    "MAX_REFERENCE_LENGTH",
    "ONCALLS_AT_ONCE",
    "TIME_FORMS",
    "UNTRUSTED_NOTICE",
    "App",
    "Area",
    "Card",
    "ClientPool",
    "Credential",
    "Envelope",
    "Fact",
    "Id",
    "IdList",
    "Joined",
    "LeanModel",
    "Limit",
    "Offset",
    "Page",
    "PagerDutyClient",
    "Question",
    "Ref",
    "Scope",
    "Section",
    "Settings",
    "Since",
    "Source",
    "TeamScope",
    "ToolFailure",
    "ToolFilter",
    "Until",
    "add_to_app_view",
    "apply_scope",
    "article",
    "asks_to_delete",
    "at_once",
    "attempt",
    "build_app",
    "bundle",
    "cached_list",
    "check_cancelled",
    "check_order",
    "check_references_exist",
    "clean_text",
    "clean_tree",
    "create_pagerduty_server",
    "declare_areas",
    "describe_validation_error",
    "drawn_in_app",
    "dump",
    "fact",
    "failure_from_exception",
    "failure_from_response",
    "finder_hint",
    "from_email_advice",
    "get_client",
    "get_pool",
    "id_in",
    "id_or_url",
    "invalid",
    "iso",
    "join_rows",
    "load_dotenv_file",
    "masking",
    "matching",
    "named",
    "not_found",
    "paginate",
    "paginate_cursor",
    "parse_time",
    "path",
    "pieces",
    "record_changed",
    "redact",
    "refs",
    "register_prompt",
    "register_read_tools",
    "register_resource",
    "register_resource_list",
    "register_secret",
    "register_write_tools",
    "report_progress",
    "resolve_id",
    "resolve_ids",
    "resolve_reference",
    "resolve_variable",
    "resolved_row",
    "respond",
    "split_by_kind",
    "tool",
    "upstream_message",
    "value_fits",
    "window",
    "zone_ok",
]
