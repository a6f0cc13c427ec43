"""Extensions: the Slack channels, ServiceNow syncs and generic webhooks attached to services, and the
schemas (kinds) they are made from. Read only; configuration values are never shown (they may be
credentials)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from pagerduty_mcp.common import Envelope, Limit, Offset, get_client, id_or_url, paginate, respond, tool
from pagerduty_mcp.servers.services.models import Extension, ExtensionSchema
from pagerduty_mcp.servers.services.params import Id

__all__ = ["list_extension_schemas", "list_extensions"]


@tool("List extension schemas")
def list_extension_schemas(limit: Limit = 25, offset: Offset = 0) -> Envelope:
    """Kinds of extension (Slack, ServiceNow, generic webhook...) and the incident events each gets."""
    page = paginate(get_client(), "/extension_schemas", "extension_schemas", limit=limit, offset=offset)
    rows = [ExtensionSchema.from_api(s) for s in page.items]
    return respond("extension_schemas", rows, f"{len(rows)} extension schema(s)", page=page)


@tool("List extensions")
def list_extensions(
    service_id: Annotated[Id | None, id_or_url("Only this service's")] = None,
    extension_schema_id: Annotated[Id | None, id_or_url("Only this schema's, e.g. Slack")] = None,
    query: Annotated[str | None, Field(description="Filter by name (partial match).")] = None,
    limit: Limit = 25,
    offset: Offset = 0,
) -> Envelope:
    """Extensions on services (Slack channel, ServiceNow sync, webhook): schema, services, URL, state,
    config keys."""
    params: dict[str, Any] = {}
    if service_id:
        params["extension_object_id"] = service_id
    if extension_schema_id:
        params["extension_schema_id"] = extension_schema_id
    if query:
        params["query"] = query
    page = paginate(get_client(), "/extensions", "extensions", params, limit=limit, offset=offset)
    rows = [Extension.from_api(e) for e in page.items]
    return respond("extensions", rows, f"{len(rows)} extension(s)", page=page)
