"""The account-wide impact view: which business services are impacted now, how badly, and by which
incidents. It sits with the business services; one incident's impact is on pagerduty-incidents."""

from __future__ import annotations

import functools
from typing import Annotated, Any

from pydantic import Field

from pagerduty_mcp.common import (
    Envelope,
    IdList,
    PagerDutyClient,
    ToolFailure,
    at_once,
    check_references_exist,
    clean_text,
    get_client,
    paginate,
    path,
    respond,
    tool,
)

__all__ = ["list_business_service_impacts"]

MAX_EXPLAINED = 10  # impacted business services whose incidents are read for one answer
MAX_INCIDENTS = 20  # incidents named in one answer


def _priority_names(client: PagerDutyClient) -> dict[str, str]:
    # Priorities hardly ever change: read once per credential every few minutes (as list_priorities does).
    page = client.reference("priorities", lambda: paginate(client, "/priorities", "priorities", limit=100))
    return {str(p["id"]): str(p.get("name") or p.get("summary") or p["id"]) for p in page.items}


def _impactors(client: PagerDutyClient, business_id: str) -> list[str]:
    body = client.read("/business_services/impactors", {"ids[]": [business_id]})
    return [str(i["id"]) for i in body.get("impactors") or [] if i.get("type") == "incident" and i.get("id")]


def _shown(incident: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": incident["id"],
        "number": incident.get("incident_number"),
        "title": clean_text(str(incident.get("title") or ""), 200),
        "status": incident.get("status"),
    }


def _incident(client: PagerDutyClient, ident: str) -> dict[str, Any]:
    try:
        return _shown(client.read(path("/incidents/{}", ident))["incident"])
    except ToolFailure as failure:
        if failure.code.endswith("_NOT_FOUND"):
            return {"id": ident}
        raise


def _incidents(client: PagerDutyClient, idents: list[str]) -> dict[str, dict[str, Any]]:
    """The incidents named, by id: impactors are open incidents, so one page of the open ones names
    most of them; any it misses is read on its own."""
    found: dict[str, dict[str, Any]] = {}
    if len(idents) > 1:
        params = {"statuses[]": ["triggered", "acknowledged"], "date_range": "all", "limit": 100}
        for incident in client.read("/incidents", params).get("incidents") or []:
            if incident.get("id") in idents:
                found[str(incident["id"])] = _shown(incident)
    missing = [i for i in idents if i not in found]
    found.update(zip(missing, at_once(*(functools.partial(_incident, client, i) for i in missing)), strict=True))
    return found


def _priority_of(service: dict[str, Any]) -> str | None:
    found = ((service.get("additional_fields") or {}).get("highest_impacting_priority") or {}).get("id")
    return str(found) if found else None


@tool("List business service impacts")
def list_business_service_impacts(
    business_service_ids: Annotated[IdList | None, Field(description="Only these (default: the top level).")] = None,
) -> Envelope:
    """Which business services open incidents impact now, impacted first, each with its highest
    priority and the incidents impacting it."""
    client = get_client()
    wanted = list(dict.fromkeys(business_service_ids or []))
    params: dict[str, Any] = {"additional_fields[]": ["services.highest_impacting_priority", "total_impacted_count"]}
    if wanted:
        params["ids[]"] = wanted
    body = client.read("/business_services/impacts", params)
    services = body.get("services") or []
    missing = [b for b in wanted if b not in {s.get("id") for s in services}]
    if missing:  # PagerDuty leaves an unknown id out rather than refuse it
        check_references_exist({"business_service_ids": missing}, ["business_service_ids"])
    impacted = [s for s in services if s.get("status") == "impacted"]
    explained = impacted[:MAX_EXPLAINED]
    found = at_once(*(functools.partial(_impactors, client, str(s["id"])) for s in explained))
    by_service = dict(zip((str(s["id"]) for s in explained), found, strict=True))
    named = list(dict.fromkeys(i for ids in found for i in ids))[:MAX_INCIDENTS]
    incidents = _incidents(client, named)
    priorities = _priority_names(client) if any(_priority_of(s) for s in services) else {}
    rows = []
    for service in services:
        row: dict[str, Any] = {
            "id": service.get("id"),
            "name": clean_text(str(service.get("name") or ""), 200) or None,
            "status": service.get("status"),
        }
        priority = _priority_of(service)
        if priority:
            row["highest_priority"] = priorities.get(str(priority), priority)
        ids = by_service.get(str(service.get("id")), [])
        if ids:
            row["impacted_by"] = [incidents.get(i, {"id": i}) for i in ids]
        rows.append(row)
    total = (body.get("additional_fields") or {}).get("total_impacted_count", len(impacted))
    notes = []
    if len(impacted) > MAX_EXPLAINED:
        notes.append(f"Incidents are named for the first {MAX_EXPLAINED} impacted business services only.")
    if body.get("more"):
        notes.append("PagerDuty lists at most the 200 most impacted; pass business_service_ids for others.")
    return respond(
        "business_services",
        rows,
        f"{total} business service(s) impacted now",
        notes=notes or None,
        untrusted=True,
    )
