"""Status pages: the vocabulary of each page, its posts, their updates and postmortems.

PagerDuty's status page API has no ``GET /status_pages/{id}``: a page is read through its list and
its sub-resources. Posts are listed newest first (by their latest update).
"""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model.status_pages import add_post, add_post_update, put_postmortem, render_update
from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.protocol import Reply, bad_request, not_found, paginate_offset, parse_time
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []

POST_TYPES = ("incident", "maintenance")
VOCABULARY = ("services", "severities", "statuses", "impacts")


def _page(ctx: Context) -> dict[str, Any]:
    return ctx.store.get("status_pages", ctx.params["id"])


def _post(ctx: Context) -> dict[str, Any]:
    page = _page(ctx)
    post = ctx.store.find("status_page_posts", ctx.params["post_id"])
    if post is None or post["_page"] != page["id"]:
        raise not_found("status_page_post", ctx.params["post_id"])
    return post


def _post_type(ctx: Context) -> str | None:
    wanted = ctx.req.arg("post_type")
    if wanted is not None and wanted not in POST_TYPES:
        raise bad_request(errors=["post_type must be incident or maintenance"])
    return wanted


def _updates(state: Store, post: dict[str, Any]) -> list[dict[str, Any]]:
    return [state.get("status_page_post_updates", u["id"]) for u in post["updates"]]


def _render_post(state: Store, post: dict[str, Any], full_updates: bool) -> dict[str, Any]:
    out = public(post)
    if full_updates:
        out["updates"] = [render_update(u) for u in _updates(state, post)]
    if out.get("postmortem") is None:
        out.pop("postmortem", None)
    return out


@route("GET", "/status_pages")
def list_status_pages(ctx: Context) -> dict[str, Any]:
    wanted = ctx.req.arg("status_page_type")
    if wanted is not None and wanted not in ("public", "private"):
        raise bad_request(errors=["status_page_type must be public or private"])
    pages = [p for p in ctx.store.all("status_pages") if wanted in (None, p["status_page_type"])]
    page = paginate_offset(pages, ctx.req, "status_pages")
    page["status_pages"] = [public(p) for p in page["status_pages"]]
    return page


def _vocabulary_route(kind: str) -> None:
    def handler(ctx: Context) -> dict[str, Any]:
        post_type = _post_type(ctx) if kind != "services" else None
        rows = [r for r in _page(ctx)[f"_{kind}"] if post_type in (None, r.get("post_type"))]
        page = paginate_offset(rows, ctx.req, kind)
        page[kind] = [public(r) for r in page[kind]]
        return page

    handler.__name__ = f"list_status_page_{kind}"
    route("GET", f"/status_pages/{{id}}/{kind}")(handler)


for _kind in VOCABULARY:
    _vocabulary_route(_kind)


@route("GET", "/status_pages/{id}/posts")
def list_posts(ctx: Context) -> dict[str, Any]:
    page = _page(ctx)
    post_type = _post_type(ctx)
    reviewed = ctx.req.arg("reviewed_status")
    if reviewed not in (None, "approved", "not_reviewed"):
        raise bad_request(errors=["reviewed_status must be approved or not_reviewed"])
    statuses = set(ctx.req.array("status"))
    state = ctx.store
    posts = []
    for post in state.all("status_page_posts"):
        updates = _updates(state, post)
        latest = updates[-1] if updates else None
        if post["_page"] != page["id"] or post_type not in (None, post["post_type"]):
            continue
        if reviewed == "not_reviewed" or (statuses and (latest is None or latest["status"]["id"] not in statuses)):
            continue
        posts.append((latest["_at"] if latest else None, post))
    posts.sort(key=lambda pair: pair[0].timestamp() if pair[0] else 0, reverse=True)
    listed = paginate_offset([p for _, p in posts], ctx.req, "posts")
    listed["posts"] = [_render_post(state, p, False) for p in listed["posts"]]
    return listed


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


@route("POST", "/status_pages/{id}/posts")
def create_post(ctx: Context) -> Reply:
    page = _page(ctx)
    data = ctx.req.entity("post")
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
    post = add_post(ctx.store, page, title.strip(), post_type, starts, ends)
    for message, status, severity, impacts, notify in checked:
        add_post_update(ctx.store, post, message, status, severity, impacts, ctx.now, notify)
    return Reply({"post": _render_post(ctx.store, post, True)}, 201)


@route("GET", "/status_pages/{id}/posts/{post_id}")
def get_post(ctx: Context) -> dict[str, Any]:
    post = _post(ctx)
    includes = ctx.req.enum_array("include", ("status_page_post_update",))
    return {"post": _render_post(ctx.store, post, bool(includes))}


@route("GET", "/status_pages/{id}/posts/{post_id}/post_updates")
def list_post_updates(ctx: Context) -> dict[str, Any]:
    post = _post(ctx)
    page = paginate_offset(_updates(ctx.store, post), ctx.req, "post_updates")
    page["post_updates"] = [render_update(u) for u in page["post_updates"]]
    return page


@route("POST", "/status_pages/{id}/posts/{post_id}/post_updates")
def create_post_update(ctx: Context) -> Reply:
    post = _post(ctx)
    data = ctx.req.entity("post_update")
    if _ref_id(data.get("post"), "post") != post["id"]:
        raise bad_request(errors=["post must be the post in the path"])
    message, status, severity, impacts, notify = _checked_update(_page(ctx), post["post_type"], data)
    update = add_post_update(ctx.store, post, message, status, severity, impacts, ctx.now, notify)
    return Reply({"post_update": render_update(update)}, 201)


@route("GET", "/status_pages/{id}/posts/{post_id}/postmortem")
def get_postmortem(ctx: Context) -> dict[str, Any]:
    post = _post(ctx)
    if post["_postmortem"] is None:
        raise not_found("postmortem", f"of post {post['id']}")
    return {"postmortem": dict(post["_postmortem"])}


@route("PUT", "/status_pages/{id}/posts/{post_id}/postmortem")
def put_post_postmortem(ctx: Context) -> Reply:
    post = _post(ctx)
    data = ctx.req.entity("postmortem")
    message = data.get("message")
    if not isinstance(message, str) or not message.strip() or len(message) > 10000:
        raise bad_request(errors=["message must be 1 to 10000 characters"])
    if not isinstance(data.get("notify_subscribers"), bool):
        raise bad_request(errors=["notify_subscribers is required"])
    postmortem, created = put_postmortem(ctx.store, post, message.strip(), data["notify_subscribers"], ctx.now)
    return Reply({"postmortem": dict(postmortem)}, 201 if created else 200)
