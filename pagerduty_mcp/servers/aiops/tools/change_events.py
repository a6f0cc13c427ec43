"""Change events: what changed (deploys, config changes), account-wide or for one service."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import Field

from pagerduty_mcp.common import (
    TIME_FORMS,
    Envelope,
    Id,
    IdList,
    Limit,
    Offset,
    PagerDutyClient,
    ToolFailure,
    check_order,
    finder_hint,
    get_client,
    id_or_url,
    iso,
    paginate,
    parse_time,
    path,
    respond,
    tool,
)
from pagerduty_mcp.servers.aiops.models import ChangeEvent

__all__ = ["get_change_event", "list_change_events"]

# Objects read to tell an unknown integration id from one with no change events.
MAX_LISTED = 500


def _known_integrations(client: PagerDutyClient) -> tuple[set[str], bool]:
    """Ids of the account's integrations (services' and orchestrations'), and whether the list is whole."""
    services = paginate(
        client, "/services", "services", {"include[]": ["integrations"]}, limit=MAX_LISTED, with_total=False
    )
    orchestrations = paginate(client, "/event_orchestrations", "orchestrations", {}, limit=MAX_LISTED, with_total=False)
    ids = {i["id"] for item in [*services.items, *orchestrations.items] for i in item.get("integrations") or []}
    return ids, not (services.has_more or orchestrations.has_more)


def _check_integrations_exist(client: PagerDutyClient, integration_ids: list[str]) -> None:
    """An unknown integration id is an error, not "no change events".

    PagerDuty has no account-wide integration lookup, so the ids are looked for among the
    integrations of every service and orchestration (only after an empty answer).
    """
    known, whole = _known_integrations(client)
    missing = [i for i in integration_ids if i not in known]
    if missing and whole:
        raise ToolFailure(
            "INTEGRATION_NOT_FOUND",
            f"integration_ids: no integration with id {missing[0]} in this account; "
            f"{finder_hint('get_service', 'services')} shows a service's integrations, "
            "and each change event names its own.",
            {"parameters": ["integration_ids"]},
        )


@tool("List change events")
def list_change_events(
    service_id: Annotated[Id | None, id_or_url("Only this service")] = None,
    since: Annotated[str | None, Field(description=f"Start, {TIME_FORMS}.")] = None,
    until: Annotated[str | None, Field(description="End, same forms.")] = None,
    team_ids: Annotated[IdList | None, Field(description="Only services of these teams.")] = None,
    integration_ids: Annotated[IdList | None, Field(description="Only from these integrations.")] = None,
    limit: Limit = 25,
    offset: Offset = 0,
) -> Envelope:
    """What changed (deploys, config changes), newest first, account-wide or for one service."""
    now = datetime.now(UTC)
    start, end = parse_time(since, "since", now=now), parse_time(until, "until", now=now)
    check_order(start, end)
    params: dict[str, Any] = {}
    if start:
        params["since"] = iso(start)
    if end:
        params["until"] = iso(end)
    if team_ids:
        params["team_ids[]"] = team_ids
    if integration_ids:
        params["integration_ids[]"] = integration_ids
    url = path("/services/{}/change_events", service_id) if service_id else "/change_events"
    client = get_client()
    page = paginate(client, url, "change_events", params, limit=limit, offset=offset)
    if not page.items and integration_ids and offset == 0:
        _check_integrations_exist(client, integration_ids)
    changes = [ChangeEvent.from_api(e) for e in page.items]
    return respond("change_events", changes, f"{len(changes)} change event(s)", page=page, untrusted=True)


@tool("Get change event")
def get_change_event(change_event_id: Annotated[Id, id_or_url("Change event id")]) -> Envelope:
    """One change event with its custom details and links."""
    body = get_client().read(path("/change_events/{}", change_event_id))
    change = ChangeEvent.from_api(body["change_event"], detail=True)
    return respond("change_events", [change], f"Change event: {change.summary}", untrusted=True)
