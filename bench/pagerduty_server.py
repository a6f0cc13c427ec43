"""PagerDuty's own MCP server: the requests its tools send to answer each question of the answer set.

Counted by reading its source (https://github.com/PagerDuty/pagerduty-mcp-server), not by running
it: it needs a real account. A question counts the calls a model makes with its tools to get the
facts the question needs (``bench.answers``), each call's PagerDuty requests as its code sends them,
on the sandbox's account (every list fits one page of its ``paginate``: the ``pagerduty``
library's ``iter_all``, 100 a page). Where its tools cannot give a fact at all, ``lacks`` says
which; the guard then allows one request more per missing fact, and says so.

Its server also asks ``GET /users/me`` once at start (``utils.get_mcp_context``), which it keeps
for ``list_teams(scope="my")``: that request is not counted against any question.

Some of issue 26's questions no tool of its server answers at all (``NO_TOOL``): there is nothing to
compare their requests with, and the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["NO_TOOL", "REPOSITORY", "THEIRS", "Theirs"]

REPOSITORY = "PagerDuty/pagerduty-mcp-server"


@dataclass(frozen=True)
class Theirs:
    """How PagerDuty's server answers one question: its requests, the calls, and where they were counted."""

    requests: int
    calls: str
    source: str
    lacks: tuple[str, ...] = ()


THEIRS: dict[str, Theirs] = {
    "25 incidents": Theirs(
        1,
        "list_incidents(limit=25): one page",
        "tools/incidents.py list_incidents @59b2ec1; utils.py paginate @b7ffd3a",
    ),
    "one incident in detail": Theirs(1, "get_incident", "tools/incidents.py get_incident @59b2ec1"),
    "on call for a team": Theirs(
        2,
        "list_escalation_policies(team_ids) + list_oncalls(escalation_policy_ids): OncallQuery has no team filter",
        "models/oncalls.py OncallQuery @0a50512; models/escalation_policies.py EscalationPolicyQuery @df63550",
    ),
    "one service": Theirs(1, "get_service", "tools/services.py get_service @1963deb"),
    "one orchestration router": Theirs(
        2,
        "get_event_orchestration_router (route targets are bare service ids) + list_services to name them",
        "tools/event_orchestrations.py get_event_orchestration_router @ddab579; tools/services.py list_services",
    ),
    "my teams' open incidents": Theirs(
        2,
        "list_incidents(request_scope=teams): GET /users/me, then the incidents",
        "tools/incidents.py list_incidents + tools/users.py get_user_data @59b2ec1",
    ),
    "my teams": Theirs(
        1,
        "list_teams(scope=my): the user kept from start-up, then one page of /teams",
        "tools/teams.py list_teams @b7ffd3a; utils.py get_mcp_context",
    ),
    "priorities": Theirs(1, "list_priorities", "tools/priorities.py list_priorities @59b2ec1"),
    "incidents by team name": Theirs(
        2,
        "list_teams(query) for the id + list_incidents(teams_ids): it takes ids only",
        "tools/teams.py list_teams @b7ffd3a; models/incidents.py IncidentQuery @88663a9",
    ),
    "account-wide metrics": Theirs(
        2,
        "list_teams + get_incident_metrics_by_team(team_ids): no account-wide tool, and PagerDuty wants a team "
        "or service filter from a user token",
        "tools/analytics.py get_incident_metrics_by_team @b9782ac",
    ),
    "a status page's choices": Theirs(
        4,
        "list_status_pages (the id of the name) + list_status_page_severities, _statuses, _impacts",
        "tools/status_pages.py @7c30888",
        lacks=("the services a post can name (no tool reads /status_pages/{id}/services)",),
    ),
    "a team's webhooks": Theirs(
        2,
        "list_teams(query) for the id + list_webhook_subscriptions(filter_type=team_reference)",
        "tools/webhooks.py list_webhook_subscriptions @1748c49",
    ),
    "a shift-based schedule": Theirs(
        4,
        "list_schedules(query): GET /schedules, GET /v3/schedules and one GET /v3/schedules/{id} to name each "
        "shift-based match; then get_schedule(id, kind=shift_based)",
        "tools/schedules.py list_schedules, _list_v3_summaries, get_schedule (the unified list); "
        "tools/schedules_v3.py get_schedule_v3 @759b2c7",
    ),
    "a team's on-call pay": Theirs(
        6,
        "list_teams(query) for the id + get_oncall_compensation_report: the analytics POST and one page each of "
        "/oncalls, /incidents, /teams and /users (at least)",
        "tools/oncall_compensation.py get_oncall_compensation_report @7cb0e2f",
    ),
    "how a person is paged": Theirs(
        2,
        "list_users(query) for the id + get_contact_methods(user_id): GET /users/{id}/contact_methods",
        "tools/users.py list_users, get_contact_methods @5822d1a",
        lacks=(
            "the notification rules (no tool reads /users/{id}/notification_rules)",
            "the hand-off notification rules (no tool reads them)",
        ),
    ),
    "a shift-based schedule's overrides": Theirs(
        4,
        "list_schedules(query): GET /schedules, GET /v3/schedules and one GET /v3/schedules/{id} to name each "
        "shift-based match; then list_schedule_overrides(id, since, until)",
        "tools/schedules.py list_schedules, list_schedule_overrides @103491f",
        lacks=("a shift-based schedule's overrides (list_schedule_overrides reads the layer-based path only)",),
    ),
    "a team's load over a quarter": Theirs(
        6,
        "list_teams(query) for the id + get_oncall_compensation_report: the analytics POST and one page each of "
        "/oncalls, /incidents, /teams and /users (at least)",
        "tools/oncall_compensation.py get_oncall_compensation_report @7cb0e2f",
        lacks=("a window over 90 days (/oncalls answers at most 90 days at once; the report asks it whole)",),
    ),
}

# Questions no tool of PagerDuty's server answers: what it would need.
NO_TOOL: dict[str, str] = {
    "an incident's business impact": "no tool reads /incidents/{id}/business_services/impacts",
    "is a business service impacted, by what": "list_business_services gives names only; no tool reads "
    "/business_services/impacts or /business_services/impactors",
    "an incident's stakeholders": "no tool reads /incidents/{id}/status_updates/subscribers",
    "an extension kind": "no tool reads /extension_schemas or /extensions",
}
