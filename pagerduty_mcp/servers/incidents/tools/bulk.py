"""manage_incidents: change many incidents in a few requests (25 a batch), and say exactly which changed and why
the others did not.

PagerDuty's bulk update rejects the whole batch for one bad item, so the engine retries the items
alone to learn which fail, and never retries what may already have been applied.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from typing import Annotated, Any, TypeVar

from pydantic import Field

from pagerduty_mcp.common import (
    Envelope,
    IdList,
    PagerDutyClient,
    Question,
    ToolFailure,
    check_cancelled,
    fact,
    failure_from_exception,
    get_client,
    invalid,
    path,
    record_changed,
    report_progress,
    resolve_id,
    respond,
    tool,
)
from pagerduty_mcp.servers.incidents.asks import incident_facts, policy_facts, users_fact
from pagerduty_mcp.servers.incidents.models import IncidentSummary
from pagerduty_mcp.servers.incidents.params import BulkIds, Id, Status, Urgency, incident_id_of

__all__ = ["manage_incidents"]

T = TypeVar("T")

_FAN_OUT = 4  # concurrent requests when one call needs several
# Incidents per PUT of a bulk change: the steps of its progress, and where a cancel may stop it.
BULK_BATCH = 25


def _fan_out(work: Callable[[str], T], keys: list[str]) -> list[tuple[str, T | ToolFailure]]:
    """Run ``work`` for each key a few at a time; failures come back as values, in order."""

    def attempt(key: str) -> T | ToolFailure:
        try:
            return work(key)
        except Exception as exc:
            failure = failure_from_exception(exc)
            if failure is None:
                raise
            return failure

    if len(keys) <= 1:
        return [(k, attempt(k)) for k in keys]
    context = copy_context()
    with ThreadPoolExecutor(max_workers=min(_FAN_OUT, len(keys))) as pool:
        futures = [pool.submit(context.copy().run, attempt, k) for k in keys]
        return [(k, f.result()) for k, f in zip(keys, futures, strict=True)]


def _failure_details(failures: dict[str, ToolFailure]) -> list[dict[str, str]]:
    return [{"id": key, "code": f.code, "reason": f.message} for key, f in failures.items()]


def _priority_name(client: PagerDutyClient, priority_id: str) -> str:
    rows = client.read("/priorities").get("priorities") or []
    return str(next((p.get("name") for p in rows if p.get("id") == priority_id), priority_id))


def _asks_before_many_or_paging(arguments: dict[str, Any]) -> Question | None:
    """When it changes more than one incident, or pages: reassigns, escalates or re-triggers."""
    incidents = list(dict.fromkeys(arguments["incident_ids"]))
    status, level = arguments.get("status"), arguments.get("escalation_level")
    policy, users = arguments.get("escalation_policy_id"), arguments.get("assignee_ids")
    pages = bool(users or policy or level is not None or status == "triggered")
    if len(incidents) < 2 and not pages:
        return None
    client = get_client()
    facts = []
    if status:
        facts.append(fact("Status", "triggered again (reopened)" if status == "triggered" else status))
    for key, label in (("urgency", "Urgency"), ("title", "Title")):
        if arguments.get(key):
            facts.append(fact(label, arguments[key]))
    if arguments.get("priority_id"):
        facts.append(fact("Priority", _priority_name(client, arguments["priority_id"])))
    if users:
        facts.append(users_fact(client, "Reassigned to, and paged", users))
    if policy:
        facts += policy_facts(client, [policy])
    if level is not None:
        facts.append(fact("Escalated to level", str(level)))
    facts += incident_facts(client, incidents)
    what = f"Change {len(incidents)} incidents" if len(incidents) > 1 else "Change an incident"
    return Question(what + (". This pages people now." if pages else "."), tuple(facts))


@tool(
    "Manage incidents",
    "update",
    confirm=_asks_before_many_or_paging,
    grouped="Acknowledging, resolving, reassigning, escalating and changing urgency, priority or title are one "
    "PagerDuty request (PUT /incidents) over up to 250 incidents: one call changes them all, and says which "
    "succeeded.",
)
def manage_incidents(
    incident_ids: BulkIds,
    status: Annotated[Status | None, Field(description="New status; triggered reopens.")] = None,
    urgency: Annotated[Urgency | None, Field(description="New urgency.")] = None,
    priority_id: Annotated[Id | None, Field(description="Priority, e.g. P1.")] = None,
    assignee_ids: Annotated[IdList | None, Field(description="Reassign to these users.")] = None,
    escalation_policy_id: Annotated[Id | None, Field(description="Or reassign to this policy.")] = None,
    escalation_level: Annotated[int | None, Field(ge=1, le=20, description="Escalate to this level.")] = None,
    title: Annotated[str | None, Field(min_length=1, max_length=1024, description="New title.")] = None,
    resolution_note: Annotated[str | None, Field(max_length=25000, description="Note added on resolve.")] = None,
) -> Envelope:
    """Change incidents together (25 per request): acknowledge, resolve, reassign, escalate, urgency,
    priority, title. Says which ids succeeded, which failed and why."""
    change: dict[str, Any] = {}
    if status:
        change["status"] = status
    if urgency:
        change["urgency"] = urgency
    if priority_id:
        change["priority"] = {"id": priority_id, "type": "priority_reference"}
    if assignee_ids and escalation_policy_id:
        raise ToolFailure(
            "INVALID_PARAMETER",
            "Give assignee_ids or escalation_policy_id, not both.",
            {"parameters": ["assignee_ids", "escalation_policy_id"]},
        )
    if assignee_ids:
        change["assignments"] = [{"assignee": {"id": u, "type": "user_reference"}} for u in assignee_ids]
    if escalation_policy_id:
        change["escalation_policy"] = {"id": escalation_policy_id, "type": "escalation_policy_reference"}
    if escalation_level is not None:
        change["escalation_level"] = escalation_level
    if title is not None:
        if not title.strip():
            raise invalid("title", "must not be blank")
        change["title"] = title.strip()
    if resolution_note is not None and status != "resolved":
        raise invalid("resolution_note", "is added only when resolving; pass status=resolved too")
    if not change:
        raise invalid(
            "status",
            "nothing to change: give status, urgency, priority_id, assignee_ids, escalation_policy_id, "
            "escalation_level or title",
        )
    client = get_client()
    failures: dict[str, ToolFailure] = {}
    ids = _bulk_ids(client, incident_ids, failures)
    updated = _bulk_update(client, ids, change, failures) if ids else {}
    note_failures: dict[str, ToolFailure] = {}
    if resolution_note and updated:
        note = {"note": {"content": resolution_note}}
        for ident, outcome in _fan_out(
            lambda i: client.write("POST", path("/incidents/{}/notes", i), note, needs_from=True), list(updated)
        ):
            if isinstance(outcome, ToolFailure):
                note_failures[ident] = outcome
    incidents = [IncidentSummary.from_api(updated[i]) for i in ids if i in updated]
    if failures or note_failures:
        raise _bulk_failure(incidents, failures, note_failures)
    return respond("incidents", incidents, f"Updated {len(incidents)} incident(s)", untrusted=True)


def _bulk_ids(client: PagerDutyClient, values: list[str], failures: dict[str, ToolFailure]) -> list[str]:
    """Ids from ids, URLs and numbers (numbers are looked up); what cannot be resolved is a failure."""
    ids: list[str] = []
    numbers: list[str] = []
    for value in values:
        try:  # one value that is no id fails alone; the others still change
            ident = resolve_id(value, "incident_ids")
        except ToolFailure as failure:
            failures[value] = failure
            continue
        (numbers if ident.isdigit() else ids).append(ident)
    for number, outcome in _fan_out(lambda n: incident_id_of(client, n), numbers):
        if isinstance(outcome, ToolFailure):
            failures[number] = outcome
        else:
            ids.append(outcome)
    return list(dict.fromkeys(ids))


# Failures that reject the whole batch because of one item: nothing was changed, so each id may be
# sent alone to learn which fail. Anything else (auth, rate limit, unknown outcome) is not retried.
_ITEM_CODES = ("INVALID_PARAMETER", "CONFLICT")


def _bulk_update(
    client: PagerDutyClient, ids: list[str], change: dict[str, Any], failures: dict[str, ToolFailure]
) -> dict[str, dict[str, Any]]:
    """Batch by batch, with progress; a cancel stops between batches, never inside one."""
    updated: dict[str, dict[str, Any]] = {}
    report_progress(0, len(ids), f"Updating {len(ids)} incident(s)")
    for start in range(0, len(ids), BULK_BATCH):
        check_cancelled()
        batch = ids[start : start + BULK_BATCH]
        done = _update_batch(client, batch, change, failures)
        updated.update(done)
        record_changed(i for i in batch if i in done)
        report_progress(start + len(batch), len(ids), f"{len(updated)} of {len(ids)} incident(s) updated")
    return updated


def _update_batch(
    client: PagerDutyClient, ids: list[str], change: dict[str, Any], failures: dict[str, ToolFailure]
) -> dict[str, dict[str, Any]]:
    def send(batch: list[str]) -> dict[str, dict[str, Any]]:
        items = [{"id": i, "type": "incident_reference", **change} for i in batch]
        body = client.write("PUT", "/incidents", {"incidents": items}, needs_from=True)
        return {i["id"]: i for i in body.get("incidents") or [] if i.get("id") in batch}

    try:
        updated = send(ids)
    except ToolFailure as failure:
        if failure.code == "WRITE_OUTCOME_UNKNOWN":  # the batch may or may not have been applied
            failures.update(dict.fromkeys(ids, failure))
            return {}
        per_item = failure.code in _ITEM_CODES or failure.code.endswith("_NOT_FOUND")
        if not per_item:
            raise
        if len(ids) == 1:
            failures[ids[0]] = failure
            return {}
        updated = {}
        for ident, outcome in _fan_out(lambda i: send([i]), ids):
            if isinstance(outcome, ToolFailure):
                failures[ident] = outcome
            else:
                updated.update(outcome)
    for ident in ids:
        if ident not in updated and ident not in failures:
            failures[ident] = ToolFailure(
                "WRITE_OUTCOME_UNKNOWN", "PagerDuty did not list this incident as updated; check it with get_incident."
            )
    return updated


def _bulk_failure(
    incidents: list[IncidentSummary], failures: dict[str, ToolFailure], note_failures: dict[str, ToolFailure]
) -> ToolFailure:
    done = [i.id for i in incidents]
    parts = []
    if done:
        parts.append(f"Updated {len(done)} incident(s): {', '.join(done)}.")
    unknown = {k: f for k, f in failures.items() if f.code == "WRITE_OUTCOME_UNKNOWN"}
    refused = {k: f for k, f in failures.items() if k not in unknown}
    if refused:
        listed = "; ".join(f"{k}: {f.message.rstrip('.')}" for k, f in list(refused.items())[:10])
        parts.append(f"{len(refused)} refused and left as they were: {listed}.")
    if unknown:
        parts.append(
            f"For {', '.join(list(unknown)[:20])} the outcome is unknown (PagerDuty failed mid-request): "
            "check them with get_incident before retrying."
        )
    if note_failures:
        parts.append(
            f"The resolution note could not be added to {', '.join(note_failures)} (they are resolved); "
            "add it with add_note_to_incident."
        )
    codes = {f.code for f in failures.values()}
    code = codes.pop() if not done and len(codes) == 1 and not note_failures else "PARTIAL_FAILURE"
    details: dict[str, Any] = {"succeeded": done, "failed": _failure_details(failures)}
    if note_failures:
        details["note_failed"] = _failure_details(note_failures)
    return ToolFailure(code, " ".join(parts), details)
