"""Status pages: what a page offers a post (services, severities, statuses, impacts), its posts with
their updates and postmortem, and the writes that tell customers what is going on.

Statuses, severities, impacts and services are named the way people say them ("major",
"investigating"); each is resolved against the page's own vocabulary, per post type.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from pagerduty_mcp.common import (
    TIME_FORMS,
    Envelope,
    Id,
    PagerDutyClient,
    Question,
    ToolFailure,
    at_once,
    check_order,
    clean_text,
    fact,
    get_client,
    id_or_url,
    invalid,
    iso,
    parse_time,
    path,
    resolved_row,
    respond,
    tool,
)

__all__ = [
    "create_status_page_post",
    "create_status_page_post_update",
    "get_status_page",
    "get_status_page_post",
    "list_status_page_posts",
    "list_status_pages",
    "update_status_page_postmortem",
]

PostType = Literal["incident", "maintenance"]
PageId = Annotated[Id, id_or_url("Status page")]
PostId = Annotated[Id, Field(description="Post id.")]
Message = Annotated[str, Field(min_length=1, max_length=10000, description="Text for subscribers.")]
Notify = Annotated[bool, Field(description="Email/SMS the page's subscribers.")]
Named = Annotated[str | None, Field(max_length=100, description="Name or id.")]
Reviewed = Annotated[Literal["approved", "not_reviewed"] | None, Field(description="Only updates in this state.")]
Impacts = Annotated[
    dict[str, str] | None,
    Field(description='Page service -> impact, e.g. {"Checkout": "partial outage"}.'),
]
VOCABULARY = ("services", "severities", "statuses", "impacts")
_SINGULAR = {"services": "service", "severities": "severity", "statuses": "status", "impacts": "impact"}
MAX_POSTS = 50  # posts whose updates are read for one list
FINAL = {"resolved", "completed"}  # a post in one of these statuses is over

Vocabulary = dict[str, list[dict[str, Any]]]


def _label(row: dict[str, Any]) -> str:
    return clean_text(str(row.get("name") or row.get("description") or row.get("id")), 100)


def _page_missing(page_id: str) -> ToolFailure:
    return ToolFailure(
        "STATUS_PAGE_NOT_FOUND",
        f"status_page_id: no status page {clean_text(page_id, 80)!r}; list_status_pages finds valid ones.",
        {"parameters": ["status_page_id"]},
    )


def _post_missing(post_id: str) -> ToolFailure:
    return ToolFailure(
        "STATUS_PAGE_POST_NOT_FOUND",
        f"post_id: no post {clean_text(post_id, 80)!r} on this status page; list_status_page_posts finds them.",
        {"parameters": ["post_id"]},
    )


def _read(client: PagerDutyClient, key: str, page_id: str, *rest: str, params: dict[str, Any] | None = None) -> Any:
    """``/status_pages/{page_id}/<rest...>``'s ``key``; the spec declares no paging parameters for these
    lists, so none are sent. An unknown page or post is named by its parameter."""
    url = path("/status_pages" + "/{}" * (1 + len(rest)), page_id, *rest)
    try:
        return client.read(url, params)[key]
    except ToolFailure as failure:
        if failure.code == "STATUS_PAGE_NOT_FOUND":
            raise _page_missing(page_id) from None
        if failure.code == "STATUS_PAGE_POST_NOT_FOUND" and len(rest) > 1:
            raise _post_missing(rest[1]) from None
        raise


def _vocabulary(client: PagerDutyClient, page_id: str) -> Vocabulary:
    """Everything a post on the page may use, in one round trip."""
    reads = [lambda kind=kind: _read(client, kind, page_id, kind) for kind in VOCABULARY]
    return dict(zip(VOCABULARY, at_once(*reads), strict=True))


def _pick(vocabulary: Vocabulary, kind: str, value: str, post_type: str, parameter: str) -> dict[str, Any]:
    """The row of ``kind`` that ``value`` names (id or name, any case, _ for space)."""
    rows = [r for r in vocabulary[kind] if r.get("post_type", post_type) == post_type]
    wanted = value.strip().lower().replace("_", " ")
    for row in rows:
        if wanted in (str(row["id"]).lower(), _label(row).lower()):
            return row
    valid = ", ".join(_label(r) for r in rows) or "none"
    raise invalid(parameter, f"{value!r} is not a {_SINGULAR[kind]} of this page's {post_type} posts; valid: {valid}")


def _ref(row: dict[str, Any], kind: str) -> dict[str, Any]:
    return {"id": row["id"], "type": row.get("type") or f"status_page_{_SINGULAR[kind]}"}


def _default(vocabulary: Vocabulary, kind: str, post_type: str, parameter: str) -> dict[str, Any]:
    """The only choice, or the first status (investigating, scheduled); otherwise the caller must say."""
    rows = [r for r in vocabulary[kind] if r.get("post_type", post_type) == post_type]
    if len(rows) == 1 or (rows and kind == "statuses"):
        return rows[0]
    raise invalid(parameter, f"required for {post_type} posts; valid: {', '.join(_label(r) for r in rows)}")


def _impacts(vocabulary: Vocabulary, given: dict[str, str], post_type: str) -> list[dict[str, Any]]:
    return [
        {
            "service": _ref(_pick(vocabulary, "services", service, post_type, "impacted_services"), "services"),
            "impact": _ref(_pick(vocabulary, "impacts", impact, post_type, "impacted_services"), "impacts"),
        }
        for service, impact in given.items()
    ]


def _update_body(
    post_id: str | None,
    message: str,
    status: dict[str, Any],
    severity: dict[str, Any],
    impacted: list[dict[str, Any]],
    notify: bool,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "status_page_post_update",
        "message": message,
        "status": _ref(status, "statuses"),
        "severity": _ref(severity, "severities"),
        "impacted_services": impacted,
        "update_frequency_ms": None,
        "notify_subscribers": notify,
    }
    if post_id:  # a new post has no id yet: PagerDuty's own example leaves it out
        body["post"] = {"id": post_id, "type": "status_page_post"}
    return body


def _names(vocabulary: Vocabulary) -> dict[str, str]:
    return {str(r["id"]): _label(r) for rows in vocabulary.values() for r in rows}


def _update_view(update: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    def name(ref: Any) -> str | None:
        ident = (ref or {}).get("id")
        return names.get(ident, ident) if ident else None

    return {
        "id": update.get("id"),
        "reported_at": update.get("reported_at"),
        "reviewed_status": update.get("reviewed_status"),
        "status": name(update.get("status")),
        "severity": name(update.get("severity")),
        "message": clean_text(str(update.get("message") or ""), 2000),
        "impacts": {name(i.get("service")): name(i.get("impact")) for i in update.get("impacted_services") or []},
    }


def _post_view(post: dict[str, Any], updates: list[dict[str, Any]], names: dict[str, str]) -> dict[str, Any]:
    ordered = sorted(updates, key=lambda u: str(u.get("reported_at") or ""))
    latest = _update_view(ordered[-1], names) if ordered else {}
    return {
        "id": post.get("id"),
        "title": clean_text(str(post.get("title") or ""), 300),
        "post_type": post.get("post_type"),
        "starts_at": post.get("starts_at"),
        "ends_at": post.get("ends_at"),
        "status": latest.get("status"),
        "severity": latest.get("severity"),
        "updated_at": latest.get("reported_at"),
        "_first_at": ordered[0].get("reported_at") if ordered else None,
    }


def _postmortem_view(postmortem: dict[str, Any]) -> dict[str, Any]:
    return {
        "reported_at": postmortem.get("reported_at"),
        "message": clean_text(str(postmortem.get("message") or ""), 10000),
    }


@tool("List status pages")
def list_status_pages(
    status_page_type: Annotated[Literal["public", "private"] | None, Field(description="Only this kind.")] = None,
) -> Envelope:
    """The account's status pages: name, public or private, url."""
    params = {"status_page_type": status_page_type} if status_page_type else None
    body = get_client().read("/status_pages", params)
    pages = [
        {
            "id": p["id"],
            "name": clean_text(str(p.get("name") or ""), 200),
            "status_page_type": p.get("status_page_type"),
            "url": p.get("url"),
        }
        for p in body.get("status_pages") or []
    ]
    notes = ["PagerDuty has more pages than it listed."] if body.get("more") else None
    return respond("status_pages", pages, f"{len(pages)} status page(s)", notes=notes)


