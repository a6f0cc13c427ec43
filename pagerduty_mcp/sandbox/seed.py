"""The seed account: "Acme Shop", a small online shop, generated relative to now.

Everything comes from ``random.Random`` seeded with the seed number, so the same seed and the same
``now`` always give the same ids and content. ``size`` multiplies the incidents (and their alerts,
notes and log entries): size 1 gives about 60, size 100 about 6,000.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pagerduty_mcp.sandbox import oncall
from pagerduty_mcp.sandbox.constants import (
    SANDBOX_ACCOUNT_TOKEN,
    SANDBOX_OAUTH_CLIENT_ID,
    SANDBOX_OAUTH_CLIENT_SECRET,
    SANDBOX_TOKEN,
)
from pagerduty_mcp.sandbox.protocol import format_time
from pagerduty_mcp.sandbox.state import HTML_BASE, State

__all__ = ["INCIDENTS_PER_SIZE", "build_account"]

INCIDENTS_PER_SIZE = 60
HISTORY_DAYS = 30

# name, email local part, time zone, role, job title, color
_USERS: list[tuple[str, str, str, str, str, str]] = [
    ("Alex Rivera", "alex.rivera", "Europe/Berlin", "user", "Site Reliability Engineer", "purple"),
    ("Priya Natarajan", "priya.natarajan", "America/New_York", "admin", "Engineering Manager", "teal"),
    ("Jonas Weber", "jonas.weber", "Europe/Berlin", "user", "Backend Engineer", "green"),
    ("Maria Santos", "maria.santos", "America/Sao_Paulo", "user", "Backend Engineer", "orange"),
    ("Kenji Tanaka", "kenji.tanaka", "Asia/Tokyo", "user", "Platform Engineer", "red"),
    ("Olivia Brown", "olivia.brown", "America/New_York", "user", "Payments Engineer", "blue"),
    ("Liam O'Connor", "liam.oconnor", "Europe/Dublin", "user", "Database Administrator", "cayenne"),
    ("Sofia Rossi", "sofia.rossi", "Europe/Rome", "limited_user", "Data Engineer", "magenta"),
    ("Noah Kim", "noah.kim", "America/Los_Angeles", "user", "Site Reliability Engineer", "lime"),
    ("Emma Dubois", "emma.dubois", "Europe/Paris", "user", "Frontend Engineer", "violet"),
    ("Ravi Kapoor", "ravi.kapoor", "Asia/Kolkata", "user", "Platform Engineer", "gold"),
    ("Hannah Schmidt", "hannah.schmidt", "Europe/Berlin", "admin", "Head of Platform", "brown"),
    ("Diego Alvarez", "diego.alvarez", "America/Chicago", "user", "Payments Engineer", "navy"),
    ("Chloe Martin", "chloe.martin", "Australia/Sydney", "observer", "Support Lead", "silver"),
    ("Sam Taylor", "sam.taylor", "America/New_York", "owner", "CTO", "black"),
]

_TEAMS: list[tuple[str, str, list[tuple[int, str]]]] = [
    # name, description, [(user index, role)]
    (
        "Checkout",
        "Cart, checkout and order placement",
        [
            (0, "responder"),
            (2, "responder"),
            (9, "responder"),
            (3, "responder"),
            (1, "manager"),
            (13, "observer"),
        ],
    ),
    (
        "Payments",
        "Payment gateway, fraud checks and refunds",
        [(5, "responder"), (12, "responder"), (3, "responder"), (1, "manager")],
    ),
    (
        "Database",
        "Orders and catalogue databases",
        [(6, "responder"), (7, "responder"), (8, "responder"), (11, "manager")],
    ),
    (
        "Personalization",
        "Recommendations and search ranking",
        [(7, "responder"), (9, "responder"), (10, "manager")],
    ),
    (
        "Platform",
        "Kubernetes, CDN and the shared platform",
        [
            (0, "responder"),
            (4, "responder"),
            (8, "responder"),
            (10, "responder"),
            (11, "manager"),
            (14, "observer"),
        ],
    ),
]

# name, description, team index, escalation policy index, auto-resolve s, ack timeout s, urgency
_SERVICES: list[tuple[str, str, int, int, int | None, int | None, str]] = [
    ("Checkout API", "Places orders and takes payment", 0, 0, 14400, 1800, "high"),
    ("Cart Service", "Shopping carts and saved items", 0, 0, None, 1800, "high"),
    ("Payments Gateway", "Card and wallet payments through our PSPs", 1, 1, 14400, None, "high"),
    ("Fraud Detection", "Scores orders for fraud before capture", 1, 1, None, None, "severity_based"),
    ("Orders DB", "Primary PostgreSQL cluster for orders", 2, 2, None, 3600, "high"),
    ("Catalogue Search", "Elasticsearch cluster behind product search", 2, 2, 14400, None, "low"),
    ("Recommendations", "Product recommendations on home and cart pages", 3, 4, 14400, None, "low"),
    ("Kubernetes Platform", "Production Kubernetes clusters", 4, 3, None, 1800, "high"),
    ("Edge CDN", "CDN and web application firewall", 4, 3, 14400, None, "high"),
]

_BUSINESS_SERVICES: list[tuple[str, str, int, list[int]]] = [
    ("Online Store", "Customers can browse, add to cart and buy", 0, [0, 1, 2, 6, 8]),
    ("Payments Platform", "Taking and refunding payments", 1, [2, 3, 4]),
    ("Customer Accounts", "Sign-in, order history and saved details", 4, [4, 7, 8]),
]

# supporting -> dependent technical services
_DEPENDENCIES = [(2, 0), (4, 0), (4, 1), (3, 2), (7, 0), (7, 4), (8, 0), (5, 6)]

_TITLES: dict[int, list[str]] = {
    0: [
        "Checkout API p99 latency above 2s",
        "Checkout API 5xx rate above 5%",
        "Order placement failing in EU",
    ],
    1: ["Cart Service pods crash-looping", "Cart items missing after login", "Cart Service Redis evictions"],
    2: ["Payments Gateway timeouts to Adyen", "Card authorisation failure rate high", "3DS callback errors"],
    3: ["Fraud model scoring lag > 60s", "Fraud Detection queue backlog", "Fraud rules deploy failed"],
    4: ["Orders DB replication lag > 30s", "Orders DB disk 90% full", "Orders DB connection pool exhausted"],
    5: ["Catalogue Search cluster yellow", "Search indexing job failed", "Search p95 latency high"],
    6: ["Recommendations model stale", "Recommendations API 5xx", "Feature store lag"],
    7: ["Node NotReady in prod-eu-1", "Kubernetes API server latency high", "Cluster autoscaler failing"],
    8: [
        "CDN origin errors from eu-west",
        "WAF blocking legitimate traffic",
        "TLS certificate expires in 7 days",
    ],
}

_SOURCES = ["prometheus", "datadog", "cloudwatch", "grafana", "pingdom"]


def _at(local: str, zone: ZoneInfo, base: datetime) -> datetime:
    """``base``'s local date at ``HH:MM`` in ``zone``."""
    hours, minutes = (int(p) for p in local.split(":"))
    return base.astimezone(zone).replace(hour=hours, minute=minutes, second=0, microsecond=0)


