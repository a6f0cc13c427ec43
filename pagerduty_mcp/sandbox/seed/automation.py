"""The seed account's automation actions, each with a few past invocations on its service's incidents.

Made after the incidents (their ids come last from the account's id generator, so adding them
changes no earlier object), keyed by name like :mod:`.data`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from pagerduty_mcp.sandbox.model import automation
from pagerduty_mcp.sandbox.model.store import Store
from pagerduty_mcp.sandbox.seed.data import Ids

__all__ = ["ACTIONS", "RUNNERS", "Action", "add_automation_actions"]


class Action(NamedTuple):
    description: str
    action_type: str  # script or process_automation
    classification: str  # diagnostic or remediation
    runner: str  # a key of RUNNERS
    data_reference: dict[str, str]
    service: str
    team: str
    runs: int  # past invocations, on the service's latest incidents
    invoked_by: str
    only_unresolved: bool  # may run only while the incident is open


# runner name -> (its id, sidecar or runbook)
RUNNERS: dict[str, tuple[str, str]] = {
    "Shop cluster sidecar": ("01HQ3K8Z5N7W2R4T6Y8B0C2D4F", "sidecar"),
    "Acme Runbook Automation": ("01HQ3K9A7M1P3S5V7X9Z1B3D5G", "runbook"),
}

ACTIONS: dict[str, Action] = {
    "Restart checkout pods": Action(
        "Rolling restart of the checkout deployment",
        "script",
        "remediation",
        "Shop cluster sidecar",
        {"script": "kubectl -n shop rollout restart deployment/checkout", "invocation_command": "/bin/bash"},
        "Checkout API",
        "Checkout",
        2,
        "Alex Rivera",
        True,
    ),
    "Clear CDN cache": Action(
        "Purges the edge cache for the shop's static assets",
        "process_automation",
        "remediation",
        "Acme Runbook Automation",
        {
            "process_automation_job_id": "5c1f7a0e-2b3d-4e8f-9a6b-0d2c4e6f8a1b",
            "process_automation_job_arguments": "-zone shop",
        },
        "Edge CDN",
        "Platform",
        1,
        "Hannah Schmidt",
        False,
    ),
    "Collect Postgres diagnostics": Action(
        "Gathers locks, slow queries and replication lag from the orders database",
        "script",
        "diagnostic",
        "Shop cluster sidecar",
        {"script": "psql -c 'select * from pg_stat_activity'", "invocation_command": "/bin/sh"},
        "Orders DB",
        "Database",
        1,
        "Alex Rivera",
        False,
    ),
}


def add_automation_actions(store: Store, services: Ids, teams: Ids, users: Ids, now: datetime) -> None:
    for name, spec in ACTIONS.items():
        runner_id, runner_type = RUNNERS[spec.runner]
        action = automation.add_action(
            store,
            name=name,
            description=spec.description,
            action_type=spec.action_type,
            classification=spec.classification,
            runner=runner_id,
            runner_type=runner_type,
            data_reference=spec.data_reference,
            service_ids=[services[spec.service]],
            team_ids=[teams[spec.team]],
            created=now - timedelta(days=90),
            only_unresolved=spec.only_unresolved,
        )
        agent = {k: v for k, v in store.ref_to("users", users[spec.invoked_by]).items() if k != "html_url"}
        incidents = [i for i in store.incidents(until=now) if i["service"]["id"] == services[spec.service]]
        for incident in incidents[-spec.runs :] if spec.runs else []:
            at = min(incident["_created"] + timedelta(minutes=5), now - timedelta(minutes=2))
            invocation = automation.add_invocation(store, action, incident, agent, at)
            while invocation["state"] != automation.STEPS[-1]:  # long finished: completed in the past
                automation.observe(invocation, at + timedelta(seconds=20 * len(invocation["timing"])))
