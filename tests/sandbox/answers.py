"""A fixed conversation with the sandbox, and a digest of every answer it gives.

It is the proof that reorganising the sandbox changes no answer: ``test_byte_identical.py`` replays
the conversation for each case (seed, size, the frozen "now") and compares each step's digest with
``answers.json``, recorded on the code before the change. A digest covers the request (method,
path, query), the status, the headers and the body, byte for byte.

The conversation reads every route the tools use, with their filters, includes and paging, then
writes and reads back what changed: the incident lifecycle, the Events API, overrides, shift
schedules, people, services, webhooks, status posts, automation invocations, sign-in and OAuth,
and the errors (400, 401, 403, 404, 405) along the way. Ids come only from earlier answers.

The sandbox's clock is frozen (and moved on by the conversation where time matters), and the
identity service's random tokens are replaced by counted ones: nothing else varies.

Record again only when an answer is meant to change, and say why in the commit::

    uv run python -m tests.sandbox.answers --record
    uv run python -m tests.sandbox.answers --show seed7 incident-writes   # one step, request by request
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import secrets
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2

from pagerduty_mcp.sandbox import (
    SANDBOX_ACCOUNT_TOKEN,
    SANDBOX_API_URL,
    SANDBOX_OAUTH_CLIENT_ID,
    SANDBOX_OAUTH_CLIENT_SECRET,
    SANDBOX_TOKEN,
    Faults,
    Sandbox,
)

__all__ = ["CASES", "FIXTURE", "Case", "converse", "load_fixture"]

FIXTURE = Path(__file__).with_name("answers.json")
MONDAY = datetime(2026, 3, 23, 10, 17, tzinfo=UTC)  # the sandbox tests' own fixed now
AUTUMN = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)  # between Europe's and America's end of summer time
ALEX = "alex.rivera@acme-shop.example"  # the sandbox token's user
CALLBACK = "http://127.0.0.1:8765/callback"


@dataclass(frozen=True)
class Case:
    name: str
    seed: int
    size: int
    now: datetime
    faults: Faults | None = None  # a case with faults runs the error step only


CASES = (
    Case("seed7", 7, 1, MONDAY),
    Case("seed1", 1, 1, MONDAY),
    Case("seed7-size10", 7, 10, MONDAY),  # the bench's account size
    Case("seed1-autumn", 1, 1, AUTUMN),
    Case("seed7-echo", 7, 1, MONDAY, Faults(echo_headers=True)),
)


class Clock:
    """The sandbox's "now", frozen until the conversation moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]
    location: str = ""


@dataclass
class Conversation:
    box: Sandbox
    clock: Clock
    steps: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    current: list[tuple[str, str]] | None = None
    pending: list[tuple[str, str]] = field(default_factory=list)  # lookups before a step belong to it

    def __post_init__(self) -> None:
        self.http = httpx2.Client(transport=self.box.transport(), base_url=SANDBOX_API_URL)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        assert name not in self.steps, f"step {name} twice"
        self.current = self.steps[name] = self.pending
        self.pending = []
        try:
            yield
        finally:
            self.current = None

    def call(
        self,
        method: str,
        path: str,
        *query: str,
        body: Any = None,
        form: dict[str, str] | None = None,
        token: str | None = SANDBOX_TOKEN,
        auth: str | None = None,
        sender: str | None = None,
        raw: bytes | None = None,
    ) -> Answer:
        headers: dict[str, str] = {}
        if auth is not None:
            headers["Authorization"] = auth
        elif token is not None:
            headers["Authorization"] = f"Token token={token}"
        if sender is not None:
            headers["From"] = sender
        params = [tuple(q.split("=", 1)) for q in query]
        if raw is not None:
            headers["Content-Type"] = "application/json"
            response = self.http.request(method, path, params=params, content=raw, headers=headers)
        elif form is not None:
            response = self.http.request(method, path, params=params, data=form, headers=headers)
        elif body is not None:
            response = self.http.request(method, path, params=params, json=body, headers=headers)
        else:
            response = self.http.request(method, path, params=params, headers=headers)
        payload = response.read()
        shown = sorted(f"{k.lower()}: {v}" for k, v in response.headers.items())
        material = "\n".join([f"{method} {response.request.url}", str(response.status_code), *shown, ""]).encode()
        label = f"{method} {response.request.url.raw_path.decode()} -> {response.status_code}"
        (self.pending if self.current is None else self.current).append(
            (label, hashlib.sha256(material + payload).hexdigest())
        )
        decoded = json.loads(payload) if payload and "json" in response.headers.get("content-type", "") else None
        return Answer(response.status_code, decoded, dict(response.headers), response.headers.get("location", ""))

    def get(self, path: str, *query: str, **options: Any) -> Answer:
        return self.call("GET", path, *query, **options)

    def post(self, path: str, body: Any = None, *query: str, **options: Any) -> Answer:
        return self.call("POST", path, *query, body=body, **options)

    def put(self, path: str, body: Any = None, *query: str, **options: Any) -> Answer:
        return self.call("PUT", path, *query, body=body, **options)

    def delete(self, path: str, *query: str, **options: Any) -> Answer:
        return self.call("DELETE", path, *query, **options)

    def digests(self) -> dict[str, str]:
        return {
            name: hashlib.sha256("\n".join(f"{label} {digest}" for label, digest in calls).encode()).hexdigest()
            for name, calls in self.steps.items()
        }


def _named(items: list[dict[str, Any]], name: str, key: str = "name") -> dict[str, Any]:
    return next(i for i in items if i[key] == name)


def _ids(items: list[dict[str, Any]]) -> list[str]:
    return [str(i["id"]) for i in items]