def build_account(seed: int, size: int, now: datetime) -> State:
    state = State(seed, now)
    rng = random.Random(f"content:{seed}")
    now = state.seed_now
    _priorities(state)
    users = _users(state, now)
    teams = _teams(state, users, now)
    schedules = _schedules(state, users, teams, now)
    policies = _escalation_policies(state, users, teams, schedules)
    services = _services(state, teams, policies, now, rng)
    _business_services(state, services, teams)
    state.current_user_id = users[0]
    state.tokens.update({SANDBOX_TOKEN: users[0], SANDBOX_ACCOUNT_TOKEN: None})
    state.oauth_clients[SANDBOX_OAUTH_CLIENT_ID] = (SANDBOX_OAUTH_CLIENT_SECRET, "Acme Shop automation")
    _custom_fields(state)
    _maintenance_windows(state, services, users, now)
    _change_events(state, services, now, rng)
    _alert_grouping(state, services, now)
    _orchestrations(state, services, teams, users, now)
    _incident_workflows(state, teams, now)
    _incidents(state, services, users, now, rng, size)
    return state


def _priorities(state: State) -> None:
    descriptions = {
        "P1": "Critical: the shop is down or losing money",
        "P2": "High: a key journey is degraded for many customers",
        "P3": "Moderate: degraded for some customers",
        "P4": "Low: little customer impact",
        "P5": "Informational",
    }
    for name, description in descriptions.items():
        priority = {"id": state.new_id(), "name": name, "description": description, "color": "a8171c"}
        state.stamp("priorities", priority, name)
        state.put("priorities", priority)


