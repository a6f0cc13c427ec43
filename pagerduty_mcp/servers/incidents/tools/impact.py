"""Business-service impact: which business services (what customers see) an incident impacts, and
marking that by hand where PagerDuty's own rule is wrong. The account-wide view, every business
service and what impacts it, is on pagerduty-services with the business services themselves."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from pagerduty_mcp.common import (
    Envelope,
    Fact,
    IdList,
    PagerDutyClient,
    Question,
    ToolFailure,
    check_references_exist,
    clean_text,
    get_client,
    path,
    respond,
    tool,
)
from pagerduty_mcp.servers.incidents.asks import SHOWN, incident_facts
from pagerduty_mcp.servers.incidents.params import IncidentId, incident_id_of

__all__ = ["get_incident_business_impact", "update_incident_business_impact"]

MAX_BUSINESS_SERVICES = 20  # marked in one call


def _impacts(client: PagerDutyClient, ident: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The business services the incident impacts now. The endpoint declares no paging parameters,
    so one answer is all there is to read; a note says when PagerDuty had more."""
    body = client.read(path("/incidents/{}/business_services/impacts", ident))
    rows = [
        {"id": s.get("id"), "name": clean_text(str(s.get("name") or ""), 200) or None, "status": s.get("status")}
        for s in body.get("services") or []
    ]
    notes = ["PagerDuty has more than it listed."] if body.get("next_cursor") else []
    return rows, notes


@tool("Get business impact")
def get_incident_business_impact(incident_id: IncidentId) -> Envelope:
    """Business services (customer-facing) an incident impacts now."""
    client = get_client()
    ident = incident_id_of(client, incident_id)
    rows, notes = _impacts(client, ident)
    impacted = sum(1 for r in rows if r["status"] == "impacted")
    return respond(
        "business_services", rows, f"Incident {ident} impacts {impacted} business service(s)", notes=notes or None
    )


def _asks_before_impacting(arguments: dict[str, Any]) -> Question | None:
    """When marking impacted: stakeholders see it (status dashboard, the business services' subscribers)."""
    if not arguments["impacted"]:
        return None
    client = get_client()
    facts = incident_facts(client, [arguments["incident_id"]])
    wanted = list(dict.fromkeys(arguments["business_service_ids"]))
    names = [
        str(client.read(path("/business_services/{}", b))["business_service"].get("name") or b) for b in wanted[:SHOWN]
    ]
    facts.append(Fact("Business services", tuple(names), len(wanted) - len(names)))
    return Question("Mark business services impacted by an incident: stakeholders see it.", tuple(facts))


@tool("Update business impact", "update", confirm=_asks_before_impacting)
def update_incident_business_impact(
    incident_id: IncidentId,
    business_service_ids: Annotated[
        IdList, Field(min_length=1, max_length=MAX_BUSINESS_SERVICES, description="Business services.")
    ],
    impacted: Annotated[bool, Field(description="false: not impacted.")],
) -> Envelope:
    """Mark business services impacted by an incident, or not (overrides PagerDuty's rule)."""
    client = get_client()
    # Read first: an unknown incident is INCIDENT_NOT_FOUND, which the PUT's 404 would not say.
    ident = str(client.read(path("/incidents/{}", incident_id))["incident"]["id"])
    wanted = list(dict.fromkeys(business_service_ids))
    check_references_exist({"business_service_ids": wanted}, ["business_service_ids"])  # all known before any is set
    relation = "impacted" if impacted else "not_impacted"
    done: list[str] = []
    for business in wanted:
        url = path("/incidents/{}/business_services/{}/impacts", ident, business)
        try:
            client.write("PUT", url, {"relation": relation})
        except ToolFailure as failure:
            if not done:
                raise
            raise ToolFailure(
                "PARTIAL_FAILURE",
                f"{len(done)} of {len(wanted)} business service(s) set {relation}, then: {failure.message} "
                "Resend only the others.",
                {"succeeded": done, "failed": [b for b in wanted if b not in done]},
            ) from None
        done.append(business)
    rows, notes = _impacts(client, ident)
    return respond(
        "business_services",
        rows,
        f"Set {len(done)} business service(s) {relation} by incident {ident}; it impacts {len(rows)} now",
        notes=notes or None,
    )