@tool("Get status page")
def get_status_page(status_page_id: PageId) -> Envelope:
    """A status page's services, and the statuses, severities and impacts its posts may use."""
    client = get_client()
    resolved = resolved_row(status_page_id)  # given by name: its row is read already
    if resolved is not None:
        vocabulary, page = _vocabulary(client, status_page_id), resolved[1]
    else:  # PagerDuty has no GET /status_pages/{id}: the page's own fields are in the list
        found: list[Any] = at_once(
            lambda: _vocabulary(client, status_page_id),
            lambda: client.read("/status_pages").get("status_pages") or [],
        )
        vocabulary = found[0]
        page = next((p for p in found[1] if p.get("id") == status_page_id), {})
    shown: dict[str, Any] = {
        "id": status_page_id,
        "name": page.get("name"),
        "status_page_type": page.get("status_page_type"),
        "url": page.get("url"),
        # By name, as the statuses beside them: the writes take them so.
        "services": [_label(s) for s in vocabulary["services"]],
    }
    for post_type in ("incident", "maintenance"):
        shown[post_type] = {
            kind: [_label(r) for r in vocabulary[kind] if r.get("post_type") == post_type]
            for kind in ("statuses", "severities", "impacts")
        }
    return respond("status_pages", [shown], f"Status page {page.get('name') or status_page_id}")