def _users(state: State, now: datetime) -> list[str]:
    ids: list[str] = []
    for index, (name, local, zone, role, title, color) in enumerate(_USERS):
        user_id = state.new_id()
        user: dict[str, Any] = {
            "id": user_id,
            "name": name,
            "email": f"{local}@acme-shop.example",
            "time_zone": zone,
            "color": color,
            "role": role,
            "avatar_url": f"https://secure.gravatar.com/avatar/{user_id.lower()}.png?d=mm&r=PG",
            "description": f"{title} at Acme Shop",
            "invitation_sent": False,
            "job_title": title,
            "created_via_sso": False,
            "teams": [],
            "contact_methods": [],
            "notification_rules": [],
            "_created": now - timedelta(days=400 - index * 7),
        }
        state.stamp("users", user, name)
        state.put("users", user)
        methods = [
            ("email_contact_method", "Work", user["email"], None),
            ("phone_contact_method", "Mobile", f"5550{100 + index:03d}", 1),
            ("sms_contact_method", "Mobile", f"5550{100 + index:03d}", 1),
        ]
        if index % 3 == 0:
            methods.append(("push_notification_contact_method", "iPhone", f"device-{user_id.lower()}", None))
        method_refs: dict[str, dict[str, Any]] = {}
        for type_, label, address, country in methods:
            method: dict[str, Any] = {
                "id": state.new_id(),
                "label": label,
                "address": address,
                "_user_id": user_id,
            }
            if country is not None:
                method["country_code"] = country
            if type_ == "email_contact_method":
                method["send_short_email"] = False
            if type_ == "push_notification_contact_method":
                method["device_type"] = "ios"
                method["created_at"] = format_time(user["_created"])
            state.stamp("contact_methods", method, label, type_)
            method["self"] = f"{state.api_base}/users/{user_id}/contact_methods/{method['id']}"
            method["html_url"] = None
            state.put("contact_methods", method)
            user["contact_methods"].append(state.ref(method))
            method_refs[type_] = method
        rules = [
            ("high", 0, "email_contact_method"),
            ("high", 5, "phone_contact_method"),
            ("low", 0, "email_contact_method"),
        ]
        if "push_notification_contact_method" in method_refs:
            rules.insert(1, ("high", 0, "push_notification_contact_method"))
        for urgency, delay, method_type in rules:
            method = method_refs[method_type]
            rule: dict[str, Any] = {
                "id": state.new_id(),
                "start_delay_in_minutes": delay,
                "urgency": urgency,
                "contact_method": state.ref(method),
                "_user_id": user_id,
            }
            state.stamp(
                "notification_rules",
                rule,
                f"{delay} minutes: channel {method['id']}",
                "assignment_notification_rule",
            )
            rule["self"] = f"{state.api_base}/users/{user_id}/notification_rules/{rule['id']}"
            rule["html_url"] = None
            state.put("notification_rules", rule)
            user["notification_rules"].append(state.ref(rule))
        ids.append(user_id)
    return ids


def _teams(state: State, users: list[str], now: datetime) -> list[str]:
    ids: list[str] = []
    for name, description, members in _TEAMS:
        team: dict[str, Any] = {
            "id": state.new_id(),
            "name": name,
            "description": description,
            "default_role": "manager",
            "parent": None,
        }
        state.stamp("teams", team, name)
        state.put("teams", team)
        state.memberships[team["id"]] = {users[i]: role for i, role in members}
        ids.append(team["id"])
    for user_id in users:
        state.get("users", user_id)["teams"] = [state.ref_to("teams", t) for t in state.teams_of(user_id)]
    return ids


def _layer(
    state: State,
    name: str,
    zone: ZoneInfo,
    start: datetime,
    turn_seconds: int,
    users: list[str],
    restrictions: list[dict[str, Any]] | None = None,
    end: datetime | None = None,
) -> dict[str, Any]:
    return {
        "id": state.new_id(),
        "name": name,
        "start": format_time(start, zone),
        "end": format_time(end, zone) if end else None,
        "rotation_virtual_start": format_time(start, zone),
        "rotation_turn_length_seconds": turn_seconds,
        "users": [{"user": state.ref_to("users", u)} for u in users],
        "restrictions": restrictions or [],
        "_start": start,
        "_end": end,
        "_rotation_virtual_start": start,
    }


def _schedule(
    state: State, name: str, zone_name: str, description: str, layers: list[dict[str, Any]], teams: list[str]
) -> str:
    schedule: dict[str, Any] = {
        "id": state.new_id(),
        "name": name,
        "time_zone": zone_name,
        "description": description,
        "schedule_layers": layers,
        "_team_ids": teams,
    }
    state.stamp("schedules", schedule, name)
    state.put("schedules", schedule)
    return schedule["id"]


