"""A scripted session against the offline sandbox: ``uv run python -m pagerduty_mcp.demo``.

It starts ``pagerduty-mcp --sandbox`` as a subprocess over stdio, exactly as an MCP client such as
VS Code or Claude Desktop would, and prints what a few tool calls answer. No token needed.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any, cast
from urllib.parse import quote

import anyio

__all__ = ["main"]


def _say(text: str = "") -> None:
    print(text, flush=True)


async def _call(client: Any, tool: str, arguments: dict[str, Any]) -> dict[str, Any] | None:
    started = time.perf_counter()
    result = await client.call_tool(tool, arguments)
    envelope = json.loads(result.content[0].text)
    took = (time.perf_counter() - started) * 1000
    shown = ", ".join(f"{k}={v!r}" for k, v in arguments.items())
    _say(f"\n> {tool}({shown})  [{took:.0f} ms, {len(result.content[0].text)} bytes]")
    if result.is_error:
        _say(f"  error {envelope['error']['code']}: {envelope['error']['message']}")
        return None
    _say(f"  {envelope['metadata']['description']}")
    return cast(dict[str, Any] | None, envelope)


class _Person:
    """The person at the keyboard: shown each question the server asks, answers as told."""

    def __init__(self) -> None:
        self.answer = "accept"

    async def __call__(self, context: Any, params: Any) -> Any:
        from mcp_types import ElicitResult

        _say("  The server asks the person first:")
        for line in str(params.message).splitlines():
            _say(f"  | {line}")
        _say(f"  The person answers: {self.answer}")
        return ElicitResult(action=self.answer, content={} if self.answer == "accept" else None)  # type: ignore[arg-type]


async def _complete(client: Any, template: str, variable: str, typed: str) -> list[str]:
    """What a host's picker offers while a person types ``typed`` into a template's variable."""
    from mcp_types import ResourceTemplateReference

    result = await client.complete(ResourceTemplateReference(uri=template), {"name": variable, "value": typed})
    values = list(result.completion.values)
    _say(f"\n> complete {template}: {variable}={typed!r}")
    _say(f"  {', '.join(values) or 'nothing'} ({result.completion.total} match(es))")
    return values


async def _read(client: Any, uri: str) -> dict[str, Any]:
    """A resource a person attached, as the host reads it."""
    started = time.perf_counter()
    [content] = (await client.read_resource(uri)).contents
    took = (time.perf_counter() - started) * 1000
    _say(f"\n> read {uri}  [{took:.0f} ms, {len(content.text)} bytes, {content.mime_type}]")
    envelope = cast(dict[str, Any], json.loads(content.text))
    _say(f"  {envelope['metadata']['description']}")
    return envelope


def _items(envelope: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not envelope:
        return []
    key = next((k for k in envelope if k != "metadata"), None)
    return envelope.get(key, []) if key else []


async def _session() -> None:
    from mcp import Client, StdioServerParameters

    params = StdioServerParameters(
        command=sys.executable, args=["-m", "pagerduty_mcp", "--sandbox", "--log-level", "WARNING"]
    )
    started = time.perf_counter()
    async with Client(params, read_timeout_seconds=60) as client:
        tools = (await client.list_tools()).tools
        _say(f"Connected to pagerduty-mcp --sandbox over stdio in {time.perf_counter() - started:.1f} s")
        _say(f"{len(tools)} read-only tools (add --enable-write-tools for the rest)")
        names = {t.name for t in tools}

        me = _items(await _call(client, "get_user_data", {}))
        if me:
            teams = ", ".join(t["name"] for t in me[0].get("teams", []))
            _say(f"  {me[0]['name']} <{me[0].get('email')}>, teams: {teams}")

        if "list_oncalls" in names:
            for policy in _items(await _call(client, "list_oncalls", {})):
                for level in policy.get("levels", [])[:1]:
                    now = ", ".join(o["user"]["name"] for o in level.get("on_call", []))
                    nxt = ", ".join(o["user"]["name"] for o in level.get("next", []))
                    _say(f"  {policy['escalation_policy']['name']}: {now}" + (f" (next: {nxt})" if nxt else ""))

        listed = await _call(client, "list_incidents", {"limit": 5})
        incidents = _items(listed)
        for incident in incidents:
            who = ", ".join(a["name"] for a in incident.get("assignees", []))
            service = incident.get("service")
            status = incident.get("status", "resolved")  # a resolved incident's resolved_at says it
            _say(
                f"  #{incident['number']} [{status}/{incident['urgency']}] "
                f"{incident['title']} ({service}; {who or 'unassigned'})"
            )
        if incidents:
            # A list gives one URL pattern for its rows; get_incident takes the URL as well as the id.
            url = (listed or {}).get("metadata", {}).get("url", "{id}").format(id=incidents[0]["id"])
            detail = _items(await _call(client, "get_incident", {"incident_id": url}))
            if detail:
                _say(f"  escalation policy: {detail[0].get('escalation_policy', {}).get('name')}")
                _say(f"  alerts: {detail[0].get('alert_counts')}")
            # What a host does when a person attaches an incident (VS Code's "Add Context", an @-mention).
            attached = await _read(client, f"pagerduty://incidents/{incidents[0]['number']}")
            sections = attached["metadata"].get("sections", {})
            _say("  " + ", ".join(f"{key.replace('_', ' ')}: {part.get('count', 0)}" for key, part in sections.items()))

        # A person types "pers" where a schedule goes; the server completes it, and the pick reads.
        picked = await _complete(client, "pagerduty://schedules/{schedule}", "schedule", "pers")
        if picked:
            rota = _items(await _read(client, "pagerduty://schedules/" + quote(picked[0], safe="")))
            if rota:
                on_now = rota[0].get("on_call_now")
                who_now = ", ".join(u["name"] for u in on_now) if isinstance(on_now, list) else str(on_now)
                _say(f"  on call now: {who_now}")

        services = _items(await _call(client, "list_services", {"limit": 10}))
        unhealthy = [s for s in services if s.get("status") not in ("active", None)]
        for service in unhealthy:
            _say(f"  {service['name']}: {service['status']}")

        if "get_oncall_compensation" in names:
            # "What do we owe the Database team for last month's on-call?" Rates per hour by band.
            arguments = {"team_id": "Database", "rates": [0, 8, 12, 20], "currency": "EUR"}
            for row in _items(await _call(client, "get_oncall_compensation", arguments)):
                found = row.get("flags", {})
                flags = len(found.get("short_rests", [])) + ("over_week" in found)
                _say(
                    f"  {row['user']['name']} ({row['time_zone']}): {row['hours']['total']:g} h, "
                    f"{row['pay']['total']:,.2f} EUR" + (f", {flags} working-time flag(s)" if flags else "")
                )

        await _call(client, "get_incident", {"incident_id": "../users"})
    await _changes()
    _say("\nDone. Try it in your client: see README.md, or `make debug SERVER=people` for the MCP Inspector.")


async def _changes() -> None:
    """Status pages, webhooks and shift-based schedules, on a server with its write tools on. The
    sandbox is an offline account of its own: nothing here reaches PagerDuty or pages anyone."""
    from mcp import Client, StdioServerParameters

    args = ["-m", "pagerduty_mcp", "--sandbox", "--enable-write-tools", "--log-level", "WARNING"]
    params = StdioServerParameters(command=sys.executable, args=args)
    person = _Person()  # a client with elicitation: writes that page, delete or post publicly ask first
    async with Client(params, read_timeout_seconds=60, elicitation_callback=person) as client:
        _say("\nWith --enable-write-tools (still the offline sandbox):")

        # Paging people asks the person first; a decline sends nothing to PagerDuty.
        before = (await client.call_tool("list_incidents", {"limit": 100})).structured_content or {}
        person.answer = "decline"
        await _call(client, "create_incident", {"title": "Checkout is down", "service_id": "Checkout API"})
        after = (await client.call_tool("list_incidents", {"limit": 100})).structured_content or {}
        count = after.get("metadata", {}).get("count")
        same = "unchanged" if count == before.get("metadata", {}).get("count") else "CHANGED"
        _say(f"  list_incidents: {count} open incident(s), {same}: nobody was paged")
        person.answer = "accept"

        page = "Acme Shop Status"
        post = _items(
            await _call(
                client,
                "create_status_page_post",
                {
                    "status_page_id": page,
                    "title": "Slow checkout",
                    "message": "Some payments take longer than usual; we are on it.",
                    "severity": "minor",
                    "impacted_services": {"Checkout API": "degraded performance"},
                },
            )
        )
        if post:
            shown = _items(
                await _call(client, "get_status_page_post", {"status_page_id": page, "post_id": post[0]["id"]})
            )
            for update in (shown[0].get("updates") or [])[:1] if shown else []:
                _say(f"  {update.get('status')}: {update.get('message')}")

        hook = _items(
            await _call(
                client,
                "create_webhook_subscription",
                {
                    "url": "https://hooks.example.com/pagerduty",
                    "team_id": "Payments",
                    "custom_headers": {"Authorization": "Bearer demo-not-shown"},
                },
            )
        )
        if hook:
            _say(f"  sends {len(hook[0]['events'])} event types; headers: {', '.join(hook[0]['header_names'])}")
            await _call(client, "test_webhook_subscription", {"webhook_subscription_id": hook[0]["id"]})

        shifts = _items(await _call(client, "get_schedule", {"schedule_id": "Personalization Shifts"}))
        if shifts:
            _say(f"  kind: {shifts[0]['kind']}, {len(shifts[0].get('rotations', []))} rotations")
            for shift in shifts[0].get("final_schedule", [])[:3]:
                _say(f"  {shift['user']['name']}: {shift['start']} to {shift['end']}")


def main() -> None:
    anyio.run(_session)


if __name__ == "__main__":
    main()
