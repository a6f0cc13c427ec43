"""What the reliability tests share: the live tool list, a sandbox that records every request
with the tool that sent it, each tool's allowed endpoints, and any harness session driven from sync
code (``portal``).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

import anyio
import httpx2
from anyio.from_thread import BlockingPortal, start_blocking_portal
from mcp import Client

from pagerduty_mcp.common.pagerduty.context import current_request
from pagerduty_mcp.sandbox import Sandbox, Store

__all__ = [
    "ENDPOINTS",
    "CallOutcome",
    "PortalSession",
    "RecordingSandbox",
    "RotatingCredential",
    "Sent",
    "endpoint_violations",
    "live_tools",
    "portal",
    "resolved_ids",
]


class Sent(NamedTuple):
    """One request as it left the client: the tool that sent it, the method and the raw path."""

    tool: str
    method: str
    raw_path: str


class RecordingSandbox(Sandbox):
    """A sandbox that also records the raw (still percent-encoded) path of every request.

    The sandbox's own log holds the decoded path; only the raw one shows whether an id stayed
    one escaped segment. The tool comes from the call context, so concurrent calls are told apart.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent: list[Sent] = []
        self._sent_lock = threading.Lock()

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        raw = request.url.raw_path.decode("ascii", "replace").split("?", 1)[0]
        with self._sent_lock:
            self.sent.append(Sent(current_request().name, request.method, raw))
        return super().handle(request)

    def take_sent(self) -> list[Sent]:
        with self._sent_lock:
            taken, self.sent = self.sent, []
        return taken


def live_tools(key: str = "mcp", *, write: bool = True) -> list[dict[str, Any]]:
    """The tools a client sees in ``tools/list`` right now (the catalogue builds them once per process)."""
    from pagerduty_mcp.catalog import server_tools

    return anyio.run(lambda: server_tools(key, write=write))


