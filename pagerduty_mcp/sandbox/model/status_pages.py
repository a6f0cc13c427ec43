"""Status pages: each page's vocabulary, its posts, their updates and postmortems.

A page keeps its vocabulary (services, severities, statuses, impacts) in private lists; a post
keeps its page's id and its updates' ids; a postmortem lives on its post. PagerDuty's status page
API has no ``GET /status_pages/{id}``: a page is read through its list and its sub-resources.
Posts are listed newest first (by their latest update).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.protocol import bad_request, format_time, not_found, parse_time

__all__ = [
    "POST_TYPES",
    "REVIEW_STATES",
    "VOCABULARY",
    "add_post",
    "add_post_update",
    "check_post_type",
    "create_post",
    "listed",
    "post_of",
    "post_url",
    "post_view",
    "posts_listed",
    "put_postmortem",
    "render_update",
    "short_ref",
    "update_from_request",
    "updates_of",
    "vocabulary",
    "write_postmortem",
]

POST_TYPES = ("incident", "maintenance")
REVIEW_STATES = ("approved", "not_reviewed")  # a post update's reviewed_status
VOCABULARY = ("services", "severities", "statuses", "impacts")


def short_ref(obj: dict[str, Any]) -> dict[str, Any]:
    """The ``{id, type}`` reference status page objects use for one another."""
    return {"id": obj["id"], "type": obj["type"]}


def post_url(store: Store, page_id: str, post_id: str) -> str:
    return f"{store.api_base}/status_pages/{page_id}/posts/{post_id}"


def add_post(
    store: Store,
    page: dict[str, Any],
    title: str,
    post_type: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
) -> dict[str, Any]:
    ident = store.new_id()
    post: dict[str, Any] = {
        "id": ident,
        "self": post_url(store, page["id"], ident),
        "type": "status_page_post",
        "post_type": post_type,
        "status_page": short_ref(page),
        "title": title,
        "starts_at": format_time(starts_at) if starts_at else None,
        "ends_at": format_time(ends_at) if ends_at else None,
        "updates": [],
        "_page": page["id"],
        "_postmortem": None,
    }
    return store.put("status_page_posts", post)


def add_post_update(
    store: Store,
    post: dict[str, Any],
    message: str,
    status: dict[str, Any],
    severity: dict[str, Any],
    impacts: list[tuple[dict[str, Any], dict[str, Any]]],
    at: datetime,
    notify_subscribers: bool = False,
    reviewed_status: str = "approved",
) -> dict[str, Any]:
    ident = store.new_id()
    update: dict[str, Any] = {
        "id": ident,
        "self": f"{post['self']}/post_updates/{ident}",
        "type": "status_page_post_update",
        "post": short_ref(post),
        "message": message,
        "reviewed_status": reviewed_status,
        "status": short_ref(status),
        "severity": short_ref(severity),
        "impacted_services": [
            {"service": short_ref(service), "impact": short_ref(impact)} for service, impact in impacts
        ],
        "update_frequency_ms": None,
        "notify_subscribers": notify_subscribers,
        "reported_at": format_time(at),
        "_at": at,
    }
    store.put("status_page_post_updates", update)
    post["updates"].append(short_ref(update))
    return update


def render_update(update: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in update.items() if not k.startswith("_")}


def put_postmortem(
    store: Store, post: dict[str, Any], message: str, notify_subscribers: bool, at: datetime
) -> tuple[dict[str, Any], bool]:
    """Create or replace the post's postmortem; whether it is new."""
    existing = post.get("_postmortem")
    postmortem: dict[str, Any] = {
        "id": existing["id"] if existing else store.new_id(),
        "self": f"{post['self']}/postmortem",
        "type": "status_page_post_postmortem",
        "post": short_ref(post),
        "message": message,
        "notify_subscribers": notify_subscribers,
        "reported_at": format_time(at),
    }
    post["_postmortem"] = postmortem
    post["postmortem"] = short_ref(postmortem)
    return postmortem, existing is None


