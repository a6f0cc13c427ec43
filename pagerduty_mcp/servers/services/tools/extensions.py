"""Extensions: the Slack channels, ServiceNow syncs and generic webhooks attached to services, and the
schemas (kinds) they are made from. Read only; configuration values are never shown (they may be
credentials)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from pagerduty_mcp.common import (
    Envelope,
    Limit,
    Offset,
    get_client,
    id_or_url,
    paginate,
    path,
    respond,
    tool,
)
from pagerduty_mcp.servers.services.models import Extension, ExtensionSchema, ExtensionSchemaDetail
from pagerduty_mcp.servers.services.params import Id

__all__ = ["get_extension_schema", "list_extension_schemas", "list_extensions"]

_IN_USE = 100  # extensions of a schema read to say which settings they use


@tool("List extension schemas")
def list_extension_schemas(limit: Limit = 25, offset: Offset = 0) -> Envelope:
    """Kinds of extension (Slack, ServiceNow, generic webhook...) and the incident events each gets;
    get_extension_schema for one's guide and settings."""
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


@tool("Get extension schema")
def get_extension_schema(
    extension_schema_id: Annotated[Id, id_or_url("Extension schema, e.g. Slack")],
) -> Envelope:
    """One kind of extension: what it does, the incident events it sends and where, its setup guide,
    and the settings (config keys) this account's extensions of it use."""
    client = get_client()
    # An unknown id is EXTENSION_SCHEMA_NOT_FOUND naming the parameter and its finder (the registry's).
    schema = client.read(path("/extension_schemas/{}", extension_schema_id))["extension_schema"]
    # PagerDuty's schema lists no settings: the account's own extensions of it show which they use
    # (keys only; values may be credentials).
    params = {"extension_schema_id": extension_schema_id}
    used = paginate(client, "/extensions", "extensions", params, limit=_IN_USE)
    detail = ExtensionSchemaDetail.from_schema(schema, [Extension.from_api(e) for e in used.items])
    notes = [f"Settings read from the first {_IN_USE} extensions only."] if used.has_more else None
    return respond("extension_schemas", [detail], f"Extension schema {detail.name}", notes=notes)