def _schedules(state: State, users: list[str], teams: list[str], now: datetime) -> list[str]:
    berlin, new_york, utc = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), ZoneInfo("UTC")
    week, day = 7 * 86400, 86400
    monday = now - timedelta(days=now.astimezone(berlin).weekday())
    # Checkout: one weekly layer (Monday 09:00 Berlin hand-off), rotated so that the seed's
    # current user (users[0]) holds the turn that covers now.
    checkout_start = _at("09:00", berlin, monday) - timedelta(weeks=8)
    base = [users[0], users[2], users[9], users[3]]
    probe = oncall.Layer(checkout_start, checkout_start, week, ("0", "1", "2", "3"))
    position = int(oncall.render_layer(probe, berlin, now, now + timedelta(seconds=1))[0].user)
    ordered = [base[(i - position) % 4] for i in range(4)]
    checkout = _schedule(
        state,
        "Checkout Primary",
        "Europe/Berlin",
        "Weekly primary on-call for Checkout, hand-off Monday 09:00 Berlin",
        [_layer(state, "Weekly rotation", berlin, checkout_start, week, ordered)],
        [teams[0]],
    )
    # Payments: daily 09:00 New York rotation, plus a business-hours layer (later layer wins).
    payments_start = _at("09:00", new_york, now) - timedelta(days=21)
    payments = _schedule(
        state,
        "Payments On-Call",
        "America/New_York",
        "Daily rotation with a business-hours layer on top",
        [
            _layer(state, "Daily rotation", new_york, payments_start, day, [users[5], users[12], users[3]]),
            _layer(
                state,
                "Business hours",
                new_york,
                payments_start,
                week,
                [users[1], users[5]],
                [
                    {
                        "type": "daily_restriction",
                        "start_time_of_day": "09:00:00",
                        "duration_seconds": 8 * 3600,
                    }
                ],
            ),
        ],
        [teams[1]],
    )
    # Database: weekly layer plus a nightly layer that crosses midnight (18:00 for 14 hours).
    db_start = _at("10:00", new_york, monday) - timedelta(weeks=6)
    database = _schedule(
        state,
        "Database On-Call",
        "America/New_York",
        "Weekly days, nightly cover across midnight",
        [
            _layer(state, "Weekly", new_york, db_start, week, [users[6], users[7], users[8]]),
            _layer(
                state,
                "Nights",
                new_york,
                db_start,
                day,
                [users[8], users[6]],
                [
                    {
                        "type": "daily_restriction",
                        "start_time_of_day": "18:00:00",
                        "duration_seconds": 14 * 3600,
                    }
                ],
            ),
        ],
        [teams[2]],
    )
    # Platform: 12-hour follow-the-sun in UTC, with a weekend layer (weekly restriction).
    platform_start = _at("08:00", utc, now) - timedelta(days=28)
    platform = _schedule(
        state,
        "Platform Follow-the-Sun",
        "UTC",
        "12-hour shifts, weekend cover by the platform leads",
        [
            _layer(state, "12-hour shifts", utc, platform_start, 12 * 3600, [users[4], users[10], users[8]]),
            _layer(
                state,
                "Weekend",
                utc,
                platform_start,
                week,
                [users[11], users[4]],
                [
                    {
                        "type": "weekly_restriction",
                        "start_day_of_week": 6,
                        "start_time_of_day": "00:00:00",
                        "duration_seconds": 2 * day,
                    }
                ],
            ),
        ],
        [teams[4]],
    )
    # Overrides on whole hours: past, ongoing and future, never over "now" on Checkout (the
    # current user stays on call there).
    hour = now.replace(minute=0, second=0)
    state.add_override(
        database,
        users[7],
        hour - timedelta(days=3, hours=2),
        hour - timedelta(days=2, hours=20),
        created=now - timedelta(days=5),
    )
    state.add_override(
        database,
        users[11],
        hour + timedelta(days=2),
        hour + timedelta(days=2, hours=8),
        created=now - timedelta(days=1),
    )
    state.add_override(
        checkout, users[2], hour + timedelta(days=9), hour + timedelta(days=10), created=now - timedelta(days=2)
    )
    state.add_override(
        payments,
        users[12],
        hour - timedelta(hours=3),
        hour + timedelta(hours=5),
        created=now - timedelta(days=1),
    )
    return [checkout, payments, database, platform]


def _escalation_policies(state: State, users: list[str], teams: list[str], schedules: list[str]) -> list[str]:
    def target(kind: str, ident: str) -> dict[str, Any]:
        ref = state.ref_to(kind, ident)
        return ref

    specs = [
        (
            "Checkout Escalation",
            "Checkout primary, then the manager and platform",
            0,
            2,
            [(30, [("schedules", schedules[0])]), (30, [("users", users[1]), ("schedules", schedules[3])])],
        ),
        (
            "Payments Escalation",
            "Payments on-call, then database on-call and the manager",
            1,
            1,
            [(15, [("schedules", schedules[1])]), (15, [("schedules", schedules[2]), ("users", users[1])])],
        ),
        (
            "Database Escalation",
            "Database on-call, then the head of platform",
            2,
            0,
            [(30, [("schedules", schedules[2])]), (30, [("users", users[11])])],
        ),
        (
            "Platform Escalation",
            "Platform follow-the-sun, then the head of platform, then the CTO",
            4,
            1,
            [(20, [("schedules", schedules[3])]), (20, [("users", users[11])]), (30, [("users", users[14])])],
        ),
        (
            "Personalization Escalation",
            "The personalization engineers, then platform",
            3,
            0,
            [(30, [("users", users[9]), ("users", users[7])]), (30, [("schedules", schedules[3])])],
        ),
    ]
    ids: list[str] = []
    for name, description, team_index, loops, rules in specs:
        policy: dict[str, Any] = {
            "id": state.new_id(),
            "name": name,
            "description": description,
            "num_loops": loops,
            "on_call_handoff_notifications": "if_has_services",
            "escalation_rules": [
                {
                    "id": state.new_id(),
                    "escalation_delay_in_minutes": delay,
                    "targets": [target(kind, ident) for kind, ident in targets],
                }
                for delay, targets in rules
            ],
            "services": [],
            "teams": [state.ref_to("teams", teams[team_index])],
        }
        state.stamp("escalation_policies", policy, name)
        state.put("escalation_policies", policy)
        ids.append(policy["id"])
    return ids