def _overlaps(post: dict[str, Any], start: datetime | None, end: datetime | None, now: datetime) -> bool:
    """Whether the post was live in [start, end]: its window, or from its first update until it ended."""
    began = parse_time(post.get("starts_at") or post.get("_first_at"), "starts_at") or now
    over = post.get("ends_at") or (post.get("updated_at") if post.get("status") in FINAL else None)
    ended = parse_time(over, "ends_at") if over else None
    return (end is None or began <= end) and (start is None or ended is None or ended >= start)


@tool("List status page posts")
def list_status_page_posts(
    status_page_id: PageId,
    post_type: Annotated[PostType | None, Field(description="incident or maintenance.")] = None,
    status: Annotated[str | None, Field(max_length=100, description="Latest status, e.g. investigating.")] = None,
    since: Annotated[str | None, Field(description=f"Live after, {TIME_FORMS}.")] = None,
    until: Annotated[str | None, Field(description="Live before.")] = None,
    limit: Annotated[int, Field(ge=1, le=MAX_POSTS, description="Max posts.")] = 10,
) -> Envelope:
    """Posts on a status page, newest first, with their latest status and severity."""
    client = get_client()
    start, end = parse_time(since, "since"), parse_time(until, "until")
    check_order(start, end)
    params = {"post_type": post_type} if post_type else None
    vocabulary, posts = at_once(
        lambda: _vocabulary(client, status_page_id),
        lambda: _read(client, "posts", status_page_id, "posts", params=params),
    )
    wanted = None
    if status:
        rows = [r for r in vocabulary["statuses"] if post_type in (None, r.get("post_type"))]
        matches = {_label(r) for r in rows if status.lower().replace("_", " ") in (_label(r).lower(), r["id"].lower())}
        if not matches:
            valid = ", ".join(dict.fromkeys(_label(r) for r in rows))
            raise invalid("status", f"{status!r} is not a status of this page; valid: {valid}")
        wanted = matches
    candidates = posts[:MAX_POSTS]
    updates = at_once(*[lambda p=p: _updates_of(client, status_page_id, p["id"]) for p in candidates])
    names = _names(vocabulary)
    now = datetime.now().astimezone()
    rows_out = [_post_view(p, u, names) for p, u in zip(candidates, updates, strict=True)]
    kept = [
        r
        for r in rows_out
        if (wanted is None or r["status"] in wanted) and (not (start or end) or _overlaps(r, start, end, now))
    ]
    kept.sort(key=lambda r: str(r.get("updated_at") or ""), reverse=True)
    notes = [f"Only the newest {MAX_POSTS} posts were read."] if len(posts) > MAX_POSTS else []
    shown = [{k: v for k, v in r.items() if not k.startswith("_")} for r in kept[:limit]]
    return respond(
        "posts",
        shown,
        f"{len(shown)} post(s)",
        untrusted=True,
        has_more=len(kept) > limit,
        notes=notes or None,
    )


def _updates_of(client: PagerDutyClient, page_id: str, post_id: str) -> list[dict[str, Any]]:
    updates: list[dict[str, Any]] = _read(client, "post_updates", page_id, "posts", post_id, "post_updates")
    return updates