# Every endpoint each tool may call, from the tool catalogue (design/TOOLS.md), plus the reads a
# tool makes to save the model a round trip. ``{x}`` is one path segment; ``{a,b}`` lists literals.
# A failing endpoint test naming a call that is intended means: add it here.
ENDPOINTS: dict[str, tuple[str, ...]] = {
    # incidents
    "list_incidents": ("GET /incidents",),
    "get_incident": ("GET /incidents/{id}", "GET /incidents/{id}/alerts", "GET /incidents/{id}/notes"),
    "list_incident_notes": ("GET /incidents/{id}/notes",),
    "list_alerts_from_incident": ("GET /incidents/{id}/alerts",),
    "get_alert_from_incident": ("GET /incidents/{id}/alerts/{alert_id}",),
    "list_log_entries": ("GET /incidents/{id}/log_entries", "GET /log_entries"),
    "get_log_entry": ("GET /log_entries/{id}",),
    "get_outlier_incident": ("GET /incidents/{id}/outlier_incident",),
    "get_past_incidents": ("GET /incidents/{id}/past_incidents",),
    "get_related_incidents": ("GET /incidents/{id}/related_incidents",),
    "list_incident_change_events": ("GET /incidents/{id}/related_change_events",),
    "list_priorities": ("GET /priorities",),
    "list_incident_workflows": ("GET /incident_workflows",),
    "get_incident_workflow": ("GET /incident_workflows/{id}",),
    "get_incident_metrics": ("POST /analytics/metrics/incidents/{all,services,teams}",),
    "create_incident": ("POST /incidents", "GET /incidents/types"),
    "manage_incidents": ("PUT /incidents", "GET /incidents/{id}", "POST /incidents/{id}/notes"),
    "add_responders": ("POST /incidents/{id}/responder_requests",),
    "cancel_responder_request": ("PUT /incidents/{id}/responder_requests/cancel",),
    "get_incident_business_impact": ("GET /incidents/{id}/business_services/impacts",),
    "update_incident_business_impact": (
        "PUT /incidents/{id}/business_services/{business_service_id}/impacts",
        "GET /incidents/{id}/business_services/impacts",
    ),
    "list_incident_subscribers": ("GET /incidents/{id}/status_updates/subscribers",),
    "manage_incident_subscribers": (
        "POST /incidents/{id}/status_updates/{subscribers,unsubscribe}",
        "GET /incidents/{id}/status_updates/subscribers",
    ),
    "add_note_to_incident": ("POST /incidents/{id}/notes",),
    "merge_incidents": ("PUT /incidents/{id}/merge",),
    "snooze_incident": ("POST /incidents/{id}/snooze",),
    "create_status_update": ("POST /incidents/{id}/status_updates",),
    "manage_alerts": ("PUT /incidents/{id}/alerts", "GET /incidents/{id}/alerts"),
    "start_incident_workflow": ("POST /incident_workflows/{id}/instances",),
    "list_status_pages": ("GET /status_pages",),
    "get_status_page": ("GET /status_pages", "GET /status_pages/{id}/{services,severities,statuses,impacts}"),
    "list_status_page_posts": (
        "GET /status_pages/{id}/{services,severities,statuses,impacts,posts}",
        "GET /status_pages/{id}/posts/{post_id}/post_updates",
    ),
    "get_status_page_post": (
        "GET /status_pages/{id}/{services,severities,statuses,impacts}",
        "GET /status_pages/{id}/posts/{post_id}",
        "GET /status_pages/{id}/posts/{post_id}/{post_updates,postmortem}",
    ),
    "create_status_page_post": (
        "GET /status_pages/{id}/{services,severities,statuses,impacts}",
        "POST /status_pages/{id}/posts",
    ),
    "create_status_page_post_update": (
        "GET /status_pages/{id}/{services,severities,statuses,impacts}",
        "GET /status_pages/{id}/posts/{post_id}",
        "GET+POST /status_pages/{id}/posts/{post_id}/post_updates",
    ),
    "update_status_page_postmortem": (
        "PUT /status_pages/{id}/posts/{post_id}/postmortem",
        "GET /status_pages/{id}/services",
    ),
    "update_incident_custom_fields": (
        "GET /incidents/{id}",
        "GET /incidents/types/{type}/custom_fields",
        "PUT /incidents/{id}/custom_fields/values",
    ),
    # services
    "list_services": ("GET /services",),
    "get_service": ("GET /services/{id}", "GET /incidents"),
    "get_service_dependencies": ("GET /service_dependencies/{technical_services,business_services}/{id}",),
    "list_business_services": ("GET /business_services",),
    "get_business_service": ("GET /business_services/{id}",),
    "list_business_service_impacts": (
        "GET /business_services/{impacts,impactors}",
        "GET /incidents",
        "GET /incidents/{id}",
        "GET /priorities",
    ),
    "list_maintenance_windows": ("GET /maintenance_windows",),
    "create_service": ("POST /services",),
    "update_service": ("PUT /services/{id}",),
    "delete_service": ("DELETE /services/{id}",),
    "create_service_integration": ("POST /services/{id}/integrations", "GET /vendors"),
    "create_maintenance_window": ("POST /maintenance_windows",),
    "delete_maintenance_window": ("DELETE /maintenance_windows/{id}",),
    "list_webhook_subscriptions": ("GET /webhook_subscriptions",),
    "get_webhook_subscription": ("GET /webhook_subscriptions/{id}",),
    "create_webhook_subscription": ("POST /webhook_subscriptions",),
    "update_webhook_subscription": ("PUT /webhook_subscriptions/{id}", "POST /webhook_subscriptions/{id}/enable"),
    "delete_webhook_subscription": ("DELETE /webhook_subscriptions/{id}",),
    "test_webhook_subscription": ("POST /webhook_subscriptions/{id}/ping", "GET /webhook_subscriptions/{id}"),
    "list_extension_schemas": ("GET /extension_schemas",),
    "get_extension_schema": ("GET /extension_schemas/{id}", "GET /extensions"),
    "list_extensions": ("GET /extensions", "GET /extension_schemas/{id}"),
    # people
    "get_user_data": ("GET /users/me",),
    "list_users": ("GET /users",),
    "get_user": (
        "GET /users/{id}",
        "GET /users/{id}/contact_methods",
        "GET /users/{id}/notification_rules",
        "GET /users/{id}/oncall_handoff_notification_rules",
    ),
    "list_teams": ("GET /teams",),
    "get_team": ("GET /teams/{id}", "GET /teams/{id}/members"),
    "list_team_members": ("GET /teams/{id}/members",),
    "list_schedules": ("GET /schedules", "GET /v3/schedules", "GET /v3/schedules/{id}"),
    "get_schedule": ("GET /schedules/{id}", "GET /v3/schedules/{id}", "GET /v3/schedules/{id}/custom_shifts"),
    "list_schedule_users": ("GET /schedules/{id}/users", "GET /schedules/{id}", "GET /v3/schedules/{id}"),
    "list_schedule_overrides": ("GET /schedules/{id}/overrides", "GET /v3/schedules/{id}/overrides"),
    "list_oncalls": ("GET /oncalls",),
    "list_escalation_policies": ("GET /escalation_policies",),
    "get_escalation_policy": ("GET /escalation_policies/{id}",),
    "get_oncall_load": (
        "GET /oncalls",
        "GET /schedules",
        "GET /schedules/{id}",
        "GET /v3/schedules",
        "GET /v3/schedules/{id}",
        "GET /teams/{id}/members",
        "GET /users",
    ),
    "find_coverage_gaps": ("GET /schedules/{id}", "GET /v3/schedules/{id}", "GET /escalation_policies/{id}"),
    "create_team": ("POST /teams",),
    "update_team": ("PUT /teams/{id}",),
    "delete_team": ("DELETE /teams/{id}",),
    "add_team_member": ("PUT /teams/{id}/users/{user_id}",),
    "remove_team_member": ("DELETE /teams/{id}/users/{user_id}",),
    "create_schedule_override": ("POST /schedules/{id}/overrides", "POST /v3/schedules/{id}/overrides"),
    "delete_schedule_override": (
        "DELETE /schedules/{id}/overrides/{override_id}",
        "DELETE /v3/schedules/{id}/overrides/{override_id}",
    ),
    "create_schedule": ("POST /schedules", "POST /v3/schedules"),
    "update_schedule": ("PUT /schedules/{id}", "PUT /v3/schedules/{id}"),
    "delete_schedule": ("DELETE /schedules/{id}", "DELETE /v3/schedules/{id}"),
    "create_schedule_rotation": (
        "POST /v3/schedules/{id}/rotations",
        "POST /v3/schedules/{id}/rotations/{rotation_id}/events",
        "DELETE /v3/schedules/{id}/rotations/{rotation_id}",
    ),
    "delete_schedule_rotation": ("DELETE /v3/schedules/{id}/rotations/{rotation_id}",),
    "create_schedule_custom_shifts": ("POST /v3/schedules/{id}/custom_shifts",),
    "delete_schedule_custom_shift": ("DELETE /v3/schedules/{id}/custom_shifts/{custom_shift_id}",),
    "create_escalation_policy": ("POST /escalation_policies",),
    "update_escalation_policy": ("PUT /escalation_policies/{id}",),
    "manage_schedule_shifts": (
        "POST /v3/schedules/{id}/rotations/{rotation_id}/events",
        "PUT+DELETE /v3/schedules/{id}/rotations/{rotation_id}/events/{event_id}",
        "PUT+DELETE /v3/schedules/{id}/custom_shifts/{custom_shift_id}",
        "PUT+DELETE /v3/schedules/{id}/overrides/{override_id}",
    ),
    "manage_user_notifications": (
        "POST /users/{id}/contact_methods",
        "PUT+DELETE /users/{id}/contact_methods/{contact_method_id}",
        "POST /users/{id}/notification_rules",
        "PUT+DELETE /users/{id}/notification_rules/{notification_rule_id}",
        "POST+GET /users/{id}/oncall_handoff_notification_rules",
        "PUT+DELETE /users/{id}/oncall_handoff_notification_rules/{rule_id}",
    ),
    "get_responder_metrics": ("POST /analytics/metrics/responders/{all,teams}",),
    "get_oncall_compensation": (
        "GET /oncalls",
        "GET /schedules",
        "GET /schedules/{id}",
        "GET /teams/{id}/members",
        "GET /users",
    ),
    "create_user": ("POST /users",),
    "update_user": ("PUT /users/{id}",),
    "delete_user": ("DELETE /users/{id}",),
    "delete_escalation_policy": ("DELETE /escalation_policies/{id}",),
    # aiops
    "list_alert_grouping_settings": ("GET /alert_grouping_settings",),
    "get_alert_grouping_setting": ("GET /alert_grouping_settings/{id}",),
    "list_event_orchestrations": ("GET /event_orchestrations",),
    "get_event_orchestration": ("GET /event_orchestrations/{id}",),
    "get_event_orchestration_router": ("GET /event_orchestrations/{id}/router",),
    "get_event_orchestration_global": ("GET /event_orchestrations/{id}/global",),
    "get_event_orchestration_service": ("GET /event_orchestrations/services/{service_id}",),
    "get_event_orchestration_unrouted": ("GET /event_orchestrations/{id}/unrouted",),
    "list_change_events": ("GET /change_events", "GET /services/{id}/change_events"),
    "get_change_event": ("GET /change_events/{id}",),
    "create_alert_grouping_setting": ("POST /alert_grouping_settings",),
    "update_alert_grouping_setting": ("PUT /alert_grouping_settings/{id}",),
    "delete_alert_grouping_setting": ("DELETE /alert_grouping_settings/{id}",),
    "update_event_orchestration_router": ("PUT /event_orchestrations/{id}/router",),
    "append_event_orchestration_router_rule": ("PUT /event_orchestrations/{id}/router",),
    "update_event_orchestration_service": ("PUT /event_orchestrations/services/{service_id}",),
    "update_event_orchestration_global": ("PUT /event_orchestrations/{id}/global",),
    "send_event": ("POST /v2/enqueue",),
    "send_change_event": ("POST /v2/change/enqueue",),
    "create_event_orchestration": ("POST /event_orchestrations",),
    "update_event_orchestration_unrouted": ("PUT /event_orchestrations/{id}/unrouted",),
    "list_automation_actions": ("GET /automation_actions/actions",),
    "get_automation_action": ("GET /automation_actions/actions/{id}", "GET /automation_actions/invocations"),
    "invoke_automation_action": ("POST /automation_actions/actions/{id}/invocations",),
}

