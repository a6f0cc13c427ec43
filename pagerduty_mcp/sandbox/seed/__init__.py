"""The seed account: "Acme Shop", a small online shop, built relative to now.

The static content is data keyed by name (:mod:`.data`); the modules beside it turn it into
entities. Ids come from the state's RNG and generated content from ``random.Random`` seeded with
the seed number, so the same seed and the same ``now`` always give the same account. Entities are
made in a fixed order, the order of the data, because that order decides their ids. ``size``
multiplies the generated incidents (:mod:`.history`).
"""

from __future__ import annotations

import random
from datetime import datetime

from pagerduty_mcp.sandbox.constants import (
    SANDBOX_ACCOUNT_TOKEN,
    SANDBOX_OAUTH_CLIENT_ID,
    SANDBOX_OAUTH_CLIENT_SECRET,
    SANDBOX_TOKEN,
)
from pagerduty_mcp.sandbox.model.store import Store
from pagerduty_mcp.sandbox.seed import data
from pagerduty_mcp.sandbox.seed.automation import add_automation_actions
from pagerduty_mcp.sandbox.seed.escalations import escalate_the_longest_waiting
from pagerduty_mcp.sandbox.seed.extensions import add_extension_schemas, add_extensions
from pagerduty_mcp.sandbox.seed.history import INCIDENTS_PER_SIZE, add_change_events, add_incidents
from pagerduty_mcp.sandbox.seed.notifications import add_handoff_rules
from pagerduty_mcp.sandbox.seed.people import (
    add_escalation_policies,
    add_schedules,
    add_teams,
    add_users,
)
from pagerduty_mcp.sandbox.seed.services import add_business_services, add_services
from pagerduty_mcp.sandbox.seed.settings import (
    add_alert_grouping,
    add_custom_fields,
    add_incident_workflows,
    add_maintenance_windows,
    add_orchestration,
    add_priorities,
)
from pagerduty_mcp.sandbox.seed.shifts import add_shift_schedules
from pagerduty_mcp.sandbox.seed.status_pages import add_incident_types, add_status_pages
from pagerduty_mcp.sandbox.seed.subscribers import add_incident_subscribers
from pagerduty_mcp.sandbox.seed.webhooks import add_webhook_subscriptions
from pagerduty_mcp.sandbox.seed.workflow_steps import add_workflow_steps

__all__ = ["INCIDENTS_PER_SIZE", "build_account"]


def build_account(seed: int, size: int, now: datetime) -> Store:
    store = Store(seed, now)
    rng = random.Random(f"content:{seed}")
    now = store.seed_now
    add_priorities(store)
    users = add_users(store, now)
    teams = add_teams(store, users)
    schedules = add_schedules(store, users, teams, now)
    policies = add_escalation_policies(store, users, teams, schedules)
    services = add_services(store, teams, policies, now, rng)
    add_business_services(store, services, teams)
    current_user = users[data.CURRENT_USER]
    store.current_user_id = current_user
    store.tokens.update({SANDBOX_TOKEN: current_user, SANDBOX_ACCOUNT_TOKEN: None})
    store.oauth_clients[SANDBOX_OAUTH_CLIENT_ID] = (SANDBOX_OAUTH_CLIENT_SECRET, data.OAUTH_CLIENT_NAME)
    add_custom_fields(store)
    add_maintenance_windows(store, services, users, now)
    add_change_events(store, list(services.values()), now, rng)
    add_alert_grouping(store, services, now)
    add_orchestration(store, services, teams, users, now)
    add_incident_workflows(store, teams, now)
    add_incidents(store, services, list(users.values()), users[data.FALLBACK_ASSIGNEE], now, rng, size)
    add_automation_actions(store, services, teams, users, now)
    add_incident_types(store, now)
    add_status_pages(store, services, now)
    add_shift_schedules(store, users, teams, now)
    add_webhook_subscriptions(store, services, teams)
    add_extensions(store, services, add_extension_schemas(store))
    # Added last, and taking no id from the account's stream: every id above stays what it was.
    add_workflow_steps(store)
    add_incident_subscribers(store, users)
    escalate_the_longest_waiting(store, now)  # last: it changes no id seeded before it
    add_handoff_rules(store, users)  # ids of their own stream: nothing above or after moves
    return store
