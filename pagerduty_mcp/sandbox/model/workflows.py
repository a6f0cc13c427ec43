"""Incident workflows: what they are, and starting one on an incident (which shows in its timeline)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pagerduty_mcp.sandbox.model.log_entries import add_log_entry
from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.protocol import bad_request

__all__ = ["INCLUDES", "listed", "shown", "start"]

INCLUDES = ("steps", "team")


def shown(store: Store, workflow: dict[str, Any], includes: list[str]) -> dict[str, Any]:
    """The workflow as the API shows it: the list gives its steps only with ``include[]=steps``."""
    out = public(workflow)
    if "steps" not in includes:
        out.pop("steps", None)
    if "team" in includes and workflow.get("team"):
        team = store.find("teams", workflow["team"]["id"])
        if team is not None:
            out["team"] = public(team)
    return out


def listed(store: Store, query: str) -> list[dict[str, Any]]:
    """Workflows whose name holds ``query`` (any case), by name."""
    found = [w for w in store.all("incident_workflows") if query in w["name"].lower()]
    found.sort(key=lambda w: w["name"])
    return found


def start(
    store: Store, workflow: dict[str, Any], body: dict[str, Any], user_id: str | None, at: datetime
) -> dict[str, Any]:
    """A new instance of ``workflow`` on the incident the request names; it shows in the timeline."""
    reference = body.get("incident")
    if not isinstance(reference, dict) or not isinstance(reference.get("id"), str):
        raise bad_request(errors=["incident_workflow_instance.incident.id is required"])
    incident = store.find("incidents", reference["id"])
    if incident is None:
        raise bad_request(errors=[f"Incident {reference['id']} not found"])
    if not workflow.get("is_enabled", True):
        raise bad_request(errors=["The incident workflow is disabled"])
    instance = {
        "id": store.new_id(),
        "type": "incident_workflow_instance",
        "incident": store.ref(incident),
    }
    agent = store.ref(store.get("users", user_id)) if user_id else None
    add_log_entry(
        store,
        incident,
        "annotate",
        at,
        agent,
        f"Incident workflow started: {workflow['name']}",
        channel={"type": "workflow"},
    )
    return instance
