"""Alert grouping settings: how alerts are grouped into incidents on services (noise reduction)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from pagerduty_mcp.common import (
    Envelope,
    Id,
    IdList,
    Limit,
    asks_to_delete,
    get_client,
    id_or_url,
    paginate_cursor,
    path,
    respond,
    tool,
)
from pagerduty_mcp.servers.aiops.models import AlertGroupingSetting
from pagerduty_mcp.servers.aiops.validators import check_grouping_services, grouping_config

__all__ = [
    "create_alert_grouping_setting",
    "delete_alert_grouping_setting",
    "get_alert_grouping_setting",
    "list_alert_grouping_settings",
    "update_alert_grouping_setting",
]

GroupingType = Literal["content_based", "content_based_intelligent", "intelligent", "time"]
SettingId = Annotated[Id, id_or_url("Alert grouping setting id")]


def _setting_answer(body: dict[str, Any], verb: str) -> dict[str, Any]:
    setting = AlertGroupingSetting.from_api(body["alert_grouping_setting"])
    return respond("alert_grouping_settings", [setting], f"{verb} alert grouping setting {setting.name or setting.id}")


@tool("List alert grouping settings")
def list_alert_grouping_settings(
    service_ids: Annotated[IdList | None, Field(description="Only settings for these services.")] = None,
    limit: Limit = 25,
    cursor: Annotated[str | None, Field(description="next_cursor of the previous page.")] = None,
) -> Envelope:
    """How alerts are grouped into incidents (noise reduction), per service: type, window, fields."""
    params: dict[str, Any] = {}
    if service_ids:
        params["service_ids[]"] = service_ids
    page = paginate_cursor(
        get_client(),
        "/alert_grouping_settings",
        "alert_grouping_settings",
        params,
        limit=limit,
        cursor=cursor,
        cursor_param="after",
        next_field="after",
    )
    settings = [AlertGroupingSetting.from_api(s) for s in page.items]
    return respond("alert_grouping_settings", settings, f"{len(settings)} alert grouping setting(s)", page=page)


@tool("Get alert grouping setting")
def get_alert_grouping_setting(setting_id: SettingId) -> Envelope:
    """One alert grouping setting in full."""
    return _setting_answer(get_client().read(path("/alert_grouping_settings/{}", setting_id)), "The")


GroupingFields = Annotated[
    list[str] | None, Field(description="Content fields to match, e.g. summary, component, custom_details.host.")
]
TimeWindow = Annotated[
    int | None, Field(ge=0, le=86400, description="Seconds: grouping window (type time: timeout; 0 = default).")
]
Aggregate = Annotated[Literal["all", "any"] | None, Field(description="Content match: all fields or any.")]
AggregateChoice = Literal["all", "any"]
Name = Annotated[str | None, Field(max_length=255, description="Name.")]
Description = Annotated[str | None, Field(max_length=1024, description="Description.")]


@tool("Create alert grouping setting", "create")
def create_alert_grouping_setting(
    type: Annotated[GroupingType, Field(description="Grouping type.")],
    service_ids: Annotated[IdList, Field(min_length=1, description="Services it applies to.")],
    time_window: TimeWindow = None,
    fields: GroupingFields = None,
    aggregate: Annotated[AggregateChoice, Field(description="Content types: all fields must match, or any.")] = "all",
    name: Name = None,
    description: Description = None,
) -> Envelope:
    """Group related alerts into one incident on these services (reduces noise)."""
    check_grouping_services(type, service_ids)
    setting = {
        "type": type,
        "config": grouping_config(type, time_window, fields, aggregate, {}),
        "services": [{"id": i, "type": "service_reference"} for i in service_ids],
        **({"name": name} if name else {}),
        **({"description": description} if description else {}),
    }
    body = get_client().write("POST", "/alert_grouping_settings", {"alert_grouping_setting": setting})
    return _setting_answer(body, "Created")


@tool("Update alert grouping setting", "update")
def update_alert_grouping_setting(
    setting_id: SettingId,
    type: Annotated[GroupingType | None, Field(description="New grouping type.")] = None,
    service_ids: Annotated[IdList | None, Field(description="Replaces the services.")] = None,
    time_window: TimeWindow = None,
    fields: GroupingFields = None,
    aggregate: Aggregate = None,
    name: Name = None,
    description: Description = None,
) -> Envelope:
    """Change some fields of an alert grouping setting; others stay as they are."""
    client = get_client()
    current = client.read(path("/alert_grouping_settings/{}", setting_id))["alert_grouping_setting"]
    new_type = type or current["type"]
    base = current.get("config") or {} if new_type == current["type"] else {}
    ids = service_ids or [s["id"] for s in current.get("services") or []]
    check_grouping_services(new_type, ids)
    setting = {
        "name": name if name is not None else current.get("name"),
        "description": description if description is not None else current.get("description"),
        "type": new_type,
        "config": grouping_config(new_type, time_window, fields, aggregate, base),
        "services": [{"id": i, "type": "service_reference"} for i in ids],
    }
    setting = {k: v for k, v in setting.items() if v is not None}
    body = client.write("PUT", path("/alert_grouping_settings/{}", setting_id), {"alert_grouping_setting": setting})
    return _setting_answer(body, "Updated")


@tool(
    "Delete alert grouping setting",
    "delete",
    confirm=asks_to_delete(
        "alert grouping setting",
        "/alert_grouping_settings/{}",
        "alert_grouping_setting",
        "setting_id",
        then=": its services stop grouping alerts",
    ),
)
def delete_alert_grouping_setting(setting_id: SettingId) -> Envelope:
    """Delete an alert grouping setting: its services stop grouping alerts."""
    get_client().write("DELETE", path("/alert_grouping_settings/{}", setting_id))
    return respond(
        "alert_grouping_settings", [{"id": setting_id, "deleted": True}], f"Deleted alert grouping setting {setting_id}"
    )
