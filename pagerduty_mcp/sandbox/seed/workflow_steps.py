"""The seed account's incident workflow steps: what each workflow does, in the order it runs.

Made after everything else, with ids from their own random stream, so that no id made before or
after them (by the seed or by later requests) changes.
"""

from __future__ import annotations

import random
from typing import Any, NamedTuple

from pagerduty_mcp.sandbox.model.store import Store

__all__ = ["WORKFLOW_STEPS", "add_workflow_steps"]


class Step(NamedTuple):
    name: str
    action_id: str
    description: str  # what the action does, as PagerDuty describes it
    inputs: tuple[tuple[str, str], ...] = ()  # (input name, configured value)


# workflow name -> its steps, in order
WORKFLOW_STEPS: dict[str, tuple[Step, ...]] = {
    "Major incident kickoff": (
        Step(
            "Open an incident channel",
            "pagerduty.com:slack:create-a-channel:4",
            "Creates a Slack channel for the incident and posts its details",
            (("Channel Name", "inc-{{incident.number}}"),),
        ),
        Step(
            "Start a bridge",
            "pagerduty.com:zoom:create-a-meeting:2",
            "Creates a Zoom meeting and sets it as the incident's conference bridge",
        ),
        Step(
            "Page the incident commander",
            "pagerduty.com:incident-workflows:add-responders:3",
            "Adds responders to the incident",
            (("Responders", "Checkout Escalation"), ("Message", "Major incident: please take command")),
        ),
    ),
    "Notify stakeholders": (
        Step(
            "Subscribe support",
            "pagerduty.com:incident-workflows:add-stakeholders:1",
            "Subscribes users and teams to the incident's status updates",
            (("Stakeholders", "Chloe Martin"),),
        ),
        Step(
            "Send a status update",
            "pagerduty.com:incident-workflows:send-status-update:3",
            "Sends a status update to the incident's subscribers",
            (("Message", "We are investigating {{incident.title}}"),),
        ),
    ),
}


def add_workflow_steps(store: Store) -> None:
    rng = random.Random(f"workflow-steps:{store.seed}")
    for workflow in store.all("incident_workflows"):
        steps: list[dict[str, Any]] = []
        for spec in WORKFLOW_STEPS.get(workflow["name"], ()):
            step = {
                "id": store.new_id(rng),
                "type": "step",
                "name": spec.name,
                "description": spec.description,
                "action_configuration": {
                    "action_id": spec.action_id,
                    "description": spec.description,
                    "inputs": [{"name": name, "parameter_type": "text", "value": value} for name, value in spec.inputs],
                },
            }
            steps.append(step)
        workflow["steps"] = steps