def _slug(name: str) -> str:
    return name.lower().replace(" ", "-")


def _integration_key(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(32))


def _services(state: State, teams: list[str], policies: list[str], now: datetime, rng: random.Random) -> list[str]:
    ids: list[str] = []
    for index, (name, description, team_index, policy_index, auto_resolve, ack, urgency) in enumerate(_SERVICES):
        service_id = state.new_id()
        created = now - timedelta(days=500 - 20 * index)
        urgency_rule: dict[str, Any] = {"type": "constant", "urgency": urgency}
        if index == 2:
            urgency_rule = {
                "type": "use_support_hours",
                "during_support_hours": {"type": "constant", "urgency": "high"},
                "outside_support_hours": {"type": "constant", "urgency": "low"},
            }
        service: dict[str, Any] = {
            "id": service_id,
            "name": name,
            "description": description,
            "auto_resolve_timeout": auto_resolve,
            "acknowledgement_timeout": ack,
            "created_at": format_time(created),
            "status": "active",
            "last_incident_timestamp": None,
            "escalation_policy": state.ref_to("escalation_policies", policies[policy_index]),
            "response_play": None,
            "teams": [state.ref_to("teams", teams[team_index])],
            "integrations": [],
            "incident_urgency_rule": urgency_rule,
            "support_hours": {
                "type": "fixed_time_per_day",
                "time_zone": "America/New_York",
                "days_of_week": [1, 2, 3, 4, 5],
                "start_time": "09:00:00",
                "end_time": "17:00:00",
            }
            if index == 2
            else None,
            "scheduled_actions": [],
            "addons": [],
            "alert_creation": "create_alerts_and_incidents",
            "auto_pause_notifications_parameters": {
                "enabled": index == 7,
                "timeout": 300 if index == 7 else None,
            },
            "_created": created,
        }
        state.stamp("services", service, name)
        state.put("services", service)
        policy = state.get("escalation_policies", policies[policy_index])
        policy["services"].append(state.ref(service))
        _add_integration(state, service, "Events API v2", "events_api_v2_inbound_integration", created, rng)
        if index in (4, 8):
            _add_integration(state, service, "Email", "generic_email_inbound_integration", created, rng)
        ids.append(service_id)
    for supporting, dependent in _DEPENDENCIES:
        state.dependencies.append(
            {
                "id": state.new_id(),
                "type": "service_dependency",
                "supporting_service": {"id": ids[supporting], "type": "service"},
                "dependent_service": {"id": ids[dependent], "type": "service"},
            }
        )
    return ids


def _add_integration(
    state: State, service: dict[str, Any], name: str, type_: str, created: datetime, rng: random.Random
) -> dict[str, Any]:
    integration: dict[str, Any] = {
        "id": state.new_id(),
        "name": name,
        "service": state.ref(service),
        "created_at": format_time(created),
        "vendor": None,
        "_service_id": service["id"],
    }
    state.stamp("integrations", integration, name, type_)
    integration["self"] = f"{state.api_base}/services/{service['id']}/integrations/{integration['id']}"
    integration["html_url"] = f"{HTML_BASE}/services/{service['id']}/integrations/{integration['id']}"
    if type_ == "generic_email_inbound_integration":
        slug = service["name"].lower().replace(" ", "-")
        integration["integration_email"] = f"{slug}@acme-shop.pagerduty.com"
        integration["email_incident_creation"] = "on_new_email"
        integration["email_filter_mode"] = "all-email"
    else:
        integration["integration_key"] = _integration_key(rng)
    state.put("integrations", integration)
    service["integrations"].append(state.ref(integration))
    return integration


def _business_services(state: State, services: list[str], teams: list[str]) -> None:
    for name, description, team_index, supporting in _BUSINESS_SERVICES:
        business: dict[str, Any] = {
            "id": state.new_id(),
            "name": name,
            "description": description,
            "point_of_contact": "support@acme-shop.example",
            "team": state.ref_to("teams", teams[team_index]),
        }
        state.stamp("business_services", business, name)
        state.put("business_services", business)
        for index in supporting:
            state.dependencies.append(
                {
                    "id": state.new_id(),
                    "type": "service_dependency",
                    "supporting_service": {"id": services[index], "type": "service"},
                    "dependent_service": {"id": business["id"], "type": "business_service"},
                }
            )


