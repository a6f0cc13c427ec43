"""pagerduty-incidents over stdio with write tools: every tool, each write followed by the read that shows it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from pagerduty_mcp.servers.incidents.tools import READ_TOOLS, WRITE_TOOLS
from tests.harness import fails, first, ok, stdio_session

pytestmark = [pytest.mark.e2e, pytest.mark.incidents, pytest.mark.anyio, pytest.mark.subprocess]


async def test_every_incidents_tool_over_stdio() -> None:
    used: set[str] = set()

    async def run(tool: str, args: dict) -> dict:
        used.add(tool)
        return await ok(client, tool, args)

    async with stdio_session("incidents", write=True) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert names == {fn.__name__ for fn in (*READ_TOOLS, *WRITE_TOOLS)}

        # Reference data, and an open incident to work on.
        p1 = first(await run("list_priorities", {}))
        assert p1["name"] == "P1"
        open_now = await run("list_incidents", {"statuses": ["triggered", "acknowledged"], "limit": 10})
        base = first(await run("get_incident", {"incident_id": open_now["incidents"][0]["id"]}))
        service = base["service"]  # by its name, which every tool takes
        helper = base["assignees"][0]["id"]

        # Names where ids go, on this server alone: a team, a service and a priority by name.
        everything = ["triggered", "acknowledged", "resolved"]
        platform = await run("list_incidents", {"team_ids": ["Platform"], "statuses": everything, "limit": 5})
        assert platform["incidents"] and platform["metadata"]["has_more"]
        error = await fails(client, "list_incidents", {"team_ids": ["Platfrom"]}, "TEAM_NOT_FOUND")
        assert "Closest: Platform (" in error["message"]  # offered, never picked
        named = first(
            await run("create_incident", {"title": "Cart 502s", "service_id": "Checkout API", "priority_id": "P2"})
        )
        assert named["service"] == "Checkout API" and named["priority"] == "P2"

        # create_incident -> get_incident / list_incidents; the same key does not page twice.
        args = {"title": "Payments timeouts", "service_id": service, "priority_id": p1["id"], "incident_key": "e2e-1"}
        created = first(await run("create_incident", args))
        shown = first(await run("get_incident", {"incident_id": str(created["number"])}))
        assert shown["id"] == created["id"] and shown["priority"] == "P1"
        error = await fails(client, "create_incident", args, "CONFLICT")
        assert created["id"] in error["message"]
        listed = await run("list_incidents", {"service_ids": [service]})
        assert created["id"] in {i["id"] for i in listed["incidents"]}

        # manage_incidents (by number and id in one request) -> get_incident.
        ids = [str(created["number"]), base["id"]]
        await run("manage_incidents", {"incident_ids": ids, "status": "acknowledged"})
        assert first(await run("get_incident", {"incident_id": created["id"]}))["status"] == "acknowledged"

        # add_note_to_incident -> list_incident_notes.
        await run("add_note_to_incident", {"incident_id": created["id"], "note": "Looking at the PSP"})
        notes = await run("list_incident_notes", {"incident_id": created["id"]})
        assert notes["notes"][-1]["content"] == "Looking at the PSP"

        # add_responders -> get_incident.
        await run("add_responders", {"incident_id": created["id"], "user_ids": [helper]})  # no message needed
        responders = first(await run("get_incident", {"incident_id": created["id"]}))["responders"]
        assert helper in {r["id"] for r in responders}

        # cancel_responder_request -> get_incident: the helper asked above is no longer paged.
        cancelled = await run("cancel_responder_request", {"incident_id": created["id"], "user_ids": [helper]})
        assert first(cancelled)["result"].startswith("cancelled")
        responders = first(await run("get_incident", {"incident_id": created["id"]}))["responders"]
        assert {r["state"] for r in responders if r["id"] == helper} == {"user_cancelled"}

        # Stakeholders by name: manage_incident_subscribers -> list_incident_subscribers; then tell them.
        await run(
            "manage_incident_subscribers",
            {
                "incident_id": created["id"],
                "action": "subscribe",
                "user_ids": ["Chloe Martin"],
                "team_ids": ["Payments"],
            },
        )
        subscribers = await run("list_incident_subscribers", {"incident_id": created["id"]})
        assert {s["name"] for s in subscribers["subscribers"]} == {"Chloe Martin", "Payments"}

        # update_incident_business_impact (by name) -> get_incident_business_impact.
        impact = {"incident_id": created["id"], "business_service_ids": ["Payments Platform"], "impacted": True}
        await run("update_incident_business_impact", impact)
        impacted = await run("get_incident_business_impact", {"incident_id": created["id"]})
        assert "Payments Platform" in {b["name"] for b in impacted["business_services"]}

        # create_status_update -> list_log_entries -> get_log_entry.
        await run("create_status_update", {"incident_id": created["id"], "message": "Mitigating"})
        timeline = await run("list_log_entries", {"incident_id": created["id"]})
        entry = timeline["log_entries"][0]
        assert "Mitigating" in entry["summary"]
        assert first(await run("get_log_entry", {"log_entry_id": entry["id"]}))["incident"]["id"] == created["id"]

        # snooze_incident -> get_incident.
        await run("snooze_incident", {"incident_id": created["id"], "minutes": 15})
        snoozed = first(await run("get_incident", {"incident_id": created["id"]}))
        assert snoozed["pending_actions"][0]["type"] == "unacknowledge"

        # start_incident_workflow -> list_log_entries.
        workflow = first(await run("list_incident_workflows", {"query": "stakeholders"}))
        assert first(await run("get_incident_workflow", {"workflow_id": workflow["id"]}))["name"] == workflow["name"]
        await run("start_incident_workflow", {"workflow_id": workflow["id"], "incident_id": created["id"]})
        timeline = await run("list_log_entries", {"incident_id": created["id"], "limit": 1})
        assert workflow["name"] in timeline["log_entries"][0]["summary"]

        # merge_incidents -> get_incident of the merged one.
        duplicate = first(await run("create_incident", {**args, "incident_key": "e2e-2", "title": "Payments slow"}))
        await run("merge_incidents", {"incident_id": created["id"], "source_incident_ids": [duplicate["id"]]})
        merged = first(await run("get_incident", {"incident_id": duplicate["id"]}))
        assert merged["resolved_at"] and merged["merged_into"]["id"] == created["id"]

        # manage_alerts -> get_incident (an incident whose alerts all resolve, resolves).
        alerts = await run("list_alerts_from_incident", {"incident_id": base["id"]})
        alert = first(
            await run("get_alert_from_incident", {"incident_id": base["id"], "alert_id": alerts["alerts"][0]["id"]})
        )
        assert alert["id"] == alerts["alerts"][0]["id"]
        every = [a["id"] for a in alerts["alerts"]]
        await run("manage_alerts", {"incident_id": base["id"], "alert_ids": every, "action": "resolve"})
        assert first(await run("get_incident", {"incident_id": base["id"]}))["resolved_at"]

        # Resolve with a note -> list_incident_notes, list_incidents.
        await run(
            "manage_incidents", {"incident_ids": [created["id"]], "status": "resolved", "resolution_note": "PSP fixed"}
        )
        assert (await run("list_incident_notes", {"incident_id": created["id"]}))["notes"][-1]["content"] == "PSP fixed"
        at = datetime.fromisoformat(created["created_at"].replace("Z", "+00:00"))
        window = {"since": (at - timedelta(minutes=1)).isoformat(), "until": (at + timedelta(minutes=1)).isoformat()}
        resolved = await run("list_incidents", {"statuses": ["resolved"], **window})
        assert created["id"] in {i["id"] for i in resolved["incidents"]}

        # Insights and analytics.
        assert first(await run("get_outlier_incident", {"incident_id": base["id"]}))["category"]
        assert (await run("get_past_incidents", {"incident_id": base["id"]}))["past_incidents"]
        await run("get_related_incidents", {"incident_id": base["id"]})
        await run("list_incident_change_events", {"incident_id": base["id"]})
        metrics = await run("get_incident_metrics", {"group_by": "team"})
        assert all(row["team"]["id"] and row["incidents"] > 0 for row in metrics["metrics"])
        account_log = await run("list_log_entries", {"limit": 5, "time_zone": "Asia/Tokyo"})
        assert account_log["metadata"]["has_more"]
        assert all(e["at"].endswith("+09:00") and e["service"]["name"] for e in account_log["log_entries"])
        error = await fails(client, "get_incident", {"incident_id": "PZZZZZZ"}, "INCIDENT_NOT_FOUND")
        assert error["message"].startswith("incident_id: ") and "list_incidents" in error["message"]

        # Status pages by name: post, update, postmortem -> get_status_page_post.
        pages = await run("list_status_pages", {})
        page = next(p["name"] for p in pages["status_pages"] if p["status_page_type"] == "public")
        vocabulary = first(await run("get_status_page", {"status_page_id": page}))
        assert "investigating" in vocabulary["incident"]["statuses"]
        service_name = vocabulary["services"][0]  # by name, as the writes take them
        post = first(
            await run(
                "create_status_page_post",
                {
                    "status_page_id": page,
                    "title": "Payments degraded",
                    "message": "Some payments fail.",
                    "severity": "major",
                    "impacted_services": {service_name: "partial outage"},
                },
            )
        )
        where = {"status_page_id": page, "post_id": post["id"]}
        await run("create_status_page_post_update", {**where, "message": "Fixed.", "status": "resolved"})
        await run("update_status_page_postmortem", {**where, "message": "A bad deploy."})
        shown = first(await run("get_status_page_post", where))
        assert shown["status"] == "resolved" and shown["postmortem"]["message"] == "A bad deploy."
        assert {u["reviewed_status"] for u in shown["updates"]} == {"approved"}
        drafts = first(await run("get_status_page_post", {**where, "reviewed_status": "not_reviewed"}))
        assert not drafts.get("updates")  # none awaiting review
        listed = await run("list_status_page_posts", {"status_page_id": page, "status": "resolved"})
        assert post["id"] in {p["id"] for p in listed["posts"]}

        # An incident of a type, its custom fields by name -> get_incident.
        typed = {"title": "Login abuse", "service_id": service, "incident_type": "Security Incident"}
        security = first(await run("create_incident", typed))
        fields = {"attack_vector": "phishing", "accounts_affected": 5}
        await run("update_incident_custom_fields", {"incident_id": security["id"], "fields": fields})
        shown = first(await run("get_incident", {"incident_id": security["id"]}))
        assert shown["incident_type"] == "security_incident" and shown["custom_fields"]["accounts_affected"] == 5

    assert used == names