# -- as the API reads them -------------------------------------------------------------------------
def listed(store: Store, wanted: str | None) -> list[dict[str, Any]]:
    """The public or private pages (all when ``None``)."""
    if wanted is not None and wanted not in ("public", "private"):
        raise bad_request(errors=["status_page_type must be public or private"])
    return [p for p in store.all("status_pages") if wanted in (None, p["status_page_type"])]


def check_post_type(wanted: str | None) -> str | None:
    if wanted is not None and wanted not in POST_TYPES:
        raise bad_request(errors=["post_type must be incident or maintenance"])
    return wanted


def vocabulary(page: dict[str, Any], kind: str, post_type: str | None) -> list[dict[str, Any]]:
    """A page's services, severities, statuses or impacts (of one post type when given)."""
    return [r for r in page[f"_{kind}"] if post_type in (None, r.get("post_type"))]


def post_of(store: Store, page: dict[str, Any], post_id: str) -> dict[str, Any]:
    """One of the page's posts (404 for any other)."""
    post = store.find("status_page_posts", post_id)
    if post is None or post["_page"] != page["id"]:
        raise not_found("status_page_post", post_id)
    return post


def updates_of(store: Store, post: dict[str, Any], reviewed: str | None = None) -> list[dict[str, Any]]:
    """The post's updates, oldest first; only those of one review state when ``reviewed`` is given."""
    _check_reviewed(reviewed)
    updates = [store.get("status_page_post_updates", u["id"]) for u in post["updates"]]
    return [u for u in updates if reviewed in (None, u["reviewed_status"])]


def _check_reviewed(reviewed: str | None) -> None:
    if reviewed not in (None, *REVIEW_STATES):
        raise bad_request(errors=["reviewed_status must be approved or not_reviewed"])


def post_view(store: Store, post: dict[str, Any], full_updates: bool) -> dict[str, Any]:
    out = public(post)
    if full_updates:
        out["updates"] = [render_update(u) for u in updates_of(store, post)]
    if out.get("postmortem") is None:
        out.pop("postmortem", None)
    return out


def posts_listed(
    store: Store, page: dict[str, Any], post_type: str | None, reviewed: str | None, statuses: set[str]
) -> list[dict[str, Any]]:
    """The page's posts of a type, review state and latest status, newest update first. A post is
    not reviewed while any of its updates is not."""
    _check_reviewed(reviewed)
    posts = []
    for post in store.all("status_page_posts"):
        updates = updates_of(store, post)
        latest = updates[-1] if updates else None
        if post["_page"] != page["id"] or post_type not in (None, post["post_type"]):
            continue
        state = "not_reviewed" if any(u["reviewed_status"] == "not_reviewed" for u in updates) else "approved"
        if reviewed not in (None, state) or (statuses and (latest is None or latest["status"]["id"] not in statuses)):
            continue
        posts.append((latest["_at"] if latest else None, post))
    posts.sort(key=lambda pair: pair[0].timestamp() if pair[0] else 0, reverse=True)
    return [p for _, p in posts]


# -- as the API writes them ------------------------------------------------------------------------
def _ref_id(value: Any, where: str) -> str:
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        raise bad_request(errors=[f"{where} must be an object with an id"])
    return str(value["id"])


def _one_of(rows: list[dict[str, Any]], ident: str, post_type: str, where: str) -> dict[str, Any]:
    for row in rows:
        if row["id"] == ident and row.get("post_type", post_type) == post_type:
            return row
    raise bad_request(errors=[f"{where} {ident} is not one of this status page's {post_type} {where}s"])