def _custom_fields(state: State) -> None:
    for name, display, options in [
        ("impacted_region", "Impacted region", ["eu-west-1", "us-east-1", "ap-southeast-2"]),
        ("customer_impact", "Customer impact", ["none", "some", "widespread"]),
    ]:
        field: dict[str, Any] = {
            "id": state.new_id(),
            "name": name,
            "display_name": display,
            "description": f"{display} of the incident",
            "data_type": "string",
            "field_type": "single_value_fixed",
            "default_value": None,
            "_options": options,
        }
        state.stamp("custom_fields", field, display)
        state.put("custom_fields", field)


def _maintenance_windows(state: State, services: list[str], users: list[str], now: datetime) -> None:
    windows = [
        (4, now - timedelta(days=10, hours=2), now - timedelta(days=10), "Orders DB minor version upgrade"),
        (5, now - timedelta(hours=1), now + timedelta(hours=2), "Catalogue Search reindex"),
        (2, now + timedelta(days=6), now + timedelta(days=6, hours=3), "Payments Gateway PSP failover test"),
    ]
    for sequence, (index, start, end, description) in enumerate(windows, start=1):
        service = state.get("services", services[index])
        window: dict[str, Any] = {
            "id": state.new_id(),
            "sequence_number": sequence,
            "start_time": format_time(start),
            "end_time": format_time(end),
            "description": description,
            "created_by": state.ref_to("users", users[11]),
            "services": [state.ref(service)],
            "teams": list(service["teams"]),
            "_start": start,
            "_end": end,
        }
        state.stamp("maintenance_windows", window, description)
        state.put("maintenance_windows", window)


def _change_events(state: State, services: list[str], now: datetime, rng: random.Random) -> None:
    kinds = ["Deploy", "Config change", "Feature flag", "Database migration"]
    for _ in range(20):
        index = rng.randrange(len(services))
        service = state.get("services", services[index])
        at = now - timedelta(minutes=rng.randrange(30 * 24 * 60))
        kind = rng.choice(kinds)
        version = f"v{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}"
        integration = state.get("integrations", service["integrations"][0]["id"])
        event: dict[str, Any] = {
            "id": state.new_id(),
            "timestamp": format_time(at),
            "services": [state.ref(service)],
            "integration": state.ref(integration),
            "routing_key": integration.get("integration_key", ""),
            "source": rng.choice(["github-actions", "argocd", "terraform", "launchdarkly"]),
            "links": [
                {
                    "href": f"https://git.acme-shop.example/{_slug(service['name'])}/releases/{version}",
                    "text": f"Release {version}",
                }
            ],
            "images": [],
            "custom_details": {"build_state": "passed", "version": version},
            "_at": at,
        }
        state.stamp("change_events", event, f"{kind}: {service['name']} {version}")
        state.put("change_events", event)
    # keep them in time order, as the API lists them
    ordered = sorted(state.tables["change_events"].values(), key=lambda e: e["_at"])
    state.tables["change_events"] = {e["id"]: e for e in ordered}


def _alert_grouping(state: State, services: list[str], now: datetime) -> None:
    specs = [
        (
            "Checkout content grouping",
            "content_based",
            [0, 1],
            {"time_window": 900, "aggregate": "all", "fields": ["summary", "component"]},
        ),
        ("Platform time grouping", "time", [7], {"timeout": 600}),
    ]
    for name, type_, indices, config in specs:
        setting: dict[str, Any] = {
            "id": state.new_id(),
            "name": name,
            "description": f"{name} for related alerts",
            "type": type_,
            "config": config,
            "services": [{"id": services[i]} for i in indices],
            "created_at": format_time(now - timedelta(days=90)),
            "updated_at": format_time(now - timedelta(days=12)),
        }
        state.put("alert_grouping_settings", setting)