def _at(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- reads ----------------------------------------------------------------------------------------
def errors(c: Conversation) -> None:
    with c.step("errors"):
        c.get("/users", token=None)
        c.get("/users", auth="Token token=not-a-token")
        c.get("/users", auth="Basic abc")
        c.get("/users", auth=f"Bearer {SANDBOX_TOKEN}")
        c.get("/users/me", token=SANDBOX_ACCOUNT_TOKEN)
        c.call("PATCH", "/users")
        c.call("DELETE", "/oncalls")
        c.get("/no/such/route")
        c.get("/incidents/PNOPE00")
        c.get("/users", "include[]=bogus")
        c.get("/users", "limit=0")
        c.get("/users", "limit=abc")
        c.get("/users", "offset=-1")
        c.get("/users", "total=maybe")
        c.get("/users", "include[]=bogus", "limit=0")
        c.post("/teams", raw=b"{not json")
        c.post("/teams", raw=b"")
        c.post("/teams", {"team": "not an object"})
        c.post("/teams", {"name": "unwrapped"})
        c.get("/incidents", "since=yesterday")
        c.get("/incidents/types/alerts")
        c.get("/event_orchestrations/services/router")


def people(c: Conversation) -> None:
    with c.step("teams"):
        teams = c.get("/teams", "limit=100", "total=true").body["teams"]
        c.get("/teams")
        c.get("/teams", "query=pay")
        c.get("/teams", "limit=2", "offset=1")
        for team in _ids(teams):
            c.get(f"/teams/{team}")
            c.get(f"/teams/{team}/members")
            c.get(f"/teams/{team}/members", "include[]=users", "limit=2")
        c.get("/teams/PNOPE00")
        c.get(f"/teams/{teams[0]['id']}/members", "include[]=teams")
    with c.step("users"):
        everyone = c.get("/users", "limit=100", "total=true").body["users"]
        c.get("/users")
        c.get("/users", "query=an")
        c.get("/users", "query=ACME-SHOP.EXAMPLE", "limit=3")
        c.get("/users", "include[]=contact_methods", "include[]=notification_rules", "include[]=teams", "limit=5")
        c.get("/users", "include[]=contact_methods,teams", "limit=2", "offset=3")
        c.get("/users", f"team_ids[]={teams[0]['id']}", f"team_ids[]={teams[1]['id']}")
        c.get("/users", "limit=500", "offset=10")
        c.get("/users/me")
        c.get("/users/me", "include[]=contact_methods")
        for user in _ids(everyone):
            c.get(f"/users/{user}", "include[]=notification_rules", "include[]=teams")
            c.get(f"/users/{user}/contact_methods")
        c.get("/users/PNOPE00")
        alex = _named(everyone, "Alex Rivera")["id"]
        for urgency in (None, "low", "all", "bad"):
            c.get(f"/users/{alex}/notification_rules", *([f"urgency={urgency}"] if urgency else []))
        c.get(f"/users/{alex}/notification_rules", "include[]=contact_methods")
        c.get("/users/PNOPE00/contact_methods")


def on_call(c: Conversation) -> None:
    now = c.clock()
    with c.step("schedules"):
        schedules = c.get("/schedules", "limit=100").body["schedules"]
        teams = c.get("/teams", "limit=100").body["teams"]
        c.get("/schedules")
        c.get("/schedules", "query=primary")
        c.get("/schedules", f"team_ids[]={teams[0]['id']}")
        c.get("/schedules", "time_zone=Asia/Tokyo")
        c.get("/schedules", "time_zone=Mars/Base")
        for schedule in _ids(schedules):
            c.get(f"/schedules/{schedule}")
            c.get(f"/schedules/{schedule}", f"since={_at(now)}", f"until={_at(now + timedelta(days=7))}")
            c.get(
                f"/schedules/{schedule}",
                f"since={_at(now - timedelta(days=3))}",
                f"until={_at(now + timedelta(days=10))}",
                "overflow=true",
                "time_zone=America/Los_Angeles",
            )
            c.get(f"/schedules/{schedule}", f"since={_at(now)}")
            c.get(f"/schedules/{schedule}/users")
            c.get(f"/schedules/{schedule}/users", f"since={_at(now - timedelta(days=20))}", f"until={_at(now)}")
            c.get(
                f"/schedules/{schedule}/overrides",
                f"since={_at(now - timedelta(days=30))}",
                f"until={_at(now + timedelta(days=30))}",
            )
            c.get(
                f"/schedules/{schedule}/overrides",
                f"since={_at(now)}",
                f"until={_at(now + timedelta(hours=30))}",
                "editable=true",
                "overflow=true",
            )
        first = schedules[0]["id"]
        c.get(f"/schedules/{first}", f"until={_at(now + timedelta(days=1))}")
        c.get(f"/schedules/{first}", f"since={_at(now)}", f"until={_at(now - timedelta(days=1))}")
        c.get(f"/schedules/{first}/overrides")
        c.get(f"/schedules/{first}/users", f"since={_at(now)}", f"until={_at(now - timedelta(days=1))}")
        c.get("/schedules/PNOPE00")
    with c.step("shift-schedules"):
        shifts = c.get("/v3/schedules").body["schedules"]
        c.get("/v3/schedules", "query=personal", "limit=1")
        c.get(f"/v3/schedules/{schedules[0]['id']}")
        c.get(f"/schedules/{shifts[0]['id']}")
        for schedule in _ids(shifts):
            c.get(f"/v3/schedules/{schedule}")
            c.get(f"/v3/schedules/{schedule}", "include[]=final_schedule")
            c.get(
                f"/v3/schedules/{schedule}",
                "include[]=final_schedule",
                f"since={_at(now - timedelta(days=2))}",
                f"until={_at(now + timedelta(days=12))}",
            )
            c.get(
                f"/v3/schedules/{schedule}",
                "include[]=final_schedule",
                f"since={_at(now)}",
                f"until={_at(now + timedelta(days=2))}",
                "overflow=true",
                "time_zone=Asia/Kolkata",
            )
            c.get(
                f"/v3/schedules/{schedule}/custom_shifts",
                f"since={_at(now - timedelta(days=9))}",
                f"until={_at(now + timedelta(days=9))}",
            )
            c.get(
                f"/v3/schedules/{schedule}/overrides",
                f"since={_at(now)}",
                f"until={_at(now + timedelta(days=9))}",
                "limit=1",
            )
            c.get(f"/v3/schedules/{schedule}/custom_shifts")
            c.get(f"/v3/schedules/{schedule}/overrides", f"since={_at(now)}", f"until={_at(now)}")
            c.get(
                f"/v3/schedules/{schedule}",
                "include[]=final_schedule",
                f"since={_at(now)}",
                f"until={_at(now + timedelta(days=400))}",
            )
    with c.step("escalation-policies"):
        policies = c.get("/escalation_policies", "limit=100", "total=true").body["escalation_policies"]
        users = c.get("/users", "limit=100").body["users"]
        c.get("/escalation_policies")
        c.get("/escalation_policies", "query=checkout")
        c.get("/escalation_policies", f"user_ids[]={_named(users, 'Sofia Rossi')['id']}")
        c.get("/escalation_policies", f"user_ids[]={_named(users, 'Alex Rivera')['id']}", "include[]=targets")
        c.get("/escalation_policies", f"team_ids[]={teams[1]['id']}", "include[]=services", "include[]=teams")
        c.get("/escalation_policies", "sort_by=name:desc", "limit=3")
        c.get("/escalation_policies", "sort_by=created_at")
        for policy in _ids(policies):
            c.get(f"/escalation_policies/{policy}", "include[]=targets", "include[]=services", "include[]=teams")
        c.get("/escalation_policies/PNOPE00")
    with c.step("oncalls"):
        c.get("/oncalls")
        c.get("/oncalls", "earliest=true")
        c.get("/oncalls", "include[]=users", "include[]=schedules", "include[]=escalation_policies", "limit=100")
        c.get("/oncalls", f"since={_at(now)}", f"until={_at(now + timedelta(days=7))}", "limit=100")
        c.get(
            "/oncalls",
            f"since={_at(now - timedelta(days=14))}",
            f"until={_at(now + timedelta(days=14))}",
            "earliest=true",
            "limit=100",
            "offset=20",
            "total=true",
        )
        c.get("/oncalls", f"user_ids[]={_named(users, 'Alex Rivera')['id']}", f"until={_at(now + timedelta(days=3))}")
        c.get("/oncalls", f"schedule_ids[]={schedules[0]['id']}", f"schedule_ids[]={shifts[0]['id']}")
        c.get("/oncalls", f"escalation_policy_ids[]={policies[0]['id']}", "time_zone=Asia/Tokyo")
        c.get("/oncalls", f"since={_at(now)}", f"until={_at(now + timedelta(days=100))}")
        c.get("/oncalls", f"since={_at(now)}", f"until={_at(now - timedelta(days=1))}")
        c.get("/oncalls", "schedule_ids[]=PNOPE00")
        c.get("/oncalls", "include[]=teams")
        c.get("/oncalls", "time_zone=Nowhere/City")


def incidents(c: Conversation) -> None:
    now = c.clock()
    with c.step("incident-lists"):
        every = c.get("/incidents", "date_range=all", "limit=100", "total=true").body
        found = list(every["incidents"])
        offset = 100
        while every["more"]:
            every = c.get("/incidents", "date_range=all", "limit=100", f"offset={offset}").body
            found += every["incidents"]
            offset += 100
        services = c.get("/services", "limit=100").body["services"]
        teams = c.get("/teams", "limit=100").body["teams"]
        users = c.get("/users", "limit=100").body["users"]
        priorities = c.get("/priorities").body["priorities"]
        c.get("/priorities", "limit=2", "offset=1", "total=true")
        c.get("/incidents")
        c.get("/incidents", "statuses[]=triggered", "statuses[]=acknowledged")
        c.get("/incidents", "statuses[]=resolved", "urgencies[]=low", "limit=7")
        c.get("/incidents", "statuses[]=triggered,acknowledged", "include[]=assignees,services")
        c.get(
            "/incidents",
            "include[]=acknowledgers",
            "include[]=agents",
            "include[]=assignees",
            "include[]=conference_bridge",
            "include[]=escalation_policies",
            "include[]=first_trigger_log_entries",
            "include[]=priorities",
            "include[]=services",
            "include[]=teams",
            "include[]=users",
            "limit=10",
        )
        c.get("/incidents", f"service_ids[]={services[0]['id']}", f"service_ids[]={services[3]['id']}")
        c.get("/incidents", f"service_ids[]={services[1]['id']}", "statuses[]=triggered")
        c.get("/incidents", f"team_ids[]={teams[0]['id']}", "limit=50")
        c.get("/incidents", f"user_ids[]={_named(users, 'Alex Rivera')['id']}")
        c.get("/incidents", f"user_ids[]={_named(users, 'Priya Natarajan')['id']}", "statuses[]=resolved")
        c.get("/incidents", f"priorities[]={priorities[0]['id']}", f"priorities[]={priorities[1]['id']}")
        c.get("/incidents", f"incident_key={found[-1]['incident_key']}")
        c.get("/incidents", "time_zone=Asia/Tokyo", "limit=5")
        c.get("/incidents", "sort_by=incident_number:desc", "limit=20")
        c.get("/incidents", "sort_by=urgency,created_at:desc", "limit=20", "offset=5")
        c.get("/incidents", "sort_by=resolved_at:asc", "limit=30", "date_range=all")
        c.get("/incidents", f"since={_at(now - timedelta(days=7))}", f"until={_at(now - timedelta(days=2))}")
        c.get("/incidents", f"since={_at(now - timedelta(days=3))}")
        c.get("/incidents", f"until={_at(now - timedelta(days=10))}", "total=true")
        c.get("/incidents", f"since={_at(now - timedelta(days=200))}", f"until={_at(now)}")
        c.get("/incidents", f"since={_at(now)}", f"until={_at(now - timedelta(days=1))}")
        c.get("/incidents", "statuses[]=closed")
        c.get("/incidents", "sort_by=title")
        c.get("/incidents", "sort_by=created_at,urgency,incident_number")
        c.get("/incidents", "date_range=week")
    with c.step("incident-details"):
        picks = found[:: max(1, len(found) // 12)] + found[-3:]
        for incident in picks:
            ident = incident["id"]
            c.get(f"/incidents/{ident}")
            c.get(f"/incidents/{ident}", "include[]=body", "include[]=custom_fields", "include[]=users")
            c.get(f"/incidents/{incident['incident_number']}", "include[]=first_trigger_log_entries")
            alerts = c.get(f"/incidents/{ident}/alerts").body["alerts"]
            c.get(f"/incidents/{ident}/alerts", "statuses[]=triggered", "include[]=services", "include[]=incidents")
            c.get(f"/incidents/{ident}/alerts", "sort_by=created_at:desc", f"alert_key={alerts[0]['alert_key']}")
            c.get(f"/incidents/{ident}/alerts/{alerts[0]['id']}")
            c.get(f"/incidents/{ident}/notes")
            c.get(f"/incidents/{ident}/log_entries")
            c.get(f"/incidents/{ident}/log_entries", "is_overview=true", "include[]=incidents", "include[]=services")
            c.get(f"/incidents/{ident}/custom_fields/values")
            c.get(f"/incidents/{ident}/outlier_incident")
            c.get(f"/incidents/{ident}/outlier_incident", f"since={_at(now - timedelta(days=5))}")
            c.get(f"/incidents/{ident}/past_incidents")
            c.get(f"/incidents/{ident}/past_incidents", "limit=2", "total=true")
            c.get(f"/incidents/{ident}/related_incidents")
            c.get(f"/incidents/{ident}/related_incidents", "additional_details[]=incident")
            c.get(f"/incidents/{ident}/related_change_events")
            c.get(f"/incidents/{ident}/related_change_events", "limit=1")
        first = found[0]["id"]
        c.get(f"/incidents/{first}/alerts/PNOPE00")
        c.get(f"/incidents/{first}/alerts", "sort_by=severity")
        c.get(f"/incidents/{first}/alerts", "statuses[]=acknowledged")
        c.get(f"/incidents/{first}/past_incidents", "limit=1000")
        c.get(f"/incidents/{first}", "include[]=notes")
        c.get("/incidents/999999")
        c.get("/incidents/PNOPE00/notes")
    with c.step("log-entries"):
        entries = c.get("/log_entries", "limit=100").body["log_entries"]
        c.get("/log_entries")
        c.get("/log_entries", "is_overview=true", "limit=40", "offset=10", "total=true")
        c.get("/log_entries", f"team_ids[]={teams[0]['id']}", "include[]=incidents", "limit=5")
        c.get(
            "/log_entries",
            f"since={_at(now - timedelta(days=4))}",
            f"until={_at(now - timedelta(days=2))}",
            "include[]=services",
        )
        c.get("/log_entries", f"since={_at(now)}", f"until={_at(now - timedelta(days=2))}")
        for entry in _ids(entries[::9]):
            c.get(f"/log_entries/{entry}")
            c.get(f"/log_entries/{entry}", "include[]=incidents", "include[]=services", "include[]=channels")
        c.get("/log_entries/PNOPE00")
        c.get("/log_entries", "include[]=users")
    with c.step("incident-types"):
        kinds = c.get("/incidents/types").body["incident_types"]
        c.get("/incidents/types", "filter=all")
        c.get("/incidents/types", "filter=disabled")
        c.get("/incidents/types", "filter=bogus")
        for kind in kinds:
            c.get(f"/incidents/types/{kind['id']}")
            c.get(f"/incidents/types/{kind['name']}")
            c.get(f"/incidents/types/{kind['name']}/custom_fields")
            c.get(f"/incidents/types/{kind['id']}/custom_fields", "include[]=field_options")
        c.get("/incidents/types/no_such_type")
        resolved = c.get(
            "/incidents", "statuses[]=resolved", "date_range=all", "sort_by=created_at:asc", "limit=1"
        ).body
        c.get(f"/incidents/{resolved['incidents'][0]['id']}", "include[]=custom_fields")
        c.get(f"/incidents/{resolved['incidents'][0]['id']}/custom_fields/values")


def services(c: Conversation) -> None:
    now = c.clock()
    with c.step("services"):
        found = c.get("/services", "limit=100", "total=true").body["services"]
        teams = c.get("/teams", "limit=100").body["teams"]
        c.get("/services")
        c.get("/services", "query=CART")
        c.get("/services", f"name={found[2]['name']}")
        c.get("/services", f"team_ids[]={teams[0]['id']}", "sort_by=name:desc")
        c.get("/services", "include[]=escalation_policies", "include[]=teams", "include[]=integrations", "limit=4")
        c.get("/services", "include[]=auto_pause_notifications_parameters", "offset=3", "limit=3")
        c.get("/services", "sort_by=created_at")
        for service in found:
            c.get(f"/services/{service['id']}", "include[]=integrations", "include[]=escalation_policies")
            for integration in service["integrations"]:
                c.get(f"/services/{service['id']}/integrations/{integration['id']}")
            c.get(f"/services/{service['id']}/change_events")
            c.get(f"/service_dependencies/technical_services/{service['id']}")
        c.get(f"/services/{found[0]['id']}/integrations/{found[1]['integrations'][0]['id']}")
        c.get("/services/PNOPE00")
        c.get("/services/PNOPE00/change_events")
        c.get("/service_dependencies/technical_services/PNOPE00")
        business = c.get("/business_services").body["business_services"]
        c.get("/business_services", "limit=1", "offset=1", "total=true")
        for item in _ids(business):
            c.get(f"/business_services/{item}")
            c.get(f"/service_dependencies/business_services/{item}")
        c.get("/business_services/PNOPE00")
        c.get("/service_dependencies/business_services/PNOPE00")
    with c.step("change-events"):
        events = c.get("/change_events", "limit=100").body["change_events"]
        c.get("/change_events")
        c.get("/change_events", f"since={_at(now - timedelta(days=10))}", f"until={_at(now - timedelta(days=3))}")
        c.get("/change_events", f"team_ids[]={teams[0]['id']}", "total=true")
        c.get("/change_events", f"integration_ids[]={events[0]['integration']['id']}")
        c.get("/change_events", f"since={_at(now)}", f"until={_at(now - timedelta(days=3))}")
        for event in _ids(events[::4]):
            c.get(f"/change_events/{event}")
        c.get("/change_events/PNOPE00")
    with c.step("maintenance-windows"):
        windows = c.get("/maintenance_windows").body["maintenance_windows"]
        for wanted in ("past", "future", "ongoing", "open", "all", "bogus"):
            c.get("/maintenance_windows", f"filter={wanted}")
        c.get("/maintenance_windows", "include[]=teams", "include[]=services", "include[]=users")
        c.get("/maintenance_windows", "query=REINDEX", f"service_ids[]={found[0]['id']}")
        c.get("/maintenance_windows", f"team_ids[]={teams[2]['id']}", "limit=1", "total=true")
        for window in _ids(windows):
            c.get(f"/maintenance_windows/{window}", "include[]=services", "include[]=users")
        c.get("/maintenance_windows/PNOPE00")
    with c.step("extensions"):
        schemas = c.get("/extension_schemas").body["extension_schemas"]
        c.get("/extension_schemas", "limit=2", "offset=1", "total=true")
        for schema in _ids(schemas):
            c.get(f"/extension_schemas/{schema}")
        extensions = c.get("/extensions").body["extensions"]
        c.get("/extensions", "include[]=extension_objects", "include[]=extension_schemas")
        c.get("/extensions", "query=sync")
        c.get("/extensions", f"extension_object_id={found[0]['id']}")
        c.get("/extensions", f"extension_schema_id={schemas[0]['id']}")
        for extension in _ids(extensions):
            c.get(f"/extensions/{extension}", "include[]=temporarily_disabled", "include[]=extension_schemas")
        c.get("/extensions/PNOPE00")
        c.get("/extension_schemas/PNOPE00")


def aiops(c: Conversation) -> None:
    with c.step("orchestrations"):
        listed = c.get("/event_orchestrations").body["orchestrations"]
        for sort in ("name:desc", "routes", "created_at:asc", "bogus"):
            c.get("/event_orchestrations", f"sort_by={sort}")
        for orchestration in _ids(listed):
            c.get(f"/event_orchestrations/{orchestration}")
            for kind in ("router", "global", "unrouted"):
                c.get(f"/event_orchestrations/{orchestration}/{kind}")
        services_ = c.get("/services", "limit=100").body["services"]
        for service in _ids(services_):
            c.get(f"/event_orchestrations/services/{service}")
        c.get("/event_orchestrations/PNOPE00")
        c.get("/event_orchestrations/PNOPE00/router")
        c.get("/event_orchestrations/services/PNOPE00")
    with c.step("alert-grouping"):
        settings = c.get("/alert_grouping_settings").body["alert_grouping_settings"]
        page = c.get("/alert_grouping_settings", "limit=1", "total=true").body
        c.get("/alert_grouping_settings", "limit=1", f"after={page['after']}")
        c.get("/alert_grouping_settings", "limit=1", f"before={page['after']}")
        c.get("/alert_grouping_settings", "after=x", "before=y")
        c.get("/alert_grouping_settings", "after=%%%")
        c.get("/alert_grouping_settings", f"service_ids[]={services_[0]['id']}")
        for setting in _ids(settings):
            c.get(f"/alert_grouping_settings/{setting}")
        c.get("/alert_grouping_settings/PNOPE00")
    with c.step("workflows"):
        workflows = c.get("/incident_workflows").body["incident_workflows"]
        c.get("/incident_workflows", "include[]=team", "include[]=steps")
        c.get("/incident_workflows", "query=NOTIFY")
        c.get("/incident_workflows", "include[]=bogus")
        for workflow in _ids(workflows):
            c.get(f"/incident_workflows/{workflow}")
        c.get("/incident_workflows/PNOPE00")
    with c.step("automation-reads"):
        actions = c.get("/automation_actions/actions").body["actions"]
        page = c.get("/automation_actions/actions", "limit=1").body
        while page["next_cursor"]:
            page = c.get("/automation_actions/actions", "limit=1", f"cursor={page['next_cursor']}").body
        c.get("/automation_actions/actions", "cursor=bm9wZQ")
        c.get("/automation_actions/actions", "name=restart", "action_type=script", "classification=remediation")
        c.get("/automation_actions/actions", f"service_id={actions[0]['services'][0]['id']}")
        c.get("/automation_actions/actions", "runner_id=any")
        c.get("/automation_actions/actions", f"runner_id={actions[0]['runner']}")
        c.get("/automation_actions/actions", "action_type=bogus")
        teams = c.get("/teams", "limit=100").body["teams"]
        c.get("/automation_actions/actions", f"team_id={teams[0]['id']}")
        for action in _ids(actions):
            c.get(f"/automation_actions/actions/{action}")
        runs = c.get("/automation_actions/invocations").body["invocations"]
        c.get("/automation_actions/invocations", "invocation_state=completed")
        c.get("/automation_actions/invocations", "not_invocation_state=completed")
        c.get("/automation_actions/invocations", f"action_id={actions[0]['id']}")
        c.get("/automation_actions/invocations", f"incident_id={runs[0]['metadata']['incident']['id']}")
        c.get("/automation_actions/invocations", "invocation_state=bogus")
        for run in _ids(runs):
            c.get(f"/automation_actions/invocations/{run}")
        c.get("/automation_actions/actions/PNOPE00")
        c.get("/automation_actions/invocations/PNOPE00")


def analytics(c: Conversation, step: str) -> None:
    now = c.clock()
    teams = c.get("/teams", "limit=100").body["teams"]
    services_ = c.get("/services", "limit=100").body["services"]
    priorities = c.get("/priorities").body["priorities"]
    users = c.get("/users", "limit=100").body["users"]
    window = {"created_at_start": _at(now - timedelta(days=31)), "created_at_end": _at(now + timedelta(hours=1))}
    responder_window = {"date_range_start": window["created_at_start"], "date_range_end": window["created_at_end"]}
    with c.step(step):
        account = {"token": SANDBOX_ACCOUNT_TOKEN}
        for kind in ("all", "services", "teams"):
            path = f"/analytics/metrics/incidents/{kind}"
            c.post(path, {"filters": window}, **account)
            c.post(path, {"filters": {**window, "team_ids": [teams[0]["id"]]}})
            c.post(path, {"filters": window})
            c.post(
                path,
                {"filters": {**window, "urgency": "high"}, "aggregate_unit": "week", "time_zone": "Europe/Berlin"},
                **account,
            )
            c.post(
                path,
                {"filters": {**window, "service_ids": _ids(services_[:3])}, "aggregate_unit": "day", "order": "asc"},
            )
            c.post(
                path,
                {
                    "filters": {**window, "priority_ids": _ids(priorities[:2])},
                    "aggregate_unit": "month",
                    "order_by": "mean_seconds_to_resolve",
                },
                **account,
            )
        path = "/analytics/metrics/incidents/all"
        c.post(path, {"filters": {"created_at_start": window["created_at_start"]}}, **account)
        c.post(path, {"filters": {**window, "urgency": "medium"}}, **account)
        c.post(path, {"filters": {**window, "team_ids": "T1"}}, **account)
        c.post(path, {"filters": window, "aggregate_unit": "hour"}, **account)
        c.post(path, {"filters": window, "order": "sideways"}, **account)
        c.post(path, {"filters": {**window, "created_at_end": _at(now + timedelta(days=400))}}, **account)
        c.post(path, {"filters": {**window, "created_at_end": window["created_at_start"]}}, **account)
        c.post(path, ["not", "an", "object"], **account)
        c.post(path, {"filters": "nope"}, **account)
        for kind in ("all", "teams"):
            path = f"/analytics/metrics/responders/{kind}"
            c.post(path, {"filters": responder_window})
            c.post(
                path,
                {
                    "filters": {**responder_window, "team_ids": _ids(teams[:2])},
                    "order": "asc",
                    "order_by": "total_notifications",
                },
            )
            c.post(
                path,
                {
                    "filters": {**responder_window, "responder_ids": _ids(users[:5]), "urgency": "low"},
                    "time_zone": "Asia/Tokyo",
                },
            )
            c.post(path, {"filters": {**responder_window, "priority_ids": _ids(priorities)}})
            c.post(path, {"filters": {**responder_window, "date_range_end": _at(now - timedelta(days=40))}})
            c.post(path, {"filters": {**responder_window, "urgency": "x"}})
            c.post(path, {"filters": responder_window, "order": "x"})
            c.post(path, {"filters": responder_window, "time_zone": "Nowhere/City"})


def outbound(c: Conversation) -> None:
    with c.step("webhooks-read"):
        subscriptions = c.get("/webhook_subscriptions").body["webhook_subscriptions"]
        for kind in ("account", "service", "team", "bogus"):
            c.get("/webhook_subscriptions", f"filter_type={kind}")
        for subscription in subscriptions:
            target = subscription["filter"]
            if "id" in target:
                kind = target["type"].removesuffix("_reference")
                c.get("/webhook_subscriptions", f"filter_type={kind}", f"filter_id={target['id']}")
            c.get(f"/webhook_subscriptions/{subscription['id']}")
        c.get("/webhook_subscriptions/PNOPE00")
        c.get("/webhook_subscriptions", "limit=1", "offset=1", "total=true")
    with c.step("status-pages-read"):
        pages = c.get("/status_pages").body["status_pages"]
        c.get("/status_pages", "status_page_type=private")
        c.get("/status_pages", "status_page_type=secret")
        for page in _ids(pages):
            for kind in ("services", "severities", "statuses", "impacts"):
                c.get(f"/status_pages/{page}/{kind}")
            c.get(f"/status_pages/{page}/statuses", "post_type=maintenance")
            c.get(f"/status_pages/{page}/impacts", "post_type=bogus")
            posts = c.get(f"/status_pages/{page}/posts").body["posts"]
            c.get(f"/status_pages/{page}/posts", "post_type=incident", "reviewed_status=approved")
            c.get(f"/status_pages/{page}/posts", "reviewed_status=not_reviewed")
            c.get(f"/status_pages/{page}/posts", "reviewed_status=bogus")
            for post in _ids(posts):
                c.get(f"/status_pages/{page}/posts/{post}")
                c.get(f"/status_pages/{page}/posts/{post}", "include[]=status_page_post_update")
                c.get(f"/status_pages/{page}/posts/{post}/post_updates")
                c.get(f"/status_pages/{page}/posts/{post}/postmortem")
            if posts:
                status = c.get(f"/status_pages/{page}/statuses").body["statuses"][0]["id"]
                c.get(f"/status_pages/{page}/posts", f"status[]={status}")
        c.get("/status_pages/PNOPE00/posts")
        c.get(f"/status_pages/{pages[0]['id']}/posts/PNOPE00")


# -- writes, each followed by the reads that show it ----------------------------------------------
def incident_writes(c: Conversation) -> None:
    services_ = c.get("/services", "limit=100").body["services"]
    users = c.get("/users", "limit=100").body["users"]
    priorities = c.get("/priorities").body["priorities"]
    policies = c.get("/escalation_policies", "limit=100").body["escalation_policies"]
    checkout = _named(services_, "Checkout API")
    alex, priya = _named(users, "Alex Rivera")["id"], _named(users, "Priya Natarajan")["id"]
    with c.step("incident-create"):
        body = {
            "incident": {
                "type": "incident",
                "title": "Checkout is slow",
                "service": {"id": checkout["id"], "type": "service_reference"},
            }
        }
        c.post("/incidents", body)
        c.post("/incidents", body, sender="nobody@acme-shop.example")
        c.post("/incidents", {"incident": {**body["incident"], "type": "incident_reference"}}, sender=ALEX)
        c.post("/incidents", {"incident": {**body["incident"], "title": "  "}}, sender=ALEX)
        c.post("/incidents", {"incident": {**body["incident"], "service": {"id": "PNOPE00"}}}, sender=ALEX)
        c.post("/incidents", {"incident": {**body["incident"], "urgency": "medium"}}, sender=ALEX)
        c.post("/incidents", {"incident": {**body["incident"], "priority": {"id": "PNOPE00"}}}, sender=ALEX)
        c.post(
            "/incidents",
            {
                "incident": {
                    **body["incident"],
                    "assignments": [{"assignee": {"id": alex}}],
                    "escalation_policy": {"id": policies[0]["id"]},
                }
            },
            sender=ALEX,
        )
        c.post("/incidents", {"incident": {**body["incident"], "incident_type": {"name": "no_such_type"}}}, sender=ALEX)
        c.post("/incidents", {"incident": {**body["incident"], "incident_type": "security"}}, sender=ALEX)
        one = c.post("/incidents", body, sender=ALEX).body["incident"]
        two = c.post(
            "/incidents",
            {
                "incident": {
                    **body["incident"],
                    "title": "Card payments declined",
                    "service": {"id": _named(services_, "Payments Gateway")["id"]},
                    "urgency": "low",
                    "priority": {"id": priorities[0]["id"]},
                    "incident_key": "payments-declined-1",
                    "body": {"type": "incident_body", "details": {"declines": 42}},
                    "conference_bridge": {"conference_url": "https://meet.example/x"},
                    "incident_type": {"name": "security_incident"},
                }
            },
            sender=ALEX,
        ).body["incident"]
        c.post(
            "/incidents",
            {
                "incident": {
                    **body["incident"],
                    "service": {"id": _named(services_, "Payments Gateway")["id"]},
                    "incident_key": "payments-declined-1",
                }
            },
            sender=ALEX,
        )
        three = c.post(
            "/incidents",
            {
                "incident": {
                    **body["incident"],
                    "title": "Cart totals wrong",
                    "assignments": [{"assignee": {"id": priya}}, {"assignee": {"id": alex}}],
                }
            },
            sender=ALEX,
        ).body["incident"]
        four = c.post(
            "/incidents",
            {"incident": {**body["incident"], "title": "Search down", "escalation_policy": {"id": policies[-1]["id"]}}},
            sender=ALEX,
        ).body["incident"]
        for made in (one, two, three, four):
            c.get(f"/incidents/{made['id']}", "include[]=body", "include[]=custom_fields", "include[]=users")
            c.get(f"/incidents/{made['id']}/log_entries")
        c.get("/incidents", "statuses[]=triggered", "limit=100")
    with c.step("incident-manage"):
        ref = lambda made: {"id": made["id"], "type": "incident_reference"}  # noqa: E731
        c.put("/incidents", {"incidents": [{**ref(one), "status": "acknowledged"}]})
        c.put("/incidents", {"incidents": "nope"}, sender=ALEX)
        c.put("/incidents", {"incidents": [{**ref(one), "status": "acknowledged"}] * 251}, sender=ALEX)
        c.put(
            "/incidents",
            {"incidents": [{"id": "PNOPE00", "type": "incident"}, {"id": "PNOPE01", "type": "incident"}]},
            sender=ALEX,
        )
        c.put("/incidents", {"incidents": [{**ref(one), "type": "service"}]}, sender=ALEX)
        c.put("/incidents", {"incidents": [{**ref(one), "status": "closed"}]}, sender=ALEX)
        c.put("/incidents", {"incidents": [{**ref(one), "urgency": "medium"}]}, sender=ALEX)
        c.put("/incidents", {"incidents": [{**ref(one), "priority": "P9"}]}, sender=ALEX)
        c.put("/incidents", {"incidents": [{**ref(one), "escalation_level": 9}]}, sender=ALEX)
        c.put("/incidents", {"incidents": [{**ref(one), "title": ""}]}, sender=ALEX)
        c.put(
            "/incidents",
            {
                "incidents": [
                    {**ref(one), "status": "acknowledged"},
                    {**ref(two), "status": "acknowledged", "urgency": "high", "priority": "P2"},
                ]
            },
            sender=ALEX,
        )
        c.put("/incidents", {"incidents": [{**ref(one), "assignments": [{"assignee": {"id": priya}}]}]}, sender=ALEX)
        c.put("/incidents", {"incidents": [{**ref(three), "escalation_level": 2}]}, sender=ALEX)
        c.put(
            "/incidents",
            {"incidents": [{**ref(four), "escalation_policy": {"id": policies[1]["id"]}, "title": "Search is down"}]},
            sender=ALEX,
        )
        c.clock.advance(minutes=7)
        c.put(
            "/incidents", {"incidents": [{**ref(one), "status": "resolved", "resolution": "Rolled back"}]}, sender=ALEX
        )
        c.put("/incidents", {"incidents": [{**ref(one), "assignments": [{"assignee": {"id": alex}}]}]}, sender=ALEX)
        c.clock.advance(minutes=1)
        c.put("/incidents", {"incidents": [{**ref(one), "status": "triggered"}]}, sender=ALEX)
        c.put(
            "/incidents",
            {
                "incidents": [
                    {
                        **ref(two),
                        "priority": {"id": priorities[2]["id"]},
                        "conference_bridge": {"conference_number": "+1 555"},
                    }
                ]
            },
            sender=ALEX,
        )
        for made in (one, two, three, four):
            c.get(f"/incidents/{made['id']}", "include[]=acknowledgers", "include[]=assignees")
            c.get(f"/incidents/{made['id']}/log_entries", "include[]=incidents")
    with c.step("incident-records"):
        c.post(f"/incidents/{two['id']}/notes", {"note": {"content": "Declines from one bank"}})
        c.post(f"/incidents/{two['id']}/notes", {"note": {"content": ""}}, sender=ALEX)
        c.post(f"/incidents/{two['id']}/notes", {"note": {"content": "x" * 25001}}, sender=ALEX)
        c.post(f"/incidents/{two['id']}/notes", {"note": {"content": "Declines from one bank"}}, sender=ALEX)
        c.post(f"/incidents/{two['incident_number']}/notes", {"note": {"content": "By number"}}, sender=ALEX)
        c.get(f"/incidents/{two['id']}/notes")
        c.post(
            f"/incidents/{two['id']}/responder_requests",
            {
                "requester_id": alex,
                "message": "Help",
                "responder_request_targets": [
                    {"responder_request_target": {"id": priya, "type": "user_reference"}},
                    {"responder_request_target": {"id": policies[0]["id"], "type": "escalation_policy_reference"}},
                ],
            },
        )
        c.post(
            f"/incidents/{two['id']}/responder_requests",
            {"requester_id": "PNOPE00", "message": "Help", "responder_request_targets": []},
        )
        c.post(
            f"/incidents/{two['id']}/responder_requests",
            {"requester_id": alex, "message": "", "responder_request_targets": []},
        )
        c.post(
            f"/incidents/{two['id']}/responder_requests",
            {
                "requester_id": alex,
                "message": "Help",
                "responder_request_targets": [{"responder_request_target": {"id": alex, "type": "team_reference"}}],
            },
        )
        c.post(f"/incidents/{one['id']}/status_updates", {"message": "Investigating"})
        c.post(
            f"/incidents/{one['id']}/status_updates", {"message": "Investigating", "subject": "Checkout"}, sender=ALEX
        )
        c.post(f"/incidents/{one['id']}/status_updates", {"message": " "}, sender=ALEX)
        c.post(f"/incidents/{one['id']}/snooze", {"duration": 3600}, sender=ALEX)
        c.post(f"/incidents/{two['id']}/snooze", {"duration": 0}, sender=ALEX)
        c.post(f"/incidents/{two['id']}/snooze", {"duration": 3600}, sender=ALEX)
        c.post(f"/incidents/{two['id']}/snooze", {"duration": 600}, sender=ALEX)
        c.get(f"/incidents/{two['id']}/log_entries", "is_overview=true")
        c.get(f"/incidents/{two['id']}")
    with c.step("incident-merge"):
        older = c.get("/incidents", "statuses[]=resolved", "limit=1").body["incidents"][0]
        c.put(
            f"/incidents/{three['id']}/merge", {"source_incidents": [{"id": four["id"], "type": "incident_reference"}]}
        )
        c.put(
            f"/incidents/{older['id']}/merge",
            {"source_incidents": [{"id": four["id"], "type": "incident_reference"}]},
            sender=ALEX,
        )
        c.put(f"/incidents/{three['id']}/merge", {"source_incidents": []}, sender=ALEX)
        c.put(f"/incidents/{three['id']}/merge", {"source_incidents": [{"id": three["id"]}]}, sender=ALEX)
        c.put(f"/incidents/{three['id']}/merge", {"source_incidents": [{"id": "PNOPE00"}]}, sender=ALEX)
        c.put(
            f"/incidents/{three['id']}/merge",
            {"source_incidents": [{"id": four["id"], "type": "incident_reference"}]},
            sender=ALEX,
        )
        open_ones = c.get("/incidents", "statuses[]=triggered", "statuses[]=acknowledged", "limit=100").body[
            "incidents"
        ]
        richest = max(open_ones, key=lambda i: (i["alert_counts"]["all"], i["incident_number"]))
        c.put(
            f"/incidents/{three['id']}/merge",
            {"source_incidents": [{"id": richest["id"], "type": "incident_reference"}]},
            sender=ALEX,
        )
        for made in (three, four, richest):
            c.get(f"/incidents/{made['id']}")
            c.get(f"/incidents/{made['id']}/alerts")
            c.get(f"/incidents/{made['id']}/log_entries")
    with c.step("incident-alerts"):
        alerts = c.get(f"/incidents/{three['id']}/alerts").body["alerts"]
        c.put(
            f"/incidents/{three['id']}/alerts",
            {"alerts": [{"id": alerts[0]["id"], "type": "alert", "status": "resolved"}]},
        )
        c.put(f"/incidents/{three['id']}/alerts", {"alerts": []}, sender=ALEX)
        c.put(f"/incidents/{three['id']}/alerts", {"alerts": [{"id": "PNOPE00", "type": "alert"}]}, sender=ALEX)
        c.put(
            f"/incidents/{three['id']}/alerts",
            {"alerts": [{"id": alerts[0]["id"], "type": "alert", "status": "acknowledged"}]},
            sender=ALEX,
        )
        c.put(
            f"/incidents/{three['id']}/alerts",
            {"alerts": [{"id": alerts[0]["id"], "type": "alert", "incident": {"id": one["id"]}}]},
            sender=ALEX,
        )
        c.put(
            f"/incidents/{three['id']}/alerts",
            {"alerts": [{"id": alerts[0]["id"], "type": "alert", "incident": {"id": two["id"]}}]},
            sender=ALEX,
        )
        for alert in alerts[1:]:
            c.put(
                f"/incidents/{three['id']}/alerts",
                {"alerts": [{"id": alert["id"], "type": "alert", "status": "resolved"}]},
                sender=ALEX,
            )
        for made in (two, three):
            c.get(f"/incidents/{made['id']}")
            c.get(f"/incidents/{made['id']}/alerts")
    with c.step("incident-custom-fields"):
        field_path = f"/incidents/{two['id']}/custom_fields/values"
        c.put(
            field_path,
            {
                "custom_fields": [
                    {"name": "attack_vector", "value": "phishing"},
                    {"name": "accounts_affected", "value": 3},
                ]
            },
        )
        c.put(field_path, {"custom_fields": [{"name": "attack_vector", "value": "laser"}]})
        c.put(field_path, {"custom_fields": [{"name": "accounts_affected", "value": "many"}]})
        c.put(
            field_path, {"custom_fields": [{"name": "affected_systems", "value": ["identity", "identity", "payments"]}]}
        )
        c.put(field_path, {"custom_fields": [{"name": "affected_systems", "value": "identity"}]})
        c.put(field_path, {"custom_fields": [{"name": "no_such_field", "value": 1}]})
        c.put(field_path, {"custom_fields": "nope"})
        c.put(
            f"/incidents/{one['id']}/custom_fields/values",
            {
                "custom_fields": [
                    {"name": "impacted_region", "value": "eu-west-1"},
                    {"name": "customer_impact", "value": None},
                ]
            },
        )
        c.get(field_path)
        c.get(f"/incidents/{one['id']}", "include[]=custom_fields")
    with c.step("workflow-instances"):
        workflow = c.get("/incident_workflows").body["incident_workflows"][0]["id"]
        c.post(
            f"/incident_workflows/{workflow}/instances", {"incident_workflow_instance": {"incident": {"id": two["id"]}}}
        )
        c.post(
            f"/incident_workflows/{workflow}/instances",
            {"incident_workflow_instance": {"incident": {"id": two["id"]}}},
            token=SANDBOX_ACCOUNT_TOKEN,
        )
        c.post(
            f"/incident_workflows/{workflow}/instances", {"incident_workflow_instance": {"incident": {"id": "PNOPE00"}}}
        )
        c.post(f"/incident_workflows/{workflow}/instances", {"incident_workflow_instance": {}})
        c.post("/incident_workflows/PNOPE00/instances", {"incident_workflow_instance": {"incident": {"id": two["id"]}}})
        c.get(f"/incidents/{two['id']}/log_entries")
    with c.step("automation-writes"):
        actions = c.get("/automation_actions/actions").body["actions"]
        restart = _named(actions, "Restart checkout pods")["id"]
        resolved = c.get("/incidents", "statuses[]=resolved", f"service_ids[]={checkout['id']}", "limit=1").body[
            "incidents"
        ][0]["id"]
        invoke = f"/automation_actions/actions/{restart}/invocations"
        c.post(invoke, {"invocation": {"metadata": {"incident_id": one["id"]}}})
        c.post(invoke, {"invocation": {"metadata": {"incident_id": one["id"]}}}, sender=ALEX)
        c.post(invoke, {"invocation": {"metadata": {"incident_id": one["id"]}}}, token=SANDBOX_ACCOUNT_TOKEN)
        c.post(invoke, {"invocation": {"metadata": {"incident_id": resolved}}})
        c.post(invoke, {"invocation": {"metadata": {}}})
        c.post(invoke, {"invocation": {"metadata": {"incident_id": "PNOPE00"}}})
        other = _named(actions, "Clear CDN cache")["id"]
        made = c.post(
            f"/automation_actions/actions/{other}/invocations", {"invocation": {"metadata": {"incident_id": resolved}}}
        ).body["invocation"]
        for _ in range(4):
            c.clock.advance(seconds=0.5)
            c.get(f"/automation_actions/invocations/{made['id']}")
        c.get("/automation_actions/invocations", f"incident_id={one['id']}")
        c.clock.advance(minutes=2)
        c.get("/automation_actions/invocations", f"incident_id={one['id']}", "not_invocation_state=completed")
        c.get("/automation_actions/invocations")
        c.get(f"/automation_actions/actions/{restart}")


def events_api(c: Conversation) -> None:
    services_ = c.get("/services", "limit=100").body["services"]

    def key_of(name: str) -> str:
        service = _named(services_, name)
        for integration in service["integrations"]:
            found = c.get(f"/services/{service['id']}/integrations/{integration['id']}").body["integration"]
            if found.get("integration_key"):
                return str(found["integration_key"])
        raise AssertionError(name)

    orchestration = c.get("/event_orchestrations").body["orchestrations"][0]
    routing = c.get(f"/event_orchestrations/{orchestration['id']}").body["orchestration"]["integrations"][0][
        "parameters"
    ]["routing_key"]
    with c.step("events-direct"):
        cart = key_of("Cart Service")
        search = key_of("Catalogue Search")
        platform = key_of("Kubernetes Platform")
        enqueue = "/v2/enqueue"
        trigger = {
            "routing_key": cart,
            "event_action": "trigger",
            "payload": {
                "summary": "Cart 500s",
                "source": "web-1",
                "severity": "critical",
                "component": "cart",
                "custom_details": {"rate": 12},
            },
        }
        c.post(enqueue, trigger, token=None)
        c.post(enqueue, {**trigger, "dedup_key": "cart-500"}, token=None)
        c.post(
            enqueue,
            {**trigger, "dedup_key": "cart-500", "payload": {**trigger["payload"], "summary": "Cart 500s again"}},
            token=None,
        )
        c.post(enqueue, {"routing_key": cart, "event_action": "acknowledge", "dedup_key": "cart-500"}, token=None)
        c.clock.advance(minutes=3)
        c.post(enqueue, {"routing_key": cart, "event_action": "resolve", "dedup_key": "cart-500"}, token=None)
        c.post(enqueue, {"routing_key": cart, "event_action": "resolve", "dedup_key": "never-seen"}, token=None)
        c.post(
            enqueue,
            {**trigger, "payload": {**trigger["payload"], "severity": "warning"}, "dedup_key": "cart-warn"},
            token=None,
        )
        c.post(enqueue, {**trigger, "routing_key": search, "dedup_key": "search-maintenance"}, token=None)
        c.post(
            enqueue,
            {
                **trigger,
                "routing_key": platform,
                "dedup_key": "k8s-1",
                "payload": {**trigger["payload"], "summary": "Node down"},
            },
            token=None,
        )
        c.post(
            enqueue,
            {
                **trigger,
                "routing_key": platform,
                "dedup_key": "k8s-2",
                "payload": {**trigger["payload"], "summary": "Pod evicted"},
            },
            token=None,
        )
        c.post(enqueue, {"routing_key": platform, "event_action": "resolve", "dedup_key": "k8s-2"}, token=None)
        c.post(enqueue, {**trigger, "payload": {**trigger["payload"], "timestamp": "2026-03-23T09:00:00Z"}}, token=None)
        for bad in (
            {"routing_key": "short", "event_action": "trigger"},
            {"routing_key": cart, "event_action": "explode"},
            {"routing_key": cart, "event_action": "trigger"},
            {"routing_key": cart, "event_action": "trigger", "payload": {"source": "x", "severity": "error"}},
            {
                "routing_key": cart,
                "event_action": "trigger",
                "payload": {"summary": "x", "source": "x", "severity": "fatal"},
            },
            {
                "routing_key": cart,
                "event_action": "trigger",
                "payload": {"summary": "x" * 1025, "source": "x", "severity": "info"},
            },
            {
                "routing_key": cart,
                "event_action": "trigger",
                "payload": {"summary": "x", "source": "x", "severity": "info", "timestamp": "soon"},
            },
            {"routing_key": cart, "event_action": "resolve"},
            {
                "routing_key": "0" * 32,
                "event_action": "trigger",
                "payload": {"summary": "x", "source": "x", "severity": "info"},
            },
            ["not", "an", "event"],
        ):
            c.post(enqueue, bad, token=None)
        c.post(enqueue, raw=b"{broken", token=None)
        c.post(enqueue, raw=b"x" * (512 * 1024 + 1), token=None)
        change = {
            "routing_key": cart,
            "payload": {"summary": "Deploy cart v2", "source": "ci", "custom_details": {"v": 2}},
            "links": [{"href": "https://ci.example/1"}],
        }
        c.post("/v2/change/enqueue", change, token=None)
        c.post(
            "/v2/change/enqueue",
            {**change, "payload": {**change["payload"], "timestamp": "2026-03-20T08:00:00Z"}},
            token=None,
        )
        c.post("/v2/change/enqueue", {**change, "payload": {}}, token=None)
        c.post("/v2/change/enqueue", {**change, "routing_key": "x"}, token=None)
        c.post("/v2/change/enqueue", "text", token=None)
        c.get(
            "/incidents",
            "statuses[]=triggered",
            "statuses[]=acknowledged",
            "limit=100",
            "include[]=first_trigger_log_entries",
        )
        c.get("/incidents", "date_range=all", "sort_by=incident_number:desc", "limit=10")
        for name in ("Cart Service", "Catalogue Search", "Kubernetes Platform"):
            c.get(f"/services/{_named(services_, name)['id']}")
        c.get("/change_events", "limit=5")
    with c.step("events-orchestrated"):
        base = {"routing_key": routing, "event_action": "trigger"}
        payload = {
            "summary": "Checkout latency",
            "source": "prometheus",
            "severity": "critical",
            "custom_details": {"service": "checkout"},
        }
        c.post("/v2/enqueue", {**base, "payload": payload, "dedup_key": "orch-1"}, token=None)
        c.post(
            "/v2/enqueue", {**base, "payload": {**payload, "severity": "warning"}, "dedup_key": "orch-2"}, token=None
        )
        c.post(
            "/v2/enqueue",
            {**base, "payload": {**payload, "source": "payments-api", "custom_details": {}}, "dedup_key": "orch-3"},
            token=None,
        )
        c.post(
            "/v2/enqueue",
            {
                **base,
                "payload": {**payload, "summary": "Postgres replication lag", "source": "x", "custom_details": {}},
            },
            token=None,
        )
        c.post(
            "/v2/enqueue",
            {
                **base,
                "payload": {**payload, "summary": "a test event", "source": "x", "custom_details": {}},
                "dedup_key": "orch-4",
            },
            token=None,
        )
        c.post(
            "/v2/enqueue", {"routing_key": routing, "event_action": "acknowledge", "dedup_key": "orch-1"}, token=None
        )
        c.post("/v2/enqueue", {"routing_key": routing, "event_action": "resolve", "dedup_key": "orch-3"}, token=None)
        c.post("/v2/enqueue", {"routing_key": routing, "event_action": "resolve", "dedup_key": "orch-4"}, token=None)
        c.post(
            "/v2/change/enqueue",
            {
                "routing_key": routing,
                "payload": {"summary": "Deploy", "source": "ci", "custom_details": {"service": "checkout"}},
            },
            token=None,
        )
        c.post(
            "/v2/change/enqueue", {"routing_key": routing, "payload": {"summary": "Deploy", "source": "ci"}}, token=None
        )
        c.get("/incidents", "statuses[]=triggered", "statuses[]=acknowledged", "limit=100", "include[]=priorities")
        c.get("/change_events", "limit=3")


def on_call_writes(c: Conversation) -> None:
    now = c.clock()
    users = c.get("/users", "limit=100").body["users"]
    teams = c.get("/teams", "limit=100").body["teams"]
    schedules = c.get("/schedules", "limit=100").body["schedules"]
    policies = c.get("/escalation_policies", "limit=100").body["escalation_policies"]
    alex, kenji = _named(users, "Alex Rivera")["id"], _named(users, "Kenji Tanaka")["id"]
    with c.step("schedule-writes"):
        layer = {
            "start": _at(now - timedelta(days=2)),
            "rotation_virtual_start": _at(now - timedelta(days=2)),
            "rotation_turn_length_seconds": 86400,
            "users": [
                {"user": {"id": alex, "type": "user_reference"}},
                {"user": {"id": kenji, "type": "user_reference"}},
            ],
            "restrictions": [{"type": "daily_restriction", "start_time_of_day": "08:00:00", "duration_seconds": 36000}],
        }
        weekly = {
            **layer,
            "name": "Weekend",
            "restrictions": [
                {
                    "type": "weekly_restriction",
                    "start_time_of_day": "09:00:00",
                    "duration_seconds": 172800,
                    "start_day_of_week": 6,
                }
            ],
        }
        made = c.post(
            "/schedules",
            {
                "schedule": {
                    "name": "Night Watch",
                    "time_zone": "Europe/Berlin",
                    "schedule_layers": [layer, weekly],
                    "teams": [{"id": teams[0]["id"]}],
                }
            },
        ).body["schedule"]
        for bad in (
            {"time_zone": "UTC", "schedule_layers": [layer]},
            {"name": "x", "schedule_layers": [layer]},
            {"name": "x", "time_zone": "Mars/Base", "schedule_layers": [layer]},
            {"name": "x", "time_zone": "UTC", "schedule_layers": []},
            {"name": "x", "time_zone": "UTC", "schedule_layers": [{**layer, "rotation_turn_length_seconds": 60}]},
            {"name": "x", "time_zone": "UTC", "schedule_layers": [{**layer, "users": [{"id": alex}]}]},
            {"name": "x", "time_zone": "UTC", "schedule_layers": [{**layer, "end": _at(now - timedelta(days=3))}]},
            {
                "name": "x",
                "time_zone": "UTC",
                "schedule_layers": [
                    {
                        **layer,
                        "restrictions": [
                            {"type": "daily_restriction", "start_time_of_day": "25:00:00", "duration_seconds": 10}
                        ],
                    }
                ],
            },
            {
                "name": "x",
                "time_zone": "UTC",
                "schedule_layers": [
                    {
                        **layer,
                        "restrictions": [
                            {
                                "type": "weekly_restriction",
                                "start_time_of_day": "01:00:00",
                                "duration_seconds": 10,
                                "start_day_of_week": 8,
                            }
                        ],
                    }
                ],
            },
            {"name": "x", "time_zone": "UTC", "schedule_layers": [{**layer, "restrictions": [{"type": "hourly"}]}]},
            {"name": "x", "time_zone": "UTC", "schedule_layers": [{**layer, "users": [{"user": {"id": "PNOPE00"}}]}]},
        ):
            c.post("/schedules", {"schedule": bad})
        c.get(f"/schedules/{made['id']}", f"since={_at(now)}", f"until={_at(now + timedelta(days=9))}")
        renamed = {**layer, "id": made["schedule_layers"][0]["id"], "users": [{"user": {"id": kenji}}]}
        c.put(
            f"/schedules/{made['id']}",
            {
                "schedule": {
                    "name": "Night Watch EU",
                    "description": "Nights",
                    "schedule_layers": [renamed],
                    "time_zone": "Europe/Dublin",
                    "teams": [],
                }
            },
        )
        c.put(f"/schedules/{made['id']}", {"schedule": {"time_zone": "Nowhere"}})
        c.put(f"/schedules/{schedules[0]['id']}", {"schedule": {"name": "Checkout Primary Renamed"}})
        c.get(f"/escalation_policies/{policies[0]['id']}")
        c.get(f"/schedules/{made['id']}", f"since={_at(now)}", f"until={_at(now + timedelta(days=9))}", "overflow=true")
        overrides = f"/schedules/{schedules[0]['id']}/overrides"
        c.post(
            overrides,
            {
                "override": {
                    "start": _at(now + timedelta(hours=2)),
                    "end": _at(now + timedelta(hours=6)),
                    "user": {"id": kenji, "type": "user_reference"},
                }
            },
        )
        many = c.post(
            overrides,
            {
                "overrides": [
                    {
                        "start": _at(now - timedelta(hours=1)),
                        "end": _at(now + timedelta(hours=3)),
                        "user": {"id": kenji},
                    },
                    {
                        "start": _at(now + timedelta(hours=3)),
                        "end": _at(now + timedelta(hours=1)),
                        "user": {"id": kenji},
                    },
                    {
                        "start": _at(now + timedelta(days=1)),
                        "end": _at(now + timedelta(days=2)),
                        "user": {"id": "PNOPE00"},
                    },
                    {"start": _at(now + timedelta(days=1)), "end": _at(now + timedelta(days=2)), "user": {"id": alex}},
                    "not an override",
                ]
            },
        ).body
        c.post(overrides, {"overrides": []})
        c.post(overrides, {"override": {"start": _at(now), "end": _at(now + timedelta(hours=1))}})
        c.post(
            overrides,
            {"override": {"start": _at(now), "end": _at(now + timedelta(hours=1)), "user": {"id": "PNOPE00"}}},
        )
        c.get(overrides, f"since={_at(now - timedelta(days=1))}", f"until={_at(now + timedelta(days=3))}")
        c.get("/oncalls", f"schedule_ids[]={schedules[0]['id']}", f"until={_at(now + timedelta(days=3))}", "limit=100")
        c.get(f"/schedules/{schedules[0]['id']}", f"since={_at(now)}", f"until={_at(now + timedelta(days=3))}")
        running = many[0]["override"]["id"]
        future = many[3]["override"]["id"]
        c.delete(f"{overrides}/{running}")
        c.delete(f"{overrides}/{future}")
        c.delete(f"{overrides}/{future}")
        c.delete(f"/schedules/{made['id']}/overrides/{running}")
        c.get(overrides, f"since={_at(now - timedelta(days=1))}", f"until={_at(now + timedelta(days=3))}")
        c.delete(f"/schedules/{schedules[0]['id']}")
        c.delete(f"/schedules/{made['id']}")
        c.get(f"/schedules/{made['id']}")
        c.get("/schedules")
    with c.step("shift-schedule-writes"):
        shifts = c.get("/v3/schedules").body["schedules"]
        for bad in (
            {"name": "x", "time_zone": "UTC", "rotations": []},
            {"time_zone": "UTC"},
            {"name": "x"},
            {"name": "x", "time_zone": "Mars/Base"},
            {"name": "x", "time_zone": "UTC", "teams": [{"id": "PNOPE00"}]},
        ):
            c.post("/v3/schedules", {"schedule": bad})
        made = c.post(
            "/v3/schedules",
            {
                "schedule": {
                    "name": "Weekend Cover",
                    "time_zone": "Europe/Paris",
                    "description": "Cover",
                    "teams": [{"id": teams[3]["id"]}],
                }
            },
        ).body["schedule"]
        base = f"/v3/schedules/{made['id']}"
        c.put(base, {"schedule": {"name": "Weekend Cover EU", "time_zone": "Europe/Rome"}})
        c.put(base, {"schedule": {"rotations": []}})
        c.put(base, {"schedule": {"time_zone": "Nowhere"}})
        rotation = c.post(f"{base}/rotations").body["rotation"]
        c.post(f"{base}/rotations", {"name": "x"})
        event = {
            "name": "Days",
            "start_time": {"date_time": _at(now + timedelta(hours=1)), "time_zone": "Europe/Paris"},
            "end_time": {"date_time": _at(now + timedelta(hours=9)), "time_zone": "Europe/Paris"},
            "effective_since": _at(now - timedelta(days=1)),
            "recurrence": ["RRULE:FREQ=DAILY;INTERVAL=1"],
            "assignment_strategy": {
                "type": "rotating_member_assignment_strategy",
                "shifts_per_member": 2,
                "members": [
                    {"type": "user_member", "user_id": alex},
                    {"type": "empty_member"},
                    {"type": "user_member", "user_id": kenji},
                ],
            },
        }
        events_path = f"{base}/rotations/{rotation['id']}/events"
        c.post(events_path, {"event": event})
        c.post(events_path, {"event": event})
        night = {
            **event,
            "name": "Nights",
            "start_time": {"date_time": _at(now + timedelta(hours=10)), "time_zone": "Europe/Paris"},
            "end_time": {"date_time": _at(now + timedelta(hours=14)), "time_zone": "Europe/Paris"},
            "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=6", "EXDATE:20990101T000000Z"],
            "assignment_strategy": {
                "type": "every_member_assignment_strategy",
                "members": [{"type": "user_member", "user_id": kenji}],
            },
        }
        c.post(events_path, {"event": night})
        for bad in (
            {**event, "name": ""},
            {**event, "start_time": "tomorrow"},
            {**event, "start_time": {"date_time": _at(now), "time_zone": "Mars/Base"}},
            {**event, "end_time": event["start_time"]},
            {**event, "effective_until": _at(now - timedelta(days=3))},
            {**event, "recurrence": ["RRULE:FREQ=YEARLY"]},
            {**event, "recurrence": "RRULE:FREQ=DAILY"},
            {**event, "assignment_strategy": {"type": "random"}},
            {**event, "assignment_strategy": {**event["assignment_strategy"], "shifts_per_member": 0}},
            {
                **event,
                "assignment_strategy": {
                    **event["assignment_strategy"],
                    "members": [{"type": "user_member", "user_id": "PNOPE00"}],
                },
            },
        ):
            c.post(events_path, {"event": bad})
        c.post(events_path, "nope")
        c.post(f"{base}/rotations/PNOPE00/events", {"event": event})
        shift_start, shift_end = _at(now + timedelta(days=2)), _at(now + timedelta(days=2, hours=6))
        customs = c.post(
            f"{base}/custom_shifts",
            {
                "custom_shifts": [
                    {
                        "type": "custom_shift",
                        "start_time": shift_start,
                        "end_time": shift_end,
                        "assignments": [{"member": {"type": "user_member", "user_id": alex}}],
                    },
                    {
                        "type": "custom_shift",
                        "start_time": _at(now - timedelta(hours=1)),
                        "end_time": _at(now + timedelta(hours=2)),
                        "assignments": [{"member": {"type": "empty_member"}}],
                    },
                    {
                        "type": "custom_shift",
                        "start_time": _at(now - timedelta(hours=5)),
                        "end_time": _at(now + timedelta(hours=1)),
                        "assignments": [{"member": {"type": "user_member", "user_id": kenji}}],
                    },
                ]
            },
        ).body["custom_shifts"]
        c.post(f"{base}/custom_shifts", {"custom_shifts": []})
        c.post(f"{base}/custom_shifts", {"custom_shifts": [{"type": "shift"}]})
        c.post(
            f"{base}/custom_shifts",
            {
                "custom_shifts": [
                    {"type": "custom_shift", "start_time": shift_end, "end_time": shift_start, "assignments": []}
                ]
            },
        )
        c.post(
            f"{base}/custom_shifts",
            {
                "custom_shifts": [
                    {"type": "custom_shift", "start_time": shift_start, "end_time": shift_end, "assignments": []}
                ]
            },
        )
        overrides = c.post(
            f"{base}/overrides",
            {
                "overrides": [
                    {
                        "type": "override_shift",
                        "rotation_id": rotation["id"],
                        "start_time": _at(now + timedelta(hours=2)),
                        "end_time": _at(now + timedelta(hours=4)),
                        "overridden_member": {"type": "user_member", "user_id": alex},
                        "overriding_member": {"type": "user_member", "user_id": kenji},
                    },
                    {
                        "type": "override_shift",
                        "custom_shift_id": customs[0]["id"],
                        "start_time": shift_start,
                        "end_time": shift_end,
                        "overridden_member": {"type": "user_member", "user_id": alex},
                        "overriding_member": {"type": "empty_member"},
                    },
                ]
            },
        ).body["overrides"]
        c.post(
            f"{base}/overrides",
            {
                "overrides": [
                    {
                        "type": "override_shift",
                        "rotation_id": rotation["id"],
                        "custom_shift_id": customs[0]["id"],
                        "start_time": shift_start,
                        "end_time": shift_end,
                    }
                ]
            },
        )
        c.post(
            f"{base}/overrides",
            {
                "overrides": [
                    {
                        "type": "override_shift",
                        "custom_shift_id": "PNOPE00",
                        "start_time": shift_start,
                        "end_time": shift_end,
                    }
                ]
            },
        )
        c.post(
            f"{base}/overrides",
            {
                "overrides": [
                    {
                        "type": "override_shift",
                        "rotation_id": "PNOPE00",
                        "start_time": shift_start,
                        "end_time": shift_end,
                    }
                ]
            },
        )
        c.post(f"{base}/overrides", {"overrides": [{"type": "override"}]})
        c.post(f"{base}/overrides", {})
        window = (f"since={_at(now - timedelta(days=1))}", f"until={_at(now + timedelta(days=8))}")
        c.get(base, "include[]=final_schedule", *window)
        c.get(f"{base}/custom_shifts", *window)
        c.get(f"{base}/overrides", *window)
        c.get("/oncalls", f"schedule_ids[]={made['id']}", "limit=100")
        c.clock.advance(minutes=30)
        c.delete(f"{base}/custom_shifts/{customs[0]['id']}")
        c.delete(f"{base}/custom_shifts/{customs[1]['id']}")
        c.clock.advance(hours=2)
        c.delete(f"{base}/custom_shifts/{customs[2]['id']}")
        c.delete(f"{base}/custom_shifts/PNOPE00")
        c.delete(f"{base}/overrides/{overrides[0]['id']}")
        c.delete(f"{base}/overrides/{overrides[0]['id']}")
        c.get(f"{base}/custom_shifts", *window)
        c.delete(f"{base}/rotations/{rotation['id']}")
        c.delete(f"{base}/rotations/{rotation['id']}")
        c.get(base, "include[]=final_schedule", *window)
        c.delete(f"/v3/schedules/{shifts[0]['id']}")
        c.delete(base)
        c.get(base)
        c.delete(f"/schedules/{shifts[0]['id']}")


def people_writes(c: Conversation) -> None:
    users = c.get("/users", "limit=100").body["users"]
    teams = c.get("/teams", "limit=100").body["teams"]
    policies = c.get("/escalation_policies", "limit=100").body["escalation_policies"]
    schedules = c.get("/schedules", "limit=100").body["schedules"]
    alex, kenji = _named(users, "Alex Rivera")["id"], _named(users, "Kenji Tanaka")["id"]
    with c.step("team-writes"):
        made = c.post("/teams", {"team": {"name": "Mobile", "description": "Apps"}}).body["team"]
        c.post("/teams", {"team": {"name": "mobile"}})
        c.post("/teams", {"team": {"name": ""}})
        c.post("/teams", {"team": {"name": "Sub", "parent": {"id": "PNOPE00"}}})
        c.post("/teams", {"team": {"name": "Sub", "description": 5}})
        child = c.post("/teams", {"team": {"name": "Mobile iOS", "parent": {"id": made["id"]}}}).body["team"]
        c.put(f"/teams/{made['id']}", {"team": {"name": "Mobile Apps", "description": None}})
        c.put(f"/teams/{made['id']}", {"team": {"name": teams[0]["name"]}})
        c.put(f"/teams/{child['id']}", {"team": {"parent": None}})
        c.put(f"/teams/{made['id']}/users/{alex}")
        c.put(f"/teams/{made['id']}/users/{kenji}", {"role": "observer"})
        c.put(f"/teams/{made['id']}/users/{kenji}", {"role": "boss"})
        c.put(f"/teams/{made['id']}/users/{kenji}", ["responder"])
        c.put(f"/teams/{made['id']}/users/PNOPE00")
        c.get(f"/teams/{made['id']}/members", "include[]=users")
        c.get(f"/users/{alex}")
        c.delete(f"/teams/{made['id']}/users/{kenji}")
        c.delete(f"/teams/{made['id']}/users/{kenji}")
        c.delete(f"/teams/{teams[0]['id']}", f"reassignment_team={made['id']}")
        c.delete(f"/teams/{child['id']}", "reassignment_team=PNOPE00")
        c.delete(f"/teams/{made['id']}")
        c.get("/teams")
        c.get("/services", "limit=100")
        c.get("/escalation_policies", "limit=100")
        c.get(f"/schedules/{schedules[0]['id']}")
    with c.step("user-writes"):
        c.post("/users", {"user": {"name": "New Person", "email": "new.person@acme-shop.example"}})
        made = c.post(
            "/users",
            {
                "user": {
                    "name": " New Person ",
                    "email": "new.person@acme-shop.example",
                    "role": "observer",
                    "time_zone": "Europe/Paris",
                    "job_title": "Intern",
                }
            },
            sender=ALEX,
        ).body["user"]
        for bad in (
            {"name": "x"},
            {"name": "x", "email": "not-an-email"},
            {"name": "x", "email": ALEX},
            {"name": "x", "email": "x@acme-shop.example", "role": "king"},
            {"name": "x", "email": "x@acme-shop.example", "time_zone": "Mars/Base"},
            {"name": "y" * 101, "email": "y@acme-shop.example"},
        ):
            c.post("/users", {"user": bad}, sender=ALEX)
        c.put(f"/users/{made['id']}", {"user": {"name": "Newer Person", "color": "red"}})
        c.put(f"/users/{made['id']}", {"user": {"email": ALEX}})
        c.put(f"/users/{kenji}", {"user": {"name": "Kenji T."}})
        c.get("/escalation_policies", "limit=100")
        c.get("/schedules", "limit=100")
        c.get("/users", "query=new")
        c.delete(f"/users/{alex}")
        c.delete(f"/users/{_named(users, 'Sam Taylor')['id']}")
        c.delete(f"/users/{made['id']}")
        c.delete(f"/users/{made['id']}")
        c.get("/users", "limit=100")
    with c.step("policy-writes"):
        rules = [
            {
                "escalation_delay_in_minutes": 10,
                "targets": [
                    {"id": kenji, "type": "user_reference"},
                    {"id": schedules[1]["id"], "type": "schedule_reference"},
                ],
            }
        ]
        made = c.post(
            "/escalation_policies",
            {
                "escalation_policy": {
                    "name": "Mobile Escalation",
                    "escalation_rules": rules,
                    "num_loops": 2,
                    "teams": [{"id": teams[1]["id"]}],
                }
            },
        ).body["escalation_policy"]
        for bad in (
            {"escalation_rules": rules},
            {"name": policies[0]["name"], "escalation_rules": rules},
            {"name": "x", "escalation_rules": rules, "num_loops": 10},
            {"name": "x", "escalation_rules": []},
            {"name": "x", "escalation_rules": [{"escalation_delay_in_minutes": 0, "targets": []}]},
            {"name": "x", "escalation_rules": [{"escalation_delay_in_minutes": 5, "targets": []}]},
            {
                "name": "x",
                "escalation_rules": [
                    {"escalation_delay_in_minutes": 5, "targets": [{"id": kenji, "type": "team_reference"}]}
                ],
            },
            {
                "name": "x",
                "escalation_rules": [
                    {"escalation_delay_in_minutes": 5, "targets": [{"id": "PNOPE00", "type": "user_reference"}]}
                ],
            },
        ):
            c.post("/escalation_policies", {"escalation_policy": bad})
        c.post(
            "/escalation_policies",
            {"escalation_policy": {"name": "With sender", "escalation_rules": rules}},
            sender="ghost@acme-shop.example",
        )
        c.put(
            f"/escalation_policies/{made['id']}",
            {
                "escalation_policy": {
                    "name": "Mobile Escalation 2",
                    "num_loops": 1,
                    "description": "d",
                    "escalation_rules": rules + rules,
                    "teams": [],
                }
            },
        )
        c.put(f"/escalation_policies/{made['id']}", {"escalation_policy": {"num_loops": 11}})
        c.put(
            f"/escalation_policies/{policies[0]['id']}", {"escalation_policy": {"name": "Checkout Escalation Renamed"}}
        )
        c.get("/services", "limit=100")
        c.get("/oncalls", f"escalation_policy_ids[]={made['id']}", "limit=100")
        c.get("/escalation_policies", f"user_ids[]={kenji}", "include[]=targets")
        c.delete(f"/escalation_policies/{policies[0]['id']}")
        c.delete(f"/escalation_policies/{made['id']}")
        c.delete(f"/escalation_policies/{made['id']}")


def service_writes(c: Conversation) -> None:
    now = c.clock()
    policies = c.get("/escalation_policies", "limit=100").body["escalation_policies"]
    services_ = c.get("/services", "limit=100").body["services"]
    with c.step("service-writes"):
        body = {
            "name": "Mobile API",
            "escalation_policy": {"id": policies[1]["id"], "type": "escalation_policy_reference"},
        }
        made = c.post(
            "/services",
            {
                "service": {
                    **body,
                    "description": "API for apps",
                    "auto_resolve_timeout": 14400,
                    "acknowledgement_timeout": 0,
                    "incident_urgency_rule": {"type": "constant", "urgency": "severity_based"},
                }
            },
        ).body["service"]
        for bad in (
            {**body, "status": "disabled"},
            {"name": "x"},
            {**body, "name": "  "},
            {"escalation_policy": body["escalation_policy"]},
            {**body, "name": services_[0]["name"]},
            {**body, "escalation_policy": {"id": "PNOPE00"}},
            {**body, "auto_resolve_timeout": -1},
            {
                **body,
                "incident_urgency_rule": {
                    "type": "use_support_hours",
                    "during_support_hours": {"urgency": "high"},
                    "outside_support_hours": {"urgency": "low"},
                },
            },
            {**body, "incident_urgency_rule": {"type": "sometimes"}},
            {
                **body,
                "support_hours": {
                    "type": "fixed_time_per_day",
                    "start_time": "9am",
                    "end_time": "17:00:00",
                    "days_of_week": [1],
                    "time_zone": "UTC",
                },
            },
            {
                **body,
                "support_hours": {
                    "type": "fixed_time_per_day",
                    "start_time": "09:00",
                    "end_time": "17:00:00",
                    "days_of_week": [0],
                    "time_zone": "UTC",
                },
            },
            {**body, "alert_creation": "never"},
        ):
            c.post("/services", {"service": bad})
        ident = made["id"]
        supported = {
            "type": "use_support_hours",
            "during_support_hours": {"type": "constant", "urgency": "high"},
            "outside_support_hours": {"type": "constant", "urgency": "low"},
        }
        hours = {
            "type": "fixed_time_per_day",
            "time_zone": "Europe/Berlin",
            "start_time": "09:00:00",
            "end_time": "17:00:00",
            "days_of_week": [1, 2, 3, 4, 5],
        }
        c.put(
            f"/services/{ident}",
            {
                "service": {
                    "incident_urgency_rule": supported,
                    "support_hours": hours,
                    "alert_creation": "create_incidents",
                }
            },
        )
        c.put(
            f"/services/{ident}",
            {"service": {"name": "Mobile Gateway", "escalation_policy": {"id": policies[2]["id"]}}},
        )
        c.put(f"/services/{ident}", {"service": {"status": "maintenance"}})
        c.put(f"/services/{ident}", {"service": {"support_hours": None}})
        c.put(f"/services/{ident}", {"service": {"status": "disabled"}})
        c.put(f"/services/{services_[0]['id']}", {"service": {"name": "Checkout API v2", "description": None}})
        c.get(f"/services/{ident}", "include[]=escalation_policies", "include[]=teams")
        c.get(f"/escalation_policies/{policies[1]['id']}")
        c.get(f"/escalation_policies/{policies[2]['id']}")
        events = c.post(
            f"/services/{ident}/integrations",
            {"integration": {"type": "events_api_v2_inbound_integration", "name": "Events"}},
        ).body["integration"]
        c.post(
            f"/services/{ident}/integrations",
            {"integration": {"type": "generic_email_inbound_integration", "name": "Mail"}},
        )
        c.post(
            f"/services/{ident}/integrations",
            {
                "integration": {
                    "type": "generic_email_inbound_integration",
                    "name": "Mail 2",
                    "integration_email": "alerts@example.org",
                    "email_filter_mode": "or-rules-email",
                }
            },
        )
        c.post(f"/services/{ident}/integrations", {"integration": {"type": "carrier_pigeon", "name": "Birds"}})
        c.post(
            f"/services/{ident}/integrations",
            {"integration": {"type": "events_api_v2_inbound_integration", "name": ""}},
        )
        c.post(
            "/services/PNOPE00/integrations",
            {"integration": {"type": "events_api_v2_inbound_integration", "name": "x"}},
        )
        c.get(f"/services/{ident}/integrations/{events['id']}")
        c.post(
            "/v2/enqueue",
            {
                "routing_key": events["integration_key"],
                "event_action": "trigger",
                "payload": {"summary": "Mobile down", "source": "x", "severity": "error"},
            },
            token=None,
        )
        c.put(f"/services/{ident}", {"service": {"status": "active"}})
        c.post(
            "/v2/enqueue",
            {
                "routing_key": events["integration_key"],
                "event_action": "trigger",
                "payload": {"summary": "Mobile down", "source": "x", "severity": "warning"},
            },
            token=None,
        )
        c.get(f"/services/{ident}")
        c.get("/incidents", f"service_ids[]={ident}")
        c.delete(f"/services/{services_[1]['id']}")
        c.delete(f"/services/{services_[1]['id']}")
        c.get(f"/service_dependencies/technical_services/{services_[0]['id']}")
        c.get("/maintenance_windows")
        c.get(f"/escalation_policies/{services_[1]['escalation_policy']['id']}")
    with c.step("maintenance-writes"):
        window = {
            "start_time": _at(now - timedelta(hours=1)),
            "end_time": _at(now + timedelta(hours=2)),
            "description": "Deploy freeze",
            "services": [{"id": services_[2]["id"], "type": "service_reference"}],
        }
        c.post("/maintenance_windows", {"maintenance_window": window})
        ongoing = c.post("/maintenance_windows", {"maintenance_window": window}, sender=ALEX).body["maintenance_window"]
        future = c.post(
            "/maintenance_windows",
            {
                "maintenance_window": {
                    **window,
                    "start_time": _at(now + timedelta(days=1)),
                    "end_time": _at(now + timedelta(days=1, hours=1)),
                    "description": "",
                }
            },
            sender=ALEX,
        ).body["maintenance_window"]
        for bad in (
            {**window, "start_time": None},
            {**window, "end_time": _at(now - timedelta(minutes=5))},
            {**window, "start_time": _at(now + timedelta(hours=3))},
            {**window, "services": []},
            {**window, "services": [{"id": "PNOPE00"}]},
        ):
            c.post("/maintenance_windows", {"maintenance_window": bad}, sender=ALEX)
        c.get(f"/services/{services_[2]['id']}")
        c.get("/maintenance_windows", "filter=open", "include[]=services")
        c.delete(f"/maintenance_windows/{ongoing['id']}")
        c.delete(f"/maintenance_windows/{future['id']}")
        c.delete(f"/maintenance_windows/{ongoing['id']}")
        past = c.get("/maintenance_windows", "filter=past").body["maintenance_windows"]
        c.delete(f"/maintenance_windows/{past[0]['id']}")
        c.get("/maintenance_windows")
    with c.step("grouping-writes"):
        target = [{"id": services_[3]["id"], "type": "service_reference"}]
        made = c.post(
            "/alert_grouping_settings",
            {"alert_grouping_setting": {"name": "Time", "type": "time", "config": {"timeout": 0}, "services": target}},
        ).body["alert_grouping_setting"]
        for bad in (
            {"type": "magic", "services": target},
            {"type": "time", "services": []},
            {"type": "time", "services": [{"id": "PNOPE00"}], "config": {"timeout": 5}},
            {
                "type": "content_based",
                "services": target,
                "config": {"aggregate": "some", "fields": [], "time_window": 7},
            },
            {
                "type": "content_based_intelligent",
                "services": [*target, {"id": services_[4]["id"]}],
                "config": {"aggregate": "all", "fields": ["summary"], "time_window": 86400},
            },
            {"type": "intelligent", "services": target, "config": {"time_window": 4000}},
        ):
            c.post("/alert_grouping_settings", {"alert_grouping_setting": bad})
        c.put(
            f"/alert_grouping_settings/{made['id']}",
            {
                "alert_grouping_setting": {
                    "type": "intelligent",
                    "config": {"time_window": 600, "iag_fields": ["summary"]},
                    "description": "d",
                }
            },
        )
        c.put(f"/alert_grouping_settings/{made['id']}", {"alert_grouping_setting": {"services": []}})
        key = ""
        for integration in services_[3]["integrations"]:
            found = c.get(f"/services/{services_[3]['id']}/integrations/{integration['id']}").body["integration"]
            key = found.get("integration_key") or key
        if key:
            for n in range(3):
                c.post(
                    "/v2/enqueue",
                    {
                        "routing_key": key,
                        "event_action": "trigger",
                        "dedup_key": f"group-{n}",
                        "payload": {"summary": "Same thing", "source": "x", "severity": "error"},
                    },
                    token=None,
                )
            c.get(
                "/incidents", f"service_ids[]={services_[3]['id']}", "statuses[]=triggered", "statuses[]=acknowledged"
            )
        c.get("/alert_grouping_settings", "limit=100")
        c.delete(f"/alert_grouping_settings/{made['id']}")
        c.delete(f"/alert_grouping_settings/{made['id']}")
    with c.step("orchestration-writes"):
        teams = c.get("/teams", "limit=100").body["teams"]
        made = c.post(
            "/event_orchestrations",
            {"orchestration": {"name": "Mobile orchestration", "description": "Apps", "team": {"id": teams[1]["id"]}}},
        ).body["orchestration"]
        c.post("/event_orchestrations", {"orchestration": {"name": " "}})
        c.post("/event_orchestrations", {"orchestration": {"name": "x", "team": {"id": "PNOPE00"}}})
        c.post("/event_orchestrations", {"orchestration": {"name": "Account-made"}}, token=SANDBOX_ACCOUNT_TOKEN)
        base = f"/event_orchestrations/{made['id']}"
        good = {
            "sets": [
                {
                    "id": "start",
                    "rules": [
                        {
                            "label": "Mobile",
                            "conditions": [
                                {"expression": "event.summary matches part 'mobile' and not event.source exists"}
                            ],
                            "actions": {"route_to": services_[3]["id"]},
                        },
                        {
                            "conditions": [{"expression": "event.custom_details.app matches regex '^ios'"}],
                            "actions": {"route_to": services_[4]["id"]},
                        },
                    ],
                }
            ],
            "catch_all": {"actions": {"route_to": "unrouted"}},
        }
        c.put(f"{base}/router", {"orchestration_path": good})
        for bad in (
            {"sets": []},
            {"sets": [{"id": "main", "rules": []}]},
            {"sets": [{"id": "start", "rules": [{"actions": {"route_to": "PNOPE00"}}]}, {"id": "two", "rules": "x"}]},
            {"sets": [{"id": "start", "rules": [{"conditions": ["x"], "actions": []}]}], "catch_all": []},
        ):
            c.put(f"{base}/router", {"orchestration_path": bad})
        c.put(
            f"{base}/global",
            {
                "orchestration_path": {
                    "sets": [
                        {
                            "id": "start",
                            "rules": [
                                {
                                    "conditions": [{"expression": "event.summary matches part 'noise'"}],
                                    "actions": {"drop_event": True},
                                },
                                {
                                    "conditions": [
                                        {"expression": "event.severity matches 'info' or event.component matches 'x'"}
                                    ],
                                    "actions": {"route_to": "second"},
                                },
                            ],
                        },
                        {"id": "second", "rules": [{"actions": {"severity": "warning", "priority": "PNOPE00"}}]},
                    ]
                }
            },
        )
        c.put(
            f"{base}/unrouted",
            {
                "orchestration_path": {
                    "sets": [{"id": "start", "rules": []}],
                    "catch_all": {"actions": {"suppress": True}},
                }
            },
        )
        c.put(
            f"{base}/unrouted",
            {"orchestration_path": {"sets": [{"id": "start", "rules": []}]}},
            token=SANDBOX_ACCOUNT_TOKEN,
        )
        c.put(
            f"/event_orchestrations/services/{services_[3]['id']}",
            {
                "orchestration_path": {
                    "sets": [
                        {
                            "id": "start",
                            "rules": [
                                {
                                    "conditions": [{"expression": "event.custom_details.app matches 'ios-beta'"}],
                                    "actions": {"suppress": True},
                                }
                            ],
                        }
                    ]
                }
            },
        )
        c.put(
            "/event_orchestrations/services/PNOPE00", {"orchestration_path": {"sets": [{"id": "start", "rules": []}]}}
        )
        for kind in ("router", "global", "unrouted"):
            c.get(f"{base}/{kind}")
        c.get(base)
        c.get(f"/event_orchestrations/services/{services_[3]['id']}")
        routing = c.get(base).body["orchestration"]["integrations"][0]["parameters"]["routing_key"]
        for payload in (
            {"summary": "mobile crash", "severity": "error"},
            {"summary": "mobile crash", "source": "phone", "severity": "error"},
            {"summary": "App noise", "source": "x", "severity": "error"},
            {"summary": "App", "source": "x", "severity": "info", "custom_details": {"app": "ios-beta"}},
            {"summary": "App", "source": "x", "severity": "critical", "custom_details": {"app": "android"}},
        ):
            c.post(
                "/v2/enqueue",
                {"routing_key": routing, "event_action": "trigger", "payload": {"source": "", **payload}},
                token=None,
            )
        c.get("/incidents", "statuses[]=triggered", "limit=100")
        c.get("/event_orchestrations")


def outbound_writes(c: Conversation) -> None:
    services_ = c.get("/services", "limit=100").body["services"]
    teams = c.get("/teams", "limit=100").body["teams"]
    with c.step("webhook-writes"):
        body = {
            "delivery_method": {
                "type": "http_delivery_method",
                "url": "https://hooks.example/pd",
                "custom_headers": [{"name": "X-Token", "value": "s3cret"}],
            },
            "events": ["incident.triggered", "incident.resolved", "incident.triggered"],
            "filter": {"type": "service_reference", "id": services_[0]["id"]},
            "description": "Ops bot",
        }
        made = c.post("/webhook_subscriptions", {"webhook_subscription": body}).body["webhook_subscription"]
        for bad in (
            {**body, "delivery_method": {"type": "email", "url": "x"}},
            {**body, "delivery_method": {"url": "ftp://x"}},
            {**body, "delivery_method": {"url": "http://hooks.example/pd"}},
            {**body, "events": []},
            {**body, "events": ["incident.exploded"]},
            {**body, "filter": {"type": "team_reference"}},
            {**body, "filter": {"type": "team_reference", "id": "PNOPE00"}},
            {**body, "filter": {"type": "user_reference"}},
            {**body, "active": "yes"},
            {**body, "delivery_method": {"url": "https://x.example", "custom_headers": [{"name": "X"}]}},
            {**body, "delivery_method": {"url": "https://x.example", "custom_headers": "X: y"}},
        ):
            c.post("/webhook_subscriptions", {"webhook_subscription": bad})
        local = c.post(
            "/webhook_subscriptions",
            {
                "webhook_subscription": {
                    **body,
                    "delivery_method": {"url": "http://127.0.0.1:9/hook"},
                    "filter": {"type": "account_reference"},
                    "active": False,
                }
            },
        ).body["webhook_subscription"]
        path = f"/webhook_subscriptions/{made['id']}"
        c.put(
            path,
            {
                "webhook_subscription": {
                    "description": None,
                    "events": ["pagey.ping"],
                    "filter": {"type": "team_reference", "id": teams[0]["id"]},
                    "active": False,
                }
            },
        )
        c.put(path, {"webhook_subscription": {"active": "no"}})
        c.put(path, {"webhook_subscription": {"events": ["nope"], "description": "not applied"}})
        c.post(f"{path}/enable")
        c.post(f"{path}/ping")
        c.post(f"/webhook_subscriptions/{local['id']}/ping")
        c.post("/webhook_subscriptions/PNOPE00/ping")
        c.get(path)
        c.get("/webhook_subscriptions", "filter_type=team", f"filter_id={teams[0]['id']}")
        c.get("/webhook_subscriptions", "filter_type=service")
        disabled = [
            s
            for s in c.get("/webhook_subscriptions").body["webhook_subscriptions"]
            if s["delivery_method"]["temporarily_disabled"]
        ]
        for subscription in disabled:
            c.post(f"/webhook_subscriptions/{subscription['id']}/enable")
        c.delete(path)
        c.delete(path)
        c.get(path)
        c.get("/webhook_subscriptions")
    with c.step("status-page-writes"):
        pages = c.get("/status_pages").body["status_pages"]
        page = pages[0]["id"]
        statuses = c.get(f"/status_pages/{page}/statuses").body["statuses"]
        severities = c.get(f"/status_pages/{page}/severities").body["severities"]
        impacts = c.get(f"/status_pages/{page}/impacts").body["impacts"]
        page_services = c.get(f"/status_pages/{page}/services").body["services"]

        def first(rows: list[dict[str, Any]], post_type: str) -> dict[str, str]:
            return {"id": next(r["id"] for r in rows if r.get("post_type", post_type) == post_type)}

        update = {
            "message": "Looking into it",
            "status": first(statuses, "incident"),
            "severity": first(severities, "incident"),
            "impacted_services": [{"service": first(page_services, "incident"), "impact": first(impacts, "incident")}],
            "update_frequency_ms": None,
            "notify_subscribers": False,
        }
        post = {
            "type": "status_page_post",
            "title": "Slow checkout",
            "post_type": "incident",
            "status_page": {"id": page},
            "starts_at": None,
            "ends_at": None,
            "updates": [update],
        }
        made = c.post(f"/status_pages/{page}/posts", {"post": post}).body["post"]
        maintenance = {
            "message": "Planned",
            "status": first(statuses, "maintenance"),
            "severity": first(severities, "maintenance"),
            "impacted_services": [],
            "update_frequency_ms": 60000,
            "notify_subscribers": True,
        }
        c.post(
            f"/status_pages/{page}/posts",
            {
                "post": {
                    **post,
                    "title": "DB upgrade",
                    "post_type": "maintenance",
                    "starts_at": _at(c.clock() + timedelta(days=2)),
                    "ends_at": _at(c.clock() + timedelta(days=2, hours=1)),
                    "updates": [maintenance],
                }
            },
        )
        for bad in (
            {**post, "type": "post"},
            {**post, "title": ""},
            {**post, "post_type": "rumour"},
            {**post, "status_page": {"id": "PNOPE00"}},
            {k: v for k, v in post.items() if k != "starts_at"},
            {**post, "post_type": "maintenance"},
            {**post, "starts_at": _at(c.clock()), "ends_at": _at(c.clock() - timedelta(hours=1))},
            {**post, "updates": []},
            {**post, "updates": [{**update, "message": ""}]},
            {**post, "updates": [{k: v for k, v in update.items() if k != "update_frequency_ms"}]},
            {**post, "updates": [{**update, "notify_subscribers": "no"}]},
            {**post, "updates": [{**update, "status": {"id": "PNOPE00"}}]},
            {**post, "updates": [{**update, "status": first(statuses, "maintenance")}]},
            {**post, "updates": [{**update, "impacted_services": ["x"]}]},
        ):
            c.post(f"/status_pages/{page}/posts", {"post": bad})
        base = f"/status_pages/{page}/posts/{made['id']}"
        c.clock.advance(minutes=10)
        c.post(f"{base}/post_updates", {"post_update": {**update, "message": "Fixed", "post": {"id": made["id"]}}})
        c.post(f"{base}/post_updates", {"post_update": {**update, "post": {"id": "PNOPE00"}}})
        c.put(f"{base}/postmortem", {"postmortem": {"message": "What happened", "notify_subscribers": False}})
        c.put(f"{base}/postmortem", {"postmortem": {"message": "What happened, revised", "notify_subscribers": True}})
        c.put(f"{base}/postmortem", {"postmortem": {"message": "", "notify_subscribers": True}})
        c.put(f"{base}/postmortem", {"postmortem": {"message": "x"}})
        c.get(base, "include[]=status_page_post_update")
        c.get(f"{base}/post_updates")
        c.get(f"{base}/postmortem")
        c.get(f"/status_pages/{page}/posts")
        c.get(f"/status_pages/{pages[1]['id']}/posts/{made['id']}")


def identity(c: Conversation) -> None:
    users = c.get("/users", "limit=100").body["users"]
    chloe = _named(users, "Chloe Martin")
    client = {"client_id": SANDBOX_OAUTH_CLIENT_ID, "client_secret": SANDBOX_OAUTH_CLIENT_SECRET}
    verifier = "a-verifier-of-enough-length-0123456789-abcdefghijklmnop"
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    authorize = ("response_type=code", f"client_id={SANDBOX_OAUTH_CLIENT_ID}", f"redirect_uri={CALLBACK}", "state=xyz")
    pkce = (f"code_challenge={challenge}", "code_challenge_method=S256")

    def code_from(answer: Answer) -> str:
        return parse_qs(urlsplit(answer.location).query).get("code", [""])[0]

    with c.step("oauth-client-credentials"):
        token_path = "/oauth/token"
        c.post(token_path, form={**client, "grant_type": "password"}, token=None)
        c.post(token_path, form={**client, "grant_type": "client_credentials", "client_secret": "wrong"}, token=None)
        issued = c.post(
            token_path,
            form={**client, "grant_type": "client_credentials", "scope": "incidents.read  priorities.read"},
            token=None,
        ).body
        c.post(token_path, body={**client, "grant_type": "client_credentials"}, token=None)
        bearer = f"Bearer {issued['access_token']}"
        c.get("/incidents", "limit=3", auth=bearer)
        c.get("/priorities", auth=bearer)
        c.get("/users", auth=bearer)
        c.get("/users/me", auth=bearer)
        c.post("/teams", {"team": {"name": "Scoped"}}, auth=bearer)
        c.get("/incidents", auth="Bearer not-a-token")
    with c.step("oauth-sign-in"):
        c.get("/oauth/authorize", *authorize, *pkce, "scope=read write", token=None)
        c.get("/oauth/authorize", "response_type=code", "client_id=nobody", f"redirect_uri={CALLBACK}", token=None)
        c.get(
            "/oauth/authorize",
            "response_type=code",
            f"client_id={SANDBOX_OAUTH_CLIENT_ID}",
            "redirect_uri=https://evil.example/cb",
            token=None,
        )
        c.get(
            "/oauth/authorize",
            "response_type=token",
            f"client_id={SANDBOX_OAUTH_CLIENT_ID}",
            f"redirect_uri={CALLBACK}",
            token=None,
        )
        c.get("/oauth/authorize", *authorize, token=None)
        c.get("/oauth/authorize", *authorize, *pkce, "deny=1", token=None)
        c.get("/oauth/authorize", *authorize, *pkce, "login_as=nobody@acme-shop.example", token=None)
        mine = code_from(c.get("/oauth/authorize", *authorize, *pkce, "scope=read write incidents.write", token=None))
        exchange = {**client, "grant_type": "authorization_code", "redirect_uri": CALLBACK, "code_verifier": verifier}
        c.post("/oauth/token", form={**exchange, "code": mine, "code_verifier": "wrong-verifier"}, token=None)
        c.post("/oauth/token", form={**exchange, "code": mine, "redirect_uri": "http://127.0.0.1:1/other"}, token=None)
        c.post("/oauth/token", form={**exchange, "code": "no-such-code"}, token=None)
        c.post("/oauth/token", form={**exchange, "code": mine, "client_secret": "wrong"}, token=None)
        pair = c.post("/oauth/token", form={**exchange, "code": mine}, token=None).body
        user_bearer = f"Bearer {pair['access_token']}"
        c.get("/users/me", auth=user_bearer)
        c.post(
            "/incidents",
            {"incident": {"type": "incident", "title": "x", "service": {"id": "PNOPE00"}}},
            auth=user_bearer,
            sender=ALEX,
        )
        observer = code_from(
            c.get(
                "/oauth/authorize",
                *authorize,
                *pkce,
                f"login_as={chloe['email'].upper()}",
                "scope=read write",
                token=None,
            )
        )
        basic = base64.b64encode(f"{SANDBOX_OAUTH_CLIENT_ID}:{SANDBOX_OAUTH_CLIENT_SECRET}".encode()).decode()
        watching = c.post(
            "/oauth/token",
            form={
                "grant_type": "authorization_code",
                "code": observer,
                "redirect_uri": CALLBACK,
                "code_verifier": verifier,
            },
            auth=f"Basic {basic}",
        ).body
        c.get("/users/me", auth=f"Bearer {watching['access_token']}")
        c.post("/teams", {"team": {"name": "Observed"}}, auth=f"Bearer {watching['access_token']}")
        c.post("/oauth/token", form={**exchange, "code": observer}, token=None)
        c.get("/users/me", auth=f"Bearer {watching['access_token']}")
        c.post("/oauth/token", form={"grant_type": "authorization_code", "code": observer}, auth="Basic !!!")
        by_id = code_from(c.get("/oauth/authorize", *authorize, *pkce, f"login_as={chloe['id']}", token=None))
        c.clock.advance(minutes=11)
        c.post("/oauth/token", form={**exchange, "code": by_id}, token=None)
        refresh = {**client, "grant_type": "refresh_token", "refresh_token": pair["refresh_token"]}
        c.post("/oauth/token", form={**refresh, "scope": "read write admin"}, token=None)
        renewed = c.post("/oauth/token", form={**refresh, "scope": "read"}, token=None).body
        c.post("/oauth/token", form=refresh, token=None)
        c.get("/users/me", auth=user_bearer)
        c.get("/users/me", auth=f"Bearer {renewed['access_token']}")
        c.post("/oauth/token", form={**refresh, "refresh_token": "never-issued"}, token=None)
        c.post("/oauth/token", body={**refresh, "refresh_token": renewed["refresh_token"]}, token=None)
        c.post("/oauth/revoke", form={**client, "token": renewed["access_token"]}, token=None)
        c.post("/oauth/revoke", form={"token": "x"}, token=None)
        later = code_from(c.get("/oauth/authorize", *authorize, *pkce, token=None))
        again = c.post("/oauth/token", form={**exchange, "code": later}, token=None).body
        c.post("/oauth/revoke", form={**client, "token": again["refresh_token"]}, token=None)
        c.get("/users/me", auth=f"Bearer {again['access_token']}")
        c.post("/oauth/revoke", form={**client, "token": "unknown"}, token=None)
        last = code_from(c.get("/oauth/authorize", *authorize, *pkce, token=None))
        fresh = c.post("/oauth/token", form={**exchange, "code": last}, token=None).body
        c.clock.advance(hours=2)
        c.get("/users/me", auth=f"Bearer {fresh['access_token']}")
        c.clock.advance(days=31)
        c.post(
            "/oauth/token",
            form={**client, "grant_type": "refresh_token", "refresh_token": fresh["refresh_token"]},
            token=None,
        )


def stakeholders(c: Conversation) -> None:
    """Business-service impact, status-update subscribers, cancelled responder requests, log times in
    a zone and reviewed post updates: added after the rest, so that no earlier step changes."""
    users = c.get("/users", "limit=100").body["users"]
    teams = c.get("/teams", "limit=100").body["teams"]
    business = c.get("/business_services").body["business_services"]
    policies = c.get("/escalation_policies", "limit=100").body["escalation_policies"]
    alex, chloe = _named(users, "Alex Rivera")["id"], _named(users, "Chloe Martin")["id"]
    open_ = c.get(
        "/incidents", "statuses[]=triggered", "statuses[]=acknowledged", "date_range=all", "sort_by=created_at:desc"
    ).body["incidents"]
    newest, other = open_[0]["id"], open_[-1]["id"]
    with c.step("business-impact"):
        fields = ("additional_fields[]=services.highest_impacting_priority", "additional_fields[]=total_impacted_count")
        c.get("/business_services/impacts")
        c.get("/business_services/impacts", *fields)
        c.get("/business_services/impacts", f"ids[]={business[0]['id']}", "ids[]=PNOPE00", *fields)
        c.get("/business_services/impacts", "additional_fields[]=bogus")
        c.get("/business_services/impactors")
        c.get("/business_services/impactors", f"ids[]={business[-1]['id']}")
        for incident in (newest, other):
            c.get(f"/incidents/{incident}/business_services/impacts")
        c.get(f"/incidents/{newest}/business_services/impacts", "limit=1")
        c.get("/incidents/PNOPE00/business_services/impacts")
        for target in business:
            c.put(f"/incidents/{other}/business_services/{target['id']}/impacts", {"relation": "impacted"})
        c.put(f"/incidents/{newest}/business_services/{business[0]['id']}/impacts", {"relation": "not_impacted"})
        c.put(f"/incidents/{newest}/business_services/{business[0]['id']}/impacts", {"relation": "maybe"})
        c.put(f"/incidents/{newest}/business_services/{business[0]['id']}/impacts", [])
        c.put(f"/incidents/{newest}/business_services/PNOPE00/impacts", {"relation": "impacted"})
        c.put(f"/incidents/PNOPE00/business_services/{business[0]['id']}/impacts", {"relation": "impacted"})
        for incident in (newest, other):
            c.get(f"/incidents/{incident}/business_services/impacts")
        c.get("/business_services/impacts", *fields)
        c.get("/business_services/impactors")
    with c.step("subscribers"):
        path = f"/incidents/{newest}/status_updates"
        c.get(f"{path}/subscribers")
        c.get(f"/incidents/{other}/status_updates/subscribers")
        c.get("/incidents/PNOPE00/status_updates/subscribers")
        team = {"subscriber_id": teams[-1]["id"], "subscriber_type": "team"}
        user = {"subscriber_id": alex, "subscriber_type": "user"}
        c.post(
            f"{path}/subscribers", {"subscribers": [team, user, {"subscriber_id": chloe, "subscriber_type": "user"}]}
        )
        c.post(f"{path}/subscribers", {"subscribers": []})
        c.post(f"{path}/subscribers", {"subscribers": [team, team]})
        c.post(f"{path}/subscribers", {"subscribers": [{"subscriber_id": "PNOPE00", "subscriber_type": "user"}]})
        c.post(f"{path}/subscribers", {"subscribers": [{"subscriber_id": alex, "subscriber_type": "service"}]})
        c.get(f"{path}/subscribers")
        c.post(f"{path}/unsubscribe", {"subscribers": [user, {"subscriber_id": "PNOPE00", "subscriber_type": "team"}]})
        c.post(f"{path}/unsubscribe", {"subscribers": "everyone"})
        c.get(f"{path}/subscribers")
    with c.step("responder-cancel"):
        base = f"/incidents/{newest}/responder_requests"
        request = {
            "requester_id": alex,
            "message": "Please help",
            "responder_request_targets": [
                {"responder_request_target": {"id": chloe, "type": "user_reference"}},
                {"responder_request_target": {"id": policies[1]["id"], "type": "escalation_policy_reference"}},
            ],
        }
        c.post(base, request)
        targets = [
            {"id": chloe, "type": "user_reference"},
            {"id": policies[1]["id"], "type": "escalation_policy_reference"},
            {"id": policies[2]["id"], "type": "escalation_policy_reference"},
        ]
        c.put(f"{base}/cancel", {"requester_id": alex, "responder_request_targets": targets})
        c.put(f"{base}/cancel", {"requester_id": alex, "responder_request_targets": targets[:1]})
        c.put(f"{base}/cancel", {"requester_id": "PNOPE00", "responder_request_targets": targets})
        c.put(f"{base}/cancel", {"requester_id": alex, "responder_request_targets": []})
        c.put(f"{base}/cancel", {"requester_id": alex, "responder_request_targets": [{"id": alex, "type": "team"}]})
        c.put(
            "/incidents/PNOPE00/responder_requests/cancel", {"requester_id": alex, "responder_request_targets": targets}
        )
        c.get(f"/incidents/{newest}")
    with c.step("log-times-and-reviews"):
        c.get(f"/incidents/{newest}/log_entries", "time_zone=Asia/Tokyo")
        c.get("/log_entries", "time_zone=America/Sao_Paulo", "limit=5")
        c.get("/log_entries", "time_zone=Mars/Base")
        page = c.get("/status_pages").body["status_pages"][0]["id"]
        post = c.get(f"/status_pages/{page}/posts").body["posts"][0]
        latest = c.get(f"/status_pages/{page}/posts/{post['id']}/post_updates").body["post_updates"][-1]
        draft = {
            key: latest[key]
            for key in ("status", "severity", "impacted_services", "update_frequency_ms", "notify_subscribers")
        }
        draft.update(post={"id": post["id"]}, message="Drafted, awaiting review", reviewed_status="not_reviewed")
        c.post(f"/status_pages/{page}/posts/{post['id']}/post_updates", {"post_update": draft})
        c.post(
            f"/status_pages/{page}/posts/{post['id']}/post_updates", {"post_update": {**draft, "reviewed_status": "x"}}
        )
        for state in ("not_reviewed", "approved", "bogus"):
            c.get(f"/status_pages/{page}/posts/{post['id']}/post_updates", f"reviewed_status={state}")
            c.get(f"/status_pages/{page}/posts", f"reviewed_status={state}")


def notification_writes(c: Conversation) -> None:
    users = c.get("/users", "limit=100").body["users"]
    noah, alex = _named(users, "Noah Kim")["id"], _named(users, "Alex Rivera")["id"]
    with c.step("notification-writes"):
        for user in (noah, alex):
            c.get(f"/users/{user}/oncall_handoff_notification_rules")
        c.get("/users/PNOPE00/oncall_handoff_notification_rules")
        methods = f"/users/{noah}/contact_methods"
        phone = c.post(
            methods,
            {
                "contact_method": {
                    "type": "phone_contact_method",
                    "label": "Desk",
                    "address": "5550199",
                    "country_code": 44,
                }
            },
        ).body["contact_method"]
        push = c.post(
            methods,
            {
                "contact_method": {
                    "type": "push_notification_contact_method",
                    "label": "Pixel",
                    "address": "token-abc",
                    "device_type": "android",
                }
            },
        ).body["contact_method"]
        for bad in (
            {"type": "fax_contact_method", "label": "x", "address": "1"},
            {"type": "email_contact_method", "label": "x", "address": "not-an-email"},
            {"type": "phone_contact_method", "label": "x", "address": "5550199"},
            {"type": "phone_contact_method", "label": "Desk", "address": "5550199", "country_code": 44},
            {"type": "sms_contact_method", "label": "", "address": "5550199", "country_code": 1},
            {"type": "push_notification_contact_method", "label": "x", "address": "t", "device_type": "nokia"},
        ):
            c.post(methods, {"contact_method": bad})
        c.get(f"{methods}/{phone['id']}")
        c.get(f"/users/{alex}/contact_methods/{phone['id']}")
        c.put(f"{methods}/{phone['id']}", {"contact_method": {"label": "Office", "address": "5550198"}})
        c.put(f"{methods}/{phone['id']}", {"contact_method": {"type": "sms_contact_method"}})
        rules = f"/users/{noah}/notification_rules"
        rule = c.post(
            rules,
            {
                "notification_rule": {
                    "type": "assignment_notification_rule",
                    "start_delay_in_minutes": 2,
                    "urgency": "low",
                    "contact_method": {"id": phone["id"], "type": "phone_contact_method_reference"},
                }
            },
        ).body["notification_rule"]
        alex_method = c.get(f"/users/{alex}/contact_methods").body["contact_methods"][0]
        for bad in (
            {"start_delay_in_minutes": 2, "urgency": "medium", "contact_method": {"id": phone["id"]}},
            {"start_delay_in_minutes": -1, "urgency": "high", "contact_method": {"id": phone["id"]}},
            {"start_delay_in_minutes": 0, "urgency": "high", "contact_method": {"id": alex_method["id"]}},
        ):
            c.post(rules, {"notification_rule": bad})
        c.put(f"{rules}/{rule['id']}", {"notification_rule": {"start_delay_in_minutes": 7, "urgency": "high"}})
        c.get(f"{rules}/{rule['id']}")
        c.get(rules, "urgency=all")
        handoffs = f"/users/{noah}/oncall_handoff_notification_rules"
        handoff = c.post(
            handoffs,
            {
                "oncall_handoff_notification_rule": {
                    "handoff_type": "offcall",
                    "notify_advance_in_minutes": 30,
                    "contact_method": {"id": push["id"], "type": "push_notification_contact_method"},
                }
            },
        ).body["oncall_handoff_notification_rule"]
        c.post(handoffs, {"oncall_handoff_notification_rule": {"handoff_type": "sometimes", "contact_method": push}})
        c.put(f"{handoffs}/{handoff['id']}", {"oncall_handoff_notification_rule": {"notify_advance_in_minutes": 90}})
        c.get(f"{handoffs}/{handoff['id']}")
        c.delete(f"{methods}/{push['id']}")
        c.get(handoffs)
        c.delete(f"{rules}/{rule['id']}")
        c.delete(f"{rules}/{rule['id']}")
        c.delete(f"{handoffs}/PNOPE00")
        email = next(m for m in c.get(methods).body["contact_methods"] if m["type"] == "email_contact_method")
        c.delete(f"{methods}/{email['id']}")
        c.delete(f"{methods}/{phone['id']}")
        c.get(f"/users/{noah}", "include[]=contact_methods", "include[]=notification_rules")


def shift_edits(c: Conversation) -> None:
    now = c.clock()
    users = c.get("/users", "limit=100").body["users"]
    alex, kenji = _named(users, "Alex Rivera")["id"], _named(users, "Noah Kim")["id"]
    with c.step("shift-edits"):
        made = c.post("/v3/schedules", {"schedule": {"name": "Edits", "time_zone": "UTC"}}).body["schedule"]
        base = f"/v3/schedules/{made['id']}"
        rotation = c.post(f"{base}/rotations").body["rotation"]
        events = f"{base}/rotations/{rotation['id']}/events"

        def event(name: str, hours: int, since: datetime) -> dict[str, Any]:
            return {
                "name": name,
                "start_time": {"date_time": _at(since), "time_zone": "UTC"},
                "end_time": {"date_time": _at(since + timedelta(hours=hours)), "time_zone": "UTC"},
                "effective_since": _at(since),
                "recurrence": ["RRULE:FREQ=DAILY"],
                "assignment_strategy": {
                    "type": "rotating_member_assignment_strategy",
                    "shifts_per_member": 1,
                    "members": [{"type": "user_member", "user_id": alex}, {"type": "user_member", "user_id": kenji}],
                },
            }

        running = c.post(events, {"event": event("Days", 8, now - timedelta(hours=2))}).body["event"]
        future = c.post(events, {"event": event("Nights", 4, now + timedelta(days=3, hours=10))}).body["event"]
        c.get(f"{base}/rotations/{rotation['id']}")
        c.get(events)
        c.get(f"{events}/{running['id']}")
        c.get(f"{events}/PNOPE00")
        c.put(f"{events}/{running['id']}", {"event": {"name": "Renamed"}})
        c.put(f"{events}/{running['id']}", {"event": {"effective_until": _at(now - timedelta(days=1))}})
        c.put(f"{events}/{running['id']}", {"event": {"effective_until": _at(now + timedelta(days=14))}})
        c.put(f"{events}/{future['id']}", {"event": {"name": "Late nights", "recurrence": ["RRULE:FREQ=WEEKLY"]}})
        c.put(f"{events}/{future['id']}", {"event": {"start_time": {"date_time": "soon", "time_zone": "UTC"}}})
        c.put(f"{events}/{future['id']}", {"event": {}})
        custom = c.post(
            f"{base}/custom_shifts",
            {
                "custom_shifts": [
                    {
                        "type": "custom_shift",
                        "start_time": _at(now + timedelta(days=1)),
                        "end_time": _at(now + timedelta(days=1, hours=3)),
                        "assignments": [{"member": {"type": "user_member", "user_id": alex}}],
                    }
                ]
            },
        ).body["custom_shifts"][0]
        shift = f"{base}/custom_shifts/{custom['id']}"
        c.get(shift)
        c.put(
            shift,
            {
                "custom_shift": {
                    "end_time": _at(now + timedelta(days=1, hours=5)),
                    "assignments": [{"type": "shift_assignment", "member": {"type": "user_member", "user_id": kenji}}],
                }
            },
        )
        c.put(shift, {"custom_shift": {"end_time": _at(now)}})
        override = c.post(
            f"{base}/overrides",
            {
                "overrides": [
                    {
                        "type": "override_shift",
                        "custom_shift_id": custom["id"],
                        "start_time": _at(now + timedelta(days=1)),
                        "end_time": _at(now + timedelta(days=1, hours=1)),
                        "overridden_member": {"type": "user_member", "user_id": kenji},
                        "overriding_member": {"type": "user_member", "user_id": alex},
                    }
                ]
            },
        ).body["overrides"][0]
        changed = f"{base}/overrides/{override['id']}"
        c.get(changed)
        c.put(changed, {"override": {"end_time": _at(now + timedelta(days=1, hours=2))}})
        c.put(changed, {"override": {"rotation_id": rotation["id"]}})
        c.put(changed, {"override": {"overriding_member": {"type": "user_member", "user_id": "PNOPE00"}}})
        c.clock.advance(days=1, minutes=30)
        c.put(shift, {"custom_shift": {"start_time": _at(now)}})
        c.get(base, "include[]=final_schedule", f"since={_at(now)}", f"until={_at(now + timedelta(days=5))}")
        c.delete(f"{events}/{running['id']}")
        c.delete(f"{events}/{future['id']}")
        c.delete(f"{events}/{future['id']}")
        c.get(base, "include[]=final_schedule", f"since={_at(now)}", f"until={_at(now + timedelta(days=5))}")
        c.delete(base)


SCRIPT: tuple[Callable[[Conversation], None], ...] = (
    errors,
    people,
    on_call,
    incidents,
    services,
    aiops,
    lambda c: analytics(c, "analytics"),
    outbound,
    incident_writes,
    events_api,
    lambda c: analytics(c, "analytics-after-writes"),
    on_call_writes,
    people_writes,
    service_writes,
    outbound_writes,
    identity,
    stakeholders,
    notification_writes,  # added with issue 26, last: no id made before them moves
    shift_edits,
)


@contextmanager
def _counted_secrets() -> Iterator[None]:
    """The identity service's random codes and tokens, counted instead (the only randomness not seeded)."""
    counter = itertools.count(1)
    saved = secrets.token_hex, secrets.token_urlsafe

    def token_hex(nbytes: int | None = 32) -> str:
        return hashlib.sha256(f"hex:{next(counter)}".encode()).hexdigest()[: 2 * (nbytes or 32)]

    def token_urlsafe(nbytes: int | None = 32) -> str:
        return hashlib.sha256(f"url:{next(counter)}".encode()).hexdigest()[: nbytes or 32]

    secrets.token_hex, secrets.token_urlsafe = token_hex, token_urlsafe
    try:
        yield
    finally:
        secrets.token_hex, secrets.token_urlsafe = saved


def converse(case: Case) -> Conversation:
    """Run the conversation against a fresh sandbox for ``case``."""
    box = Sandbox(seed=case.seed, size=case.size, now=case.now, faults=case.faults)
    clock = Clock(box.now)
    box.state.clock = clock  # type: ignore[method-assign]  # frozen: every route reads the store's clock
    conversation = Conversation(box, clock)
    with _counted_secrets():
        for part in (errors,) if case.faults is not None else SCRIPT:
            part(conversation)
    conversation.http.close()
    assert not conversation.pending, "every request belongs to a step"
    return conversation


def load_fixture() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = json.loads(FIXTURE.read_text())
    return data


def _main(argv: list[str]) -> int:
    if argv[:1] == ["--record"]:
        recorded = {case.name: converse(case).digests() for case in CASES}
        FIXTURE.write_text(json.dumps(recorded, indent=1, sort_keys=False) + "\n")
        print(f"recorded {sum(len(s) for s in recorded.values())} steps of {len(CASES)} cases in {FIXTURE}")
        return 0
    if argv[:1] == ["--show"] and len(argv) == 3:
        case = next(c for c in CASES if c.name == argv[1])
        for label, digest in converse(case).steps[argv[2]]:
            print(digest[:16], label)
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