# Reads any tool may make: who the token belongs to (scope, the From header of writes).
SHARED_ENDPOINTS = ("GET /users/me",)


@dataclass(frozen=True)
class _Endpoint:
    method: str
    pattern: re.Pattern[str]


def _compile(entry: str) -> list[_Endpoint]:
    methods, template = entry.split(" ", 1)
    parts = []
    for segment in template.strip("/").split("/"):
        if segment.startswith("{") and "," in segment:
            parts.append("(?:" + "|".join(re.escape(s) for s in segment[1:-1].split(",")) + ")")
        elif segment.startswith("{"):
            # One escaped segment, never "." or ".." (they would move the request elsewhere), nor
            # their percent-encoded forms, which a normalising proxy may decode and apply.
            parts.append(r"(?!(?:\.|%2[eE]){1,2}(?:/|$))[^/?#]+")
        else:
            parts.append(re.escape(segment))
    pattern = re.compile("/" + "/".join(parts))
    return [_Endpoint(method, pattern) for method in methods.split("+")]


def _allowed(tool: str) -> list[_Endpoint]:
    entries = (*ENDPOINTS.get(tool, ()), *SHARED_ENDPOINTS)
    endpoints = [e for entry in entries for e in _compile(entry)]
    # A partial update or a delete may read the object first: GET on anything it may PUT or DELETE.
    reads = [_Endpoint("GET", e.pattern) for e in endpoints if e.method in ("PUT", "DELETE")]
    return endpoints + reads