def _orchestrations(state: State, services: list[str], teams: list[str], users: list[str], now: datetime) -> None:
    orchestration_id = state.new_id()
    routing_key = "R0" + _integration_key(random.Random(f"orchestration:{state.seed}"))[:30]
    created = now - timedelta(days=120)
    orchestration: dict[str, Any] = {
        "id": orchestration_id,
        "self": f"{state.api_base}/event_orchestrations/{orchestration_id}",
        "name": "Acme Shop global orchestration",
        "description": "Routes monitoring events to the owning service",
        "team": {"id": teams[4], "type": "team_reference", "self": f"{state.api_base}/teams/{teams[4]}"},
        "integrations": [
            {
                "id": state.new_id(),
                "label": "Monitoring",
                "parameters": {"routing_key": routing_key, "type": "global"},
            }
        ],
        "routes": 3,
        "created_at": format_time(created),
        "created_by": {
            "id": users[11],
            "type": "user_reference",
            "self": f"{state.api_base}/users/{users[11]}",
        },
        "updated_at": format_time(now - timedelta(days=8)),
        "updated_by": {
            "id": users[11],
            "type": "user_reference",
            "self": f"{state.api_base}/users/{users[11]}",
        },
        "version": "rA5kq3u8T7kL",
        "type": "event_orchestration",
        "_router": {
            "type": "router",
            "parent": {
                "id": orchestration_id,
                "type": "event_orchestration_reference",
                "self": f"{state.api_base}/event_orchestrations/{orchestration_id}",
            },
            "sets": [
                {
                    "id": "start",
                    "rules": [
                        {
                            "id": "ch3ck0ut",
                            "label": "Checkout events",
                            "conditions": [{"expression": "event.custom_details.service matches 'checkout'"}],
                            "actions": {"route_to": services[0]},
                        },
                        {
                            "id": "pay3ment",
                            "label": "Payments events",
                            "conditions": [{"expression": "event.source matches part 'payments'"}],
                            "actions": {"route_to": services[2]},
                        },
                        {
                            "id": "d4tabase",
                            "label": "Database events",
                            "conditions": [
                                {"expression": "event.source matches part 'db'"},
                                {"expression": "event.summary matches part 'postgres'"},
                            ],
                            "actions": {"route_to": services[4]},
                        },
                    ],
                }
            ],
            "catch_all": {"actions": {"route_to": "unrouted"}},
        },
        "_global": {
            "type": "global",
            "parent": {
                "id": orchestration_id,
                "type": "event_orchestration_reference",
                "self": f"{state.api_base}/event_orchestrations/{orchestration_id}",
            },
            "sets": [
                {
                    "id": "start",
                    "rules": [
                        {
                            "id": "sev3r1ty",
                            "label": "Critical events are high severity",
                            "conditions": [{"expression": "event.severity matches 'critical'"}],
                            "actions": {
                                "priority": state.all("priorities")[1]["id"],
                                "annotate": "Raised to P2 by the global orchestration",
                            },
                        },
                    ],
                }
            ],
            "catch_all": {"actions": {}},
        },
        "_unrouted": {
            "type": "unrouted",
            "parent": {
                "id": orchestration_id,
                "type": "event_orchestration_reference",
                "self": f"{state.api_base}/event_orchestrations/{orchestration_id}",
            },
            "sets": [
                {
                    "id": "start",
                    "rules": [
                        {
                            "id": "dr0pt3st",
                            "label": "Drop test events",
                            "conditions": [{"expression": "event.summary matches part 'test'"}],
                            "actions": {"severity": "info"},
                        },
                    ],
                }
            ],
            "catch_all": {"actions": {}},
        },
    }
    state.put("event_orchestrations", orchestration)
    state.service_orchestrations = {
        service_id: {
            "type": "service",
            "parent": {
                "id": service_id,
                "type": "service_reference",
                "self": f"{state.api_base}/services/{service_id}",
            },
            "sets": [{"id": "start", "rules": []}],
            "catch_all": {"actions": {}},
        }
        for service_id in services
    }
    state.service_orchestrations[services[0]]["sets"][0]["rules"].append(
        {
            "id": "l0wpr1or",
            "label": "Warnings are low urgency",
            "conditions": [{"expression": "event.severity matches 'warning'"}],
            "actions": {"severity": "warning", "annotate": "Low urgency by service orchestration"},
        }
    )


def _incident_workflows(state: State, teams: list[str], now: datetime) -> None:
    for name, description, team_index in [
        (
            "Major incident kickoff",
            "Opens a Slack channel and a Zoom bridge and pages the incident commander",
            0,
        ),
        ("Notify stakeholders", "Posts a status update to the stakeholder list", 4),
    ]:
        workflow: dict[str, Any] = {
            "id": state.new_id(),
            "name": name,
            "description": description,
            "created_at": format_time(now - timedelta(days=60)),
            "team": state.ref_to("teams", teams[team_index]),
            "is_enabled": True,
            "steps": [],
        }
        state.stamp("incident_workflows", workflow, name)
        state.put("incident_workflows", workflow)


class _FirstResponders:
    """Who the first level of each escalation policy reaches at a moment, from schedules rendered
    once over the whole history (rendering per incident would dominate seeding at large sizes)."""

    def __init__(self, state: State, since: datetime, until: datetime) -> None:
        self.state = state
        self.finals = {s["id"]: state.render_schedule(s["id"], since, until).final for s in state.all("schedules")}
        self.starts = {sid: [e.start for e in entries] for sid, entries in self.finals.items()}

    def at(self, policy_id: str, moment: datetime) -> list[str]:
        rule = self.state.get("escalation_policies", policy_id)["escalation_rules"][0]
        users: list[str] = []
        for target in rule["targets"]:
            if target["type"].startswith("user"):
                users.append(target["id"])
                continue
            entries = self.finals[target["id"]]
            index = bisect_right(self.starts[target["id"]], moment) - 1
            if index >= 0 and entries[index].start <= moment < entries[index].end:
                users.append(entries[index].user)
        return list(dict.fromkeys(users))