def _checked_update(
    page: dict[str, Any], post_type: str, data: Any
) -> tuple[str, dict[str, Any], dict[str, Any], list[tuple[dict[str, Any], dict[str, Any]]], bool]:
    if not isinstance(data, dict):
        raise bad_request(errors=["post_update must be an object"])
    message = data.get("message")
    if not isinstance(message, str) or not message.strip():
        raise bad_request(errors=["message can't be blank"])
    for required in ("update_frequency_ms", "notify_subscribers", "impacted_services"):
        if required not in data:
            raise bad_request(errors=[f"{required} is required"])
    if not isinstance(data["notify_subscribers"], bool):
        raise bad_request(errors=["notify_subscribers must be true or false"])
    status = _one_of(page["_statuses"], _ref_id(data.get("status"), "status"), post_type, "status")
    severity = _one_of(page["_severities"], _ref_id(data.get("severity"), "severity"), post_type, "severity")
    impacts = []
    for item in data["impacted_services"] or []:
        if not isinstance(item, dict):
            raise bad_request(errors=["impacted_services items must be objects"])
        service = _one_of(page["_services"], _ref_id(item.get("service"), "service"), post_type, "service")
        impact = _one_of(page["_impacts"], _ref_id(item.get("impact"), "impact"), post_type, "impact")
        impacts.append((service, impact))
    return message.strip(), status, severity, impacts, data["notify_subscribers"]


def create_post(store: Store, page: dict[str, Any], data: dict[str, Any], at: datetime) -> dict[str, Any]:
    """A post with its first updates, from a create request's ``post`` (400 on bad input)."""
    if data.get("type") != "status_page_post":
        raise bad_request(errors=['post.type must be "status_page_post"'])
    title = data.get("title")
    if not isinstance(title, str) or not 1 <= len(title.strip()) <= 128:
        raise bad_request(errors=["title must be 1 to 128 characters"])
    post_type = data.get("post_type")
    if post_type not in POST_TYPES:
        raise bad_request(errors=["post_type must be incident or maintenance"])
    if _ref_id(data.get("status_page"), "status_page") != page["id"]:
        raise bad_request(errors=["status_page must be the page in the path"])
    for required in ("starts_at", "ends_at"):
        if required not in data:
            raise bad_request(errors=[f"{required} is required (null for incident posts)"])
    starts = parse_time(str(data["starts_at"]), "starts_at") if data["starts_at"] else None
    ends = parse_time(str(data["ends_at"]), "ends_at") if data["ends_at"] else None
    if post_type == "maintenance" and (starts is None or ends is None):
        raise bad_request(errors=["a maintenance post needs starts_at and ends_at"])
    if starts and ends and ends <= starts:
        raise bad_request(errors=["ends_at must be after starts_at"])
    updates = data.get("updates")
    if not isinstance(updates, list) or not 1 <= len(updates) <= 50:
        raise bad_request(errors=["updates must hold 1 to 50 updates"])
    checked = [_checked_update(page, post_type, u) for u in updates]
    post = add_post(store, page, title.strip(), post_type, starts, ends)
    for message, status, severity, impacts, notify in checked:
        add_post_update(store, post, message, status, severity, impacts, at, notify)
    return post


def update_from_request(
    store: Store, page: dict[str, Any], post: dict[str, Any], data: dict[str, Any], at: datetime
) -> dict[str, Any]:
    """An update to a post, from a request's ``post_update`` (400 on bad input)."""
    if _ref_id(data.get("post"), "post") != post["id"]:
        raise bad_request(errors=["post must be the post in the path"])
    message, status, severity, impacts, notify = _checked_update(page, post["post_type"], data)
    reviewed = data.get("reviewed_status", "approved")
    if reviewed not in REVIEW_STATES:
        raise bad_request(errors=["reviewed_status must be approved or not_reviewed"])
    return add_post_update(store, post, message, status, severity, impacts, at, notify, str(reviewed))


def write_postmortem(
    store: Store, post: dict[str, Any], data: dict[str, Any], at: datetime
) -> tuple[dict[str, Any], bool]:
    """Create or replace the post's postmortem from a request's ``postmortem``; whether it is new."""
    message = data.get("message")
    if not isinstance(message, str) or not message.strip() or len(message) > 10000:
        raise bad_request(errors=["message must be 1 to 10000 characters"])
    if not isinstance(data.get("notify_subscribers"), bool):
        raise bad_request(errors=["notify_subscribers is required"])
    return put_postmortem(store, post, message.strip(), data["notify_subscribers"], at)