def _catalogue_reads() -> list[_Endpoint]:
    return [e for tool in ENDPOINTS for e in _allowed(tool) if e.method == "GET"]


def endpoint_violations(sent: list[Sent]) -> list[str]:
    """Requests that left for a path outside their tool's endpoints (or from no tool at all).

    A write must use one of its own tool's endpoints. A read may also be any read of the
    catalogue (tools look things up to save the model a round trip), but its path keeps the
    catalogue's shape: every id is one escaped segment, never "." or "..".
    """
    problems = []
    cache: dict[str, list[_Endpoint]] = {}
    reads = _catalogue_reads()
    for item in sent:
        if item.tool not in ENDPOINTS:
            problems.append(f"{item.method} {item.raw_path} from {item.tool or 'no tool'}, which has no endpoint list")
            continue
        allowed = cache.setdefault(item.tool, _allowed(item.tool))
        if item.method == "GET":
            allowed = allowed + reads
        if not any(e.method == item.method and e.pattern.fullmatch(item.raw_path) for e in allowed):
            problems.append(f"{item.tool}: {item.method} {item.raw_path} is outside its endpoints")
    return problems


class CallOutcome(NamedTuple):
    is_error: bool
    envelope: dict[str, Any]
    seconds: float
    text: str


class PortalSession:
    """One MCP client session on its own event loop, callable from synchronous code.

    Hypothesis drives synchronous test functions; the portal keeps a single session (and so a
    single server and sandbox) open across all the examples of a test.
    """

    def __init__(self, portal: BlockingPortal, client: Client, sandbox: RecordingSandbox | None) -> None:
        self.portal = portal
        self.client = client
        self.sandbox = sandbox

    def call(self, tool: str, arguments: dict[str, Any], timeout: float = 30.0) -> CallOutcome:
        """Call a tool; the answer must be one text item holding our JSON envelope, in time."""

        async def run() -> CallOutcome:
            started = time.monotonic()
            with anyio.fail_after(timeout):
                result = await self.client.call_tool(tool, arguments)
            seconds = time.monotonic() - started
            assert len(result.content) == 1, f"{tool}: {result}"
            text = result.content[0].text  # type: ignore[union-attr]
            try:
                envelope = json.loads(text)
            except ValueError as exc:
                raise AssertionError(f"{tool} answered non-JSON text: {text[:300]}") from exc
            assert isinstance(envelope, dict) and "metadata" in envelope, f"{tool}: {text[:300]}"
            assert result.structured_content == envelope, f"{tool}: structuredContent differs from the text"
            return CallOutcome(bool(result.is_error), envelope, seconds, text)

        return self.portal.call(run)

    def alive(self) -> bool:
        """The server still answers a plain read (``ping`` is gone in the 2026 protocol era)."""
        tools = {t["name"]: t for t in live_tools("mcp")}
        name = next(n for n in ("list_priorities", "list_incidents", "list_services", "get_user_data") if n in tools)
        outcome = self.call(name, {}, timeout=10)
        return not outcome.is_error and outcome.envelope["metadata"]["count"] >= 0