def _incidents(
    state: State, services: list[str], users: list[str], now: datetime, rng: random.Random, size: int
) -> None:
    count = INCIDENTS_PER_SIZE * size
    horizon = HISTORY_DAYS * 24 * 3600
    offsets = sorted((rng.randrange(120, horizon) for _ in range(count)), reverse=True)
    priorities = [p["id"] for p in state.all("priorities")]
    weights = [6, 4, 5, 2, 5, 2, 2, 4, 3]
    first_responders = _FirstResponders(state, now - timedelta(seconds=horizon + 3600), now + timedelta(hours=1))
    fields = state.all("custom_fields")
    open_tail = max(6, count // 10)  # the newest tenth are still open
    for position, offset in enumerate(offsets):
        at = now - timedelta(seconds=offset)
        index = rng.choices(range(len(services)), weights=weights)[0]
        service = state.get("services", services[index])
        title = rng.choice(_TITLES[index])
        urgency = service["incident_urgency_rule"].get("urgency", "high")
        if urgency == "severity_based" or service["incident_urgency_rule"]["type"] != "constant":
            urgency = rng.choice(["high", "low"])
        priority = rng.choice(priorities) if rng.random() < 0.4 else None
        policy_id = service["escalation_policy"]["id"]
        assignees = first_responders.at(policy_id, at) or [users[1]]
        source = rng.choice(_SOURCES)
        integration = state.get("integrations", service["integrations"][0]["id"])
        bridge = None
        if priority in priorities[:2]:
            bridge = {
                "conference_number": "+1 555-0100,,,,424242#",
                "conference_url": f"https://meet.acme-shop.example/inc-{position + 1}",
            }
        incident = state.create_incident(
            service["id"],
            title,
            at,
            urgency,
            body_details=f"{title}. Detected by {source}.",
            incident_key=f"{source}-{service['name'].lower().replace(' ', '-')}-{position}",
            priority_id=priority,
            assignee_ids=assignees,
            agent=state.ref(integration),
            channel={"type": "api"},
            conference_bridge=bridge,
        )
        incident["assigned_via"] = "escalation_policy"
        if rng.random() < 0.3:
            incident["_custom_fields"] = {f["name"]: rng.choice(f["_options"]) for f in fields}
        for number in range(1 + (rng.random() < 0.35) + (rng.random() < 0.15)):
            state.add_alert(
                incident,
                f"{title} ({source})" if number == 0 else f"{title}: follow-up signal {number}",
                at + timedelta(seconds=30 * number),
                severity=rng.choice(["critical", "error", "warning"]) if urgency == "high" else "warning",
                details={"source": source, "service": service["name"], "value": rng.randint(70, 99)},
                integration=state.ref(integration),
            )
        assignee = assignees[0]
        state.add_log_entry(
            incident,
            "notify",
            at + timedelta(seconds=5),
            state.ref(service),
            f"Notified {state.get('users', assignee)['name']} by email",
            user=state.ref_to("users", assignee),
            notification={
                "type": "email_notification",
                "status": "success",
                "address": state.get("users", assignee)["email"],
            },
        )
        open_incident = position >= count - open_tail
        ack_delay = timedelta(minutes=rng.randint(1, 25))
        status_roll = rng.random()
        if not open_incident or status_roll < 0.5:
            state.set_incident_status(incident, "acknowledged", at + ack_delay, state.ref_to("users", assignee))
        if rng.random() < 0.35:
            state.add_note(
                incident,
                rng.choice(
                    [
                        "Rolled back the last deploy; watching error rates.",
                        "Customer support reports checkout errors from the EU.",
                        "Scaled the deployment from 6 to 12 replicas.",
                        "Root cause: an expired credential for the upstream provider.",
                    ]
                ),
                at + ack_delay + timedelta(minutes=2),
                assignee,
            )
        if rng.random() < 0.15:
            helper = rng.choice([u for u in users if u != assignee])
            requested = at + ack_delay + timedelta(minutes=3)
            incident["incidents_responders"].append(
                {
                    "state": rng.choice(["joined", "pending"]),
                    "user": state.ref_to("users", helper),
                    "incident": state.ref(incident),
                    "updated_at": format_time(requested),
                    "message": "Please help with this incident",
                    "requester": state.ref_to("users", assignee),
                    "requested_at": format_time(requested),
                    "escalation_policy_requests": [],
                }
            )
        if not open_incident:
            resolve_at = at + ack_delay + timedelta(minutes=rng.randint(5, 240))
            state.set_incident_status(
                incident,
                "resolved",
                min(resolve_at, now - timedelta(seconds=30)),
                state.ref_to("users", assignee),
            )
        service["last_incident_timestamp"] = incident["created_at"]
