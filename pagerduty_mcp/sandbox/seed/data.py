"""The seed account's static content: "Acme Shop", a small online shop.

Plain data keyed by name. Everything refers to other records by their name (a team's members by
user name, a service's team and escalation policy, a schedule's users...); the modules beside it turn it
into entities and ids. The order of each mapping is the order the entities are created in, which
fixes their ids, so reordering entries changes the account.

Times are relative to the seed's "now", as days or hours before (negative) or after it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

__all__ = [
    "ACCOUNT_NAME",
    "ALERT_GROUPING",
    "BUSINESS_SERVICES",
    "CHANGE_KINDS",
    "CHANGE_SOURCES",
    "CONFERENCE_NUMBER",
    "CURRENT_USER",
    "CUSTOM_FIELDS",
    "DEPENDENCIES",
    "EMAIL_DOMAIN",
    "ESCALATION_POLICIES",
    "FALLBACK_ASSIGNEE",
    "INCIDENT_WORKFLOWS",
    "MAINTENANCE_WINDOWS",
    "MONITORING_SOURCES",
    "NOTES",
    "OAUTH_CLIENT_NAME",
    "ORCHESTRATION",
    "OVERRIDES",
    "PRIORITIES",
    "PRIORITY_COLOR",
    "SCHEDULES",
    "SERVICES",
    "SUPPORT_HOURS",
    "TEAMS",
    "USERS",
    "AlertGrouping",
    "BusinessService",
    "CustomField",
    "EscalationPolicy",
    "Ids",
    "Layer",
    "MaintenanceWindow",
    "Orchestration",
    "Override",
    "Schedule",
    "Service",
    "Team",
    "User",
    "Workflow",
]

# what the builders return: each entity's id by its name, in creation order
Ids = dict[str, str]

ACCOUNT_NAME = "Acme Shop"
EMAIL_DOMAIN = "acme-shop.example"
OAUTH_CLIENT_NAME = "Acme Shop automation"
# the user the sandbox's own API token acts as, on call now on Checkout Primary
CURRENT_USER = "Alex Rivera"
# who an incident is assigned to when its policy's first level finds nobody on call
FALLBACK_ASSIGNEE = "Priya Natarajan"


class User(NamedTuple):
    email: str  # local part, at EMAIL_DOMAIN
    time_zone: str
    role: str
    job_title: str
    color: str
    joined_days_ago: int
    phone: str  # for the phone and SMS contact methods, country code 1
    push: bool  # has an iPhone push contact method (and a high-urgency push rule)


USERS: dict[str, User] = {
    "Alex Rivera": User(
        "alex.rivera", "Europe/Berlin", "user", "Site Reliability Engineer", "purple", 400, "5550100", True
    ),
    "Priya Natarajan": User(
        "priya.natarajan", "America/New_York", "admin", "Engineering Manager", "teal", 393, "5550101", False
    ),
    "Jonas Weber": User("jonas.weber", "Europe/Berlin", "user", "Backend Engineer", "green", 386, "5550102", False),
    "Maria Santos": User(
        "maria.santos", "America/Sao_Paulo", "user", "Backend Engineer", "orange", 379, "5550103", True
    ),
    "Kenji Tanaka": User("kenji.tanaka", "Asia/Tokyo", "user", "Platform Engineer", "red", 372, "5550104", False),
    "Olivia Brown": User(
        "olivia.brown", "America/New_York", "user", "Payments Engineer", "blue", 365, "5550105", False
    ),
    "Liam O'Connor": User(
        "liam.oconnor", "Europe/Dublin", "user", "Database Administrator", "cayenne", 358, "5550106", True
    ),
    "Sofia Rossi": User(
        "sofia.rossi", "Europe/Rome", "limited_user", "Data Engineer", "magenta", 351, "5550107", False
    ),
    "Noah Kim": User(
        "noah.kim", "America/Los_Angeles", "user", "Site Reliability Engineer", "lime", 344, "5550108", False
    ),
    "Emma Dubois": User("emma.dubois", "Europe/Paris", "user", "Frontend Engineer", "violet", 337, "5550109", True),
    "Ravi Kapoor": User("ravi.kapoor", "Asia/Kolkata", "user", "Platform Engineer", "gold", 330, "5550110", False),
    "Hannah Schmidt": User(
        "hannah.schmidt", "Europe/Berlin", "admin", "Head of Platform", "brown", 323, "5550111", False
    ),
    "Diego Alvarez": User(
        "diego.alvarez", "America/Chicago", "user", "Payments Engineer", "navy", 316, "5550112", True
    ),
    "Chloe Martin": User(
        "chloe.martin", "Australia/Sydney", "observer", "Support Lead", "silver", 309, "5550113", False
    ),
    "Sam Taylor": User("sam.taylor", "America/New_York", "owner", "CTO", "black", 302, "5550114", False),
}


class Team(NamedTuple):
    description: str
    members: dict[str, str]  # user name -> team role


TEAMS: dict[str, Team] = {
    "Checkout": Team(
        "Cart, checkout and order placement",
        {
            "Alex Rivera": "responder",
            "Jonas Weber": "responder",
            "Emma Dubois": "responder",
            "Maria Santos": "responder",
            "Priya Natarajan": "manager",
            "Chloe Martin": "observer",
        },
    ),
    "Payments": Team(
        "Payment gateway, fraud checks and refunds",
        {
            "Olivia Brown": "responder",
            "Diego Alvarez": "responder",
            "Maria Santos": "responder",
            "Priya Natarajan": "manager",
        },
    ),
    "Database": Team(
        "Orders and catalogue databases",
        {
            "Liam O'Connor": "responder",
            "Sofia Rossi": "responder",
            "Noah Kim": "responder",
            "Hannah Schmidt": "manager",
        },
    ),
    "Personalization": Team(
        "Recommendations and search ranking",
        {"Sofia Rossi": "responder", "Emma Dubois": "responder", "Ravi Kapoor": "manager"},
    ),
    "Platform": Team(
        "Kubernetes, CDN and the shared platform",
        {
            "Alex Rivera": "responder",
            "Kenji Tanaka": "responder",
            "Noah Kim": "responder",
            "Ravi Kapoor": "responder",
            "Hannah Schmidt": "manager",
            "Sam Taylor": "observer",
        },
    ),
}

PRIORITY_COLOR = "a8171c"
PRIORITIES: dict[str, str] = {
    "P1": "Critical: the shop is down or losing money",
    "P2": "High: a key journey is degraded for many customers",
    "P3": "Moderate: degraded for some customers",
    "P4": "Low: little customer impact",
    "P5": "Informational",
}

_DAY = 86400
_WEEK = 7 * _DAY


class Layer(NamedTuple):
    name: str
    turn_seconds: int
    users: tuple[str, ...]
    restrictions: tuple[dict[str, Any], ...] = ()
    # rotate the users so that the first one holds the turn that covers the seed's now
    first_user_on_call_now: bool = False


class Schedule(NamedTuple):
    time_zone: str
    description: str
    team: str
    # every layer starts at this local time of day, `start_days_ago` before the anchor day:
    # "today" (the seed's now in the schedule's zone) or "monday" (this week's Monday, in Berlin)
    anchor: str
    hand_off: str
    start_days_ago: int
    layers: tuple[Layer, ...]


SCHEDULES: dict[str, Schedule] = {
    # one weekly layer, hand-off Monday 09:00 Berlin
    "Checkout Primary": Schedule(
        "Europe/Berlin",
        "Weekly primary on-call for Checkout, hand-off Monday 09:00 Berlin",
        "Checkout",
        "monday",
        "09:00",
        8 * 7,
        (
            Layer(
                "Weekly rotation",
                _WEEK,
                ("Alex Rivera", "Jonas Weber", "Emma Dubois", "Maria Santos"),
                first_user_on_call_now=True,
            ),
        ),
    ),
    # a daily rotation with a business-hours layer on top (the later layer wins)
    "Payments On-Call": Schedule(
        "America/New_York",
        "Daily rotation with a business-hours layer on top",
        "Payments",
        "today",
        "09:00",
        21,
        (
            Layer("Daily rotation", _DAY, ("Olivia Brown", "Diego Alvarez", "Maria Santos")),
            Layer(
                "Business hours",
                _WEEK,
                ("Priya Natarajan", "Olivia Brown"),
                ({"type": "daily_restriction", "start_time_of_day": "09:00:00", "duration_seconds": 8 * 3600},),
            ),
        ),
    ),
    # weekly days, plus a nightly layer that crosses midnight (18:00 for 14 hours)
    "Database On-Call": Schedule(
        "America/New_York",
        "Weekly days, nightly cover across midnight",
        "Database",
        "monday",
        "10:00",
        6 * 7,
        (
            Layer("Weekly", _WEEK, ("Liam O'Connor", "Sofia Rossi", "Noah Kim")),
            Layer(
                "Nights",
                _DAY,
                ("Noah Kim", "Liam O'Connor"),
                ({"type": "daily_restriction", "start_time_of_day": "18:00:00", "duration_seconds": 14 * 3600},),
            ),
        ),
    ),
    # 12-hour follow-the-sun shifts, with a weekend layer (a weekly restriction)
    "Platform Follow-the-Sun": Schedule(
        "UTC",
        "12-hour shifts, weekend cover by the platform leads",
        "Platform",
        "today",
        "08:00",
        28,
        (
            Layer("12-hour shifts", 12 * 3600, ("Kenji Tanaka", "Ravi Kapoor", "Noah Kim")),
            Layer(
                "Weekend",
                _WEEK,
                ("Hannah Schmidt", "Kenji Tanaka"),
                (
                    {
                        "type": "weekly_restriction",
                        "start_day_of_week": 6,
                        "start_time_of_day": "00:00:00",
                        "duration_seconds": 2 * _DAY,
                    },
                ),
            ),
        ),
    ),
}


class Override(NamedTuple):
    schedule: str
    user: str
    # hours from the whole hour of the seed's now
    start_hours: int
    end_hours: int
    created_days_ago: int


# past, ongoing and future; never over "now" on Checkout Primary, so the current user stays on call
OVERRIDES: tuple[Override, ...] = (
    Override("Database On-Call", "Sofia Rossi", -74, -68, 5),
    Override("Database On-Call", "Hannah Schmidt", 48, 56, 1),
    Override("Checkout Primary", "Jonas Weber", 216, 240, 2),
    Override("Payments On-Call", "Diego Alvarez", -3, 5, 1),
)


class EscalationPolicy(NamedTuple):
    description: str
    team: str
    num_loops: int
    # (delay in minutes, targets as ("schedules" | "users", name))
    rules: tuple[tuple[int, tuple[tuple[str, str], ...]], ...]


ESCALATION_POLICIES: dict[str, EscalationPolicy] = {
    "Checkout Escalation": EscalationPolicy(
        "Checkout primary, then the manager and platform",
        "Checkout",
        2,
        (
            (30, (("schedules", "Checkout Primary"),)),
            (30, (("users", "Priya Natarajan"), ("schedules", "Platform Follow-the-Sun"))),
        ),
    ),
    "Payments Escalation": EscalationPolicy(
        "Payments on-call, then database on-call and the manager",
        "Payments",
        1,
        (
            (15, (("schedules", "Payments On-Call"),)),
            (15, (("schedules", "Database On-Call"), ("users", "Priya Natarajan"))),
        ),
    ),
    "Database Escalation": EscalationPolicy(
        "Database on-call, then the head of platform",
        "Database",
        0,
        ((30, (("schedules", "Database On-Call"),)), (30, (("users", "Hannah Schmidt"),))),
    ),
    "Platform Escalation": EscalationPolicy(
        "Platform follow-the-sun, then the head of platform, then the CTO",
        "Platform",
        1,
        (
            (20, (("schedules", "Platform Follow-the-Sun"),)),
            (20, (("users", "Hannah Schmidt"),)),
            (30, (("users", "Sam Taylor"),)),
        ),
    ),
    "Personalization Escalation": EscalationPolicy(
        "The personalization engineers, then platform",
        "Personalization",
        0,
        (
            (30, (("users", "Emma Dubois"), ("users", "Sofia Rossi"))),
            (30, (("schedules", "Platform Follow-the-Sun"),)),
        ),
    ),
}


class Service(NamedTuple):
    description: str
    team: str
    escalation_policy: str
    created_days_ago: int
    auto_resolve_timeout: int | None
    acknowledgement_timeout: int | None
    # "high", "low", "severity_based", or "support_hours": high in SUPPORT_HOURS, low outside
    urgency: str
    # relative share of the generated incidents, and their titles
    incident_weight: int
    incident_titles: tuple[str, ...]
    email_integration: bool = False
    auto_pause_seconds: int | None = None  # transient alerts pause notifications this long


SUPPORT_HOURS: dict[str, Any] = {
    "type": "fixed_time_per_day",
    "time_zone": "America/New_York",
    "days_of_week": [1, 2, 3, 4, 5],
    "start_time": "09:00:00",
    "end_time": "17:00:00",
}

SERVICES: dict[str, Service] = {
    "Checkout API": Service(
        "Places orders and takes payment",
        team="Checkout",
        escalation_policy="Checkout Escalation",
        created_days_ago=500,
        auto_resolve_timeout=14400,
        acknowledgement_timeout=1800,
        urgency="high",
        incident_weight=6,
        incident_titles=(
            "Checkout API p99 latency above 2s",
            "Checkout API 5xx rate above 5%",
            "Order placement failing in EU",
        ),
    ),
    "Cart Service": Service(
        "Shopping carts and saved items",
        team="Checkout",
        escalation_policy="Checkout Escalation",
        created_days_ago=480,
        auto_resolve_timeout=None,
        acknowledgement_timeout=1800,
        urgency="high",
        incident_weight=4,
        incident_titles=(
            "Cart Service pods crash-looping",
            "Cart items missing after login",
            "Cart Service Redis evictions",
        ),
    ),
    "Payments Gateway": Service(
        "Card and wallet payments through our PSPs",
        team="Payments",
        escalation_policy="Payments Escalation",
        created_days_ago=460,
        auto_resolve_timeout=14400,
        acknowledgement_timeout=None,
        urgency="support_hours",
        incident_weight=5,
        incident_titles=(
            "Payments Gateway timeouts to Adyen",
            "Card authorisation failure rate high",
            "3DS callback errors",
        ),
    ),
    "Fraud Detection": Service(
        "Scores orders for fraud before capture",
        team="Payments",
        escalation_policy="Payments Escalation",
        created_days_ago=440,
        auto_resolve_timeout=None,
        acknowledgement_timeout=None,
        urgency="severity_based",
        incident_weight=2,
        incident_titles=(
            "Fraud model scoring lag > 60s",
            "Fraud Detection queue backlog",
            "Fraud rules deploy failed",
        ),
    ),
    "Orders DB": Service(
        "Primary PostgreSQL cluster for orders",
        team="Database",
        escalation_policy="Database Escalation",
        created_days_ago=420,
        auto_resolve_timeout=None,
        acknowledgement_timeout=3600,
        urgency="high",
        incident_weight=5,
        incident_titles=(
            "Orders DB replication lag > 30s",
            "Orders DB disk 90% full",
            "Orders DB connection pool exhausted",
        ),
        email_integration=True,
    ),
    "Catalogue Search": Service(
        "Elasticsearch cluster behind product search",
        team="Database",
        escalation_policy="Database Escalation",
        created_days_ago=400,
        auto_resolve_timeout=14400,
        acknowledgement_timeout=None,
        urgency="low",
        incident_weight=2,
        incident_titles=(
            "Catalogue Search cluster yellow",
            "Search indexing job failed",
            "Search p95 latency high",
        ),
    ),
    "Recommendations": Service(
        "Product recommendations on home and cart pages",
        team="Personalization",
        escalation_policy="Personalization Escalation",
        created_days_ago=380,
        auto_resolve_timeout=14400,
        acknowledgement_timeout=None,
        urgency="low",
        incident_weight=2,
        incident_titles=("Recommendations model stale", "Recommendations API 5xx", "Feature store lag"),
    ),
    "Kubernetes Platform": Service(
        "Production Kubernetes clusters",
        team="Platform",
        escalation_policy="Platform Escalation",
        created_days_ago=360,
        auto_resolve_timeout=None,
        acknowledgement_timeout=1800,
        urgency="high",
        incident_weight=4,
        incident_titles=(
            "Node NotReady in prod-eu-1",
            "Kubernetes API server latency high",
            "Cluster autoscaler failing",
        ),
        auto_pause_seconds=300,
    ),
    "Edge CDN": Service(
        "CDN and web application firewall",
        team="Platform",
        escalation_policy="Platform Escalation",
        created_days_ago=340,
        auto_resolve_timeout=14400,
        acknowledgement_timeout=None,
        urgency="high",
        incident_weight=3,
        incident_titles=(
            "CDN origin errors from eu-west",
            "WAF blocking legitimate traffic",
            "TLS certificate expires in 7 days",
        ),
        email_integration=True,
    ),
}

# (supporting, dependent) technical services
DEPENDENCIES: tuple[tuple[str, str], ...] = (
    ("Payments Gateway", "Checkout API"),
    ("Orders DB", "Checkout API"),
    ("Orders DB", "Cart Service"),
    ("Fraud Detection", "Payments Gateway"),
    ("Kubernetes Platform", "Checkout API"),
    ("Kubernetes Platform", "Orders DB"),
    ("Edge CDN", "Checkout API"),
    ("Catalogue Search", "Recommendations"),
)


class BusinessService(NamedTuple):
    description: str
    team: str
    supporting_services: tuple[str, ...]


BUSINESS_SERVICES: dict[str, BusinessService] = {
    "Online Store": BusinessService(
        "Customers can browse, add to cart and buy",
        "Checkout",
        ("Checkout API", "Cart Service", "Payments Gateway", "Recommendations", "Edge CDN"),
    ),
    "Payments Platform": BusinessService(
        "Taking and refunding payments", "Payments", ("Payments Gateway", "Fraud Detection", "Orders DB")
    ),
    "Customer Accounts": BusinessService(
        "Sign-in, order history and saved details", "Platform", ("Orders DB", "Kubernetes Platform", "Edge CDN")
    ),
}


class CustomField(NamedTuple):
    display_name: str
    options: tuple[str, ...]


CUSTOM_FIELDS: dict[str, CustomField] = {
    "impacted_region": CustomField("Impacted region", ("eu-west-1", "us-east-1", "ap-southeast-2")),
    "customer_impact": CustomField("Customer impact", ("none", "some", "widespread")),
}


class MaintenanceWindow(NamedTuple):
    service: str
    start_hours: int  # from the seed's now
    end_hours: int
    created_by: str


MAINTENANCE_WINDOWS: dict[str, MaintenanceWindow] = {
    "Orders DB minor version upgrade": MaintenanceWindow("Orders DB", -242, -240, "Hannah Schmidt"),
    "Catalogue Search reindex": MaintenanceWindow("Catalogue Search", -1, 2, "Hannah Schmidt"),
    "Payments Gateway PSP failover test": MaintenanceWindow("Payments Gateway", 144, 147, "Hannah Schmidt"),
}


class AlertGrouping(NamedTuple):
    type: str
    services: tuple[str, ...]
    config: dict[str, Any]


ALERT_GROUPING: dict[str, AlertGrouping] = {
    "Checkout content grouping": AlertGrouping(
        "content_based",
        ("Checkout API", "Cart Service"),
        {"time_window": 900, "aggregate": "all", "fields": ["summary", "component"]},
    ),
    "Platform time grouping": AlertGrouping("time", ("Kubernetes Platform",), {"timeout": 600}),
}


class Orchestration(NamedTuple):
    name: str
    description: str
    team: str
    owner: str  # created and last updated it
    version: str
    # rules as PagerDuty shapes them; "route_to" names a service, "priority" a priority
    router_rules: tuple[dict[str, Any], ...]
    global_rules: tuple[dict[str, Any], ...]
    unrouted_rules: tuple[dict[str, Any], ...]
    # service name -> its own service orchestration rules (every service has an empty one)
    service_rules: dict[str, tuple[dict[str, Any], ...]]


ORCHESTRATION = Orchestration(
    name="Acme Shop global orchestration",
    description="Routes monitoring events to the owning service",
    team="Platform",
    owner="Hannah Schmidt",
    version="rA5kq3u8T7kL",
    router_rules=(
        {
            "id": "ch3ck0ut",
            "label": "Checkout events",
            "conditions": [{"expression": "event.custom_details.service matches 'checkout'"}],
            "actions": {"route_to": "Checkout API"},
        },
        {
            "id": "pay3ment",
            "label": "Payments events",
            "conditions": [{"expression": "event.source matches part 'payments'"}],
            "actions": {"route_to": "Payments Gateway"},
        },
        {
            "id": "d4tabase",
            "label": "Database events",
            "conditions": [
                {"expression": "event.source matches part 'db'"},
                {"expression": "event.summary matches part 'postgres'"},
            ],
            "actions": {"route_to": "Orders DB"},
        },
    ),
    global_rules=(
        {
            "id": "sev3r1ty",
            "label": "Critical events are high severity",
            "conditions": [{"expression": "event.severity matches 'critical'"}],
            "actions": {"priority": "P2", "annotate": "Raised to P2 by the global orchestration"},
        },
    ),
    unrouted_rules=(
        {
            "id": "dr0pt3st",
            "label": "Drop test events",
            "conditions": [{"expression": "event.summary matches part 'test'"}],
            "actions": {"severity": "info"},
        },
    ),
    service_rules={
        "Checkout API": (
            {
                "id": "l0wpr1or",
                "label": "Warnings are low urgency",
                "conditions": [{"expression": "event.severity matches 'warning'"}],
                "actions": {"severity": "warning", "annotate": "Low urgency by service orchestration"},
            },
        ),
    },
)


class Workflow(NamedTuple):
    description: str
    team: str


INCIDENT_WORKFLOWS: dict[str, Workflow] = {
    "Major incident kickoff": Workflow(
        "Opens a Slack channel and a Zoom bridge and pages the incident commander", "Checkout"
    ),
    "Notify stakeholders": Workflow("Posts a status update to the stakeholder list", "Platform"),
}

# -- the generated history draws from these ------------------------------------------------------
CHANGE_KINDS = ("Deploy", "Config change", "Feature flag", "Database migration")
CHANGE_SOURCES = ("github-actions", "argocd", "terraform", "launchdarkly")
MONITORING_SOURCES = ("prometheus", "datadog", "cloudwatch", "grafana", "pingdom")
CONFERENCE_NUMBER = "+1 555-0100,,,,424242#"
NOTES = (
    "Rolled back the last deploy; watching error rates.",
    "Customer support reports checkout errors from the EU.",
    "Scaled the deployment from 6 to 12 replicas.",
    "Root cause: an expired credential for the upstream provider.",
)