@contextmanager
def portal(
    opening: AbstractAsyncContextManager[Client], sandbox: RecordingSandbox | None = None
) -> Iterator[PortalSession]:
    """Any client session of the harness (in-memory, stdio, HTTP) driven from sync code; ``sandbox``:
    the recording account behind an in-memory one, to check the requests each call sent."""
    with start_blocking_portal() as blocking, blocking.wrap_async_context_manager(opening) as client:
        yield PortalSession(blocking, client, sandbox)


class RotatingCredential(httpx2.Auth):
    """Each HTTP request carries the next of ``secrets`` as its caller's PagerDuty credential.

    Bytes go out as they are, so a Latin-1 credential arrives non-ASCII, as from a careless client.
    """

    def __init__(self, secrets: list[bytes]) -> None:
        self._next = itertools.cycle(secrets)
        self._lock = threading.Lock()

    def auth_flow(self, request: httpx2.Request) -> Iterator[httpx2.Request]:
        with self._lock:
            request.headers.update({"X-PagerDuty-Token": next(self._next)})
        yield request


def resolved_ids(state: Store) -> dict[str, str]:
    """One id per id parameter: an incident with alerts, notes and log entries, and its kin."""
    notes_by_incident = {n.get("_incident_id") for n in state.tables["notes"].values()}
    alerts = list(state.tables["alerts"].values())
    alert = next(a for a in alerts if a["incident"]["id"] in notes_by_incident)
    incident_id = alert["incident"]["id"]
    entry = next(
        (e for e in state.tables["log_entries"].values() if (e.get("incident") or {}).get("id") == incident_id),
        next(iter(state.tables["log_entries"].values())),
    )

    def first(kind: str) -> str:
        return next(iter(state.tables[kind]))

    return {
        "incident_id": incident_id,
        "alert_id": alert["id"],
        "log_entry_id": entry["id"],
        "change_event_id": first("change_events"),
        "service_id": alert["service"]["id"],
        "business_service_id": first("business_services"),
        "workflow_id": first("incident_workflows"),
        "user_id": state.current_user_id,
        "team_id": first("teams"),
        "schedule_id": first("schedules"),
        "escalation_policy_id": first("escalation_policies"),
        "setting_id": first("alert_grouping_settings"),
        "orchestration_id": first("event_orchestrations"),
    }