def _postmortem_or_none(client: PagerDutyClient, page_id: str, post_id: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = client.read(path("/status_pages/{}/posts/{}/postmortem", page_id, post_id))[
            "postmortem"
        ]
        return found
    except ToolFailure as failure:
        if failure.code.endswith("_NOT_FOUND"):  # the post exists (read beside it): it has none
            return None
        raise


@tool("Get status page post")
def get_status_page_post(status_page_id: PageId, post_id: PostId, reviewed_status: Reviewed = None) -> Envelope:
    """A post with its updates (newest first) and postmortem."""
    client = get_client()
    vocabulary, post, updates, postmortem = at_once(
        lambda: _vocabulary(client, status_page_id),
        lambda: _read(client, "post", status_page_id, "posts", post_id),
        lambda: _updates_of(client, status_page_id, post_id),
        lambda: _postmortem_or_none(client, status_page_id, post_id),
    )
    names = _names(vocabulary)
    shown = {k: v for k, v in _post_view(post, updates, names).items() if not k.startswith("_")}
    oldest_first = sorted(updates, key=lambda u: str(u.get("reported_at") or ""))  # stable: ties keep PagerDuty's order
    # Filtered here, not by PagerDuty: the post's latest status above is still read from every update.
    kept = [u for u in oldest_first if reviewed_status in (None, u.get("reviewed_status"))]
    shown["updates"] = [_update_view(u, names) for u in reversed(kept)]
    shown["postmortem"] = _postmortem_view(postmortem) if postmortem else "none yet"
    said = "with a postmortem" if postmortem else "no postmortem yet"
    return respond("posts", [shown], f"Post {shown['title']!r}: {shown['status']}, {said}", untrusted=True)


def _where(client: PagerDutyClient, arguments: dict[str, Any]) -> tuple[str, list[Any]]:
    """Where a post goes, for a question: "the public status page" and the page and post by name."""
    page_id = arguments["status_page_id"]
    pages = client.read("/status_pages").get("status_pages") or []
    page = next((p for p in pages if p.get("id") == page_id), None)
    if page is None:
        raise _page_missing(page_id)
    kind = "public" if page.get("status_page_type") == "public" else "private"
    facts = [fact("Status page", str(page.get("name") or page_id))]
    if arguments.get("post_id"):
        post = _read(client, "post", page_id, "posts", arguments["post_id"])
        facts.append(fact("Post", str(post.get("title") or arguments["post_id"])))
    return f"the {kind} status page", facts


def _notifying(arguments: dict[str, Any]) -> str:
    return ", and email/text its subscribers" if arguments.get("notify_subscribers") else ""


def _asks_before_posting(arguments: dict[str, Any]) -> Question:
    """Always: the post is published on the status page."""
    where, facts = _where(get_client(), arguments)
    if arguments.get("post_type") == "maintenance":
        facts.append(fact("Kind", "maintenance"))
    facts.append(fact("Title", arguments["title"]))
    facts.append(fact("Message", arguments["message"]))
    impacts = arguments.get("impacted_services") or {}
    if impacts:
        facts.append(fact("Impact", [f"{service}: {impact}" for service, impact in impacts.items()]))
    return Question(f"Publish a post on {where}{_notifying(arguments)}.", tuple(facts))


@tool("Create status page post", "create", confirm=_asks_before_posting)
def create_status_page_post(
    status_page_id: PageId,
    title: Annotated[str, Field(min_length=1, max_length=128, description="Headline.")],
    message: Message,
    post_type: Annotated[PostType, Field(description="maintenance needs starts_at/ends_at.")] = "incident",
    status: Named = None,
    severity: Named = None,
    impacted_services: Impacts = None,
    starts_at: Annotated[str | None, Field(description=f"Maintenance start, {TIME_FORMS}.")] = None,
    ends_at: Annotated[str | None, Field(description="Maintenance end.")] = None,
    notify_subscribers: Notify = False,
) -> Envelope:
    """Publish a post on a status page with its first update. Status defaults to the first
    (investigating, scheduled); names as get_status_page lists them."""
    client = get_client()
    start, end = parse_time(starts_at, "starts_at"), parse_time(ends_at, "ends_at")
    if post_type == "maintenance" and not (start and end):
        raise invalid("starts_at", "a maintenance post needs starts_at and ends_at")
    if post_type == "incident" and (start or end):
        raise invalid("starts_at", "only maintenance posts have a window")
    if start and end and end <= start:
        raise invalid("ends_at", "must be after starts_at")
    vocabulary = _vocabulary(client, status_page_id)
    update = _update_body(
        None,
        message,
        _pick(vocabulary, "statuses", status, post_type, "status")
        if status
        else _default(vocabulary, "statuses", post_type, "status"),
        _pick(vocabulary, "severities", severity, post_type, "severity")
        if severity
        else _default(vocabulary, "severities", post_type, "severity"),
        _impacts(vocabulary, impacted_services or {}, post_type),
        notify_subscribers,
    )
    body = {
        "post": {
            "type": "status_page_post",
            "title": title.strip(),
            "post_type": post_type,
            "starts_at": iso(start) if start else None,
            "ends_at": iso(end) if end else None,
            "updates": [update],
            "status_page": {"id": status_page_id, "type": "status_page"},
        }
    }
    post = client.write("POST", path("/status_pages/{}/posts", status_page_id), body)["post"]
    # PagerDuty may answer with references to the updates: then the one sent says what was posted.
    updates = [u for u in post.get("updates") or [] if isinstance(u, dict) and "message" in u] or [update]
    names = _names(vocabulary)
    shown = {k: v for k, v in _post_view(post, updates, names).items() if not k.startswith("_")}
    return respond("posts", [shown], f"Posted {shown['title']!r} on the status page", untrusted=True)


def _asks_before_updating_a_post(arguments: dict[str, Any]) -> Question:
    """Always: the update is published on the status page."""
    where, facts = _where(get_client(), arguments)
    for key in ("status", "severity"):
        if arguments.get(key):
            facts.append(fact(key.capitalize(), arguments[key]))
    facts.append(fact("Message", arguments["message"]))
    return Question(f"Publish an update of a post on {where}{_notifying(arguments)}.", tuple(facts))


@tool("Create status page post update", "create", confirm=_asks_before_updating_a_post)
def create_status_page_post_update(
    status_page_id: PageId,
    post_id: PostId,
    message: Message,
    status: Named = None,
    severity: Named = None,
    impacted_services: Impacts = None,
    notify_subscribers: Notify = False,
) -> Envelope:
    """Add an update to a status page post; status, severity and impacts left out stay as they were."""
    client = get_client()
    base = path("/status_pages/{}/posts/{}", status_page_id, post_id)
    vocabulary, post, updates = at_once(
        lambda: _vocabulary(client, status_page_id),
        lambda: _read(client, "post", status_page_id, "posts", post_id),
        lambda: _updates_of(client, status_page_id, post_id),
    )
    post_type = str(post.get("post_type") or "incident")
    latest: dict[str, Any] = max(updates, key=lambda u: str(u.get("reported_at") or ""), default={})
    by_id = {str(r["id"]): r for rows in vocabulary.values() for r in rows}

    def chosen(value: str | None, kind: str, parameter: str) -> dict[str, Any]:
        if value:
            return _pick(vocabulary, kind, value, post_type, parameter)
        before = by_id.get(str((latest.get(parameter) or {}).get("id")))
        return before if before is not None else _default(vocabulary, kind, post_type, parameter)

    impacted = (
        _impacts(vocabulary, impacted_services, post_type)
        if impacted_services is not None
        else [
            {"service": _ref(i["service"], "services"), "impact": _ref(i["impact"], "impacts")}
            for i in latest.get("impacted_services") or []
        ]
    )
    body = _update_body(
        post_id,
        message,
        chosen(status, "statuses", "status"),
        chosen(severity, "severities", "severity"),
        impacted,
        notify_subscribers,
    )
    created = client.write("POST", f"{base}/post_updates", {"post_update": body})["post_update"]
    shown = _update_view(created, _names(vocabulary))
    return respond("post_updates", [shown], f"Update added: {shown['status']}", untrusted=True)


def _asks_before_postmortem(arguments: dict[str, Any]) -> Question:
    """Always: the postmortem is published on the status page, replacing any there is."""
    where, facts = _where(get_client(), arguments)
    facts.append(fact("Message", arguments["message"]))
    return Question(
        f"Publish a postmortem on {where}, replacing any the post has{_notifying(arguments)}.", tuple(facts)
    )


@tool("Update status page postmortem", "update", confirm=_asks_before_postmortem)
def update_status_page_postmortem(
    status_page_id: PageId,
    post_id: PostId,
    message: Message,
    notify_subscribers: Notify = False,
) -> Envelope:
    """Write a post's postmortem, replacing any there is."""
    client = get_client()
    url = path("/status_pages/{}/posts/{}/postmortem", status_page_id, post_id)
    body = {
        "postmortem": {
            "type": "status_page_post_postmortem",
            "post": {"id": post_id, "type": "status_page_post"},
            "message": message,
            "notify_subscribers": notify_subscribers,
        }
    }
    try:
        saved = client.write("PUT", url, body)["postmortem"]
    except ToolFailure as failure:
        if not failure.code.endswith("_NOT_FOUND"):
            raise
        _read(client, "services", status_page_id, "services")  # an unknown page says so
        raise _post_missing(post_id) from None
    return respond("postmortems", [_postmortem_view(saved)], f"Postmortem saved on post {post_id}", untrusted=True)
