"""Status pages: the vocabulary of each page, its posts, their updates and postmortems."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model import status_pages
from pagerduty_mcp.sandbox.model.store import public
from pagerduty_mcp.sandbox.protocol import Reply, not_found, paginate_offset
from pagerduty_mcp.sandbox.router import Context, Handler, route

__all__: list[str] = []


def _page(ctx: Context) -> dict[str, Any]:
    return ctx.store.get("status_pages", ctx.params["id"])


def _post(ctx: Context) -> dict[str, Any]:
    return status_pages.post_of(ctx.store, _page(ctx), ctx.params["post_id"])


@route("GET", "/status_pages")
def list_status_pages(ctx: Context) -> dict[str, Any]:
    page = paginate_offset(status_pages.listed(ctx.store, ctx.req.arg("status_page_type")), ctx.req, "status_pages")
    page["status_pages"] = [public(p) for p in page["status_pages"]]
    return page


def _vocabulary_route(kind: str) -> Handler:
    def handler(ctx: Context) -> dict[str, Any]:
        post_type = status_pages.check_post_type(ctx.req.arg("post_type")) if kind != "services" else None
        page = paginate_offset(status_pages.vocabulary(_page(ctx), kind, post_type), ctx.req, kind)
        page[kind] = [public(r) for r in page[kind]]
        return page

    handler.__name__ = f"list_status_page_{kind}"
    return route("GET", f"/status_pages/{{id}}/{kind}")(handler)


for _kind in status_pages.VOCABULARY:
    _vocabulary_route(_kind)


@route("GET", "/status_pages/{id}/posts")
def list_posts(ctx: Context) -> dict[str, Any]:
    page = _page(ctx)
    post_type = status_pages.check_post_type(ctx.req.arg("post_type"))
    reviewed = ctx.req.arg("reviewed_status")
    found = status_pages.posts_listed(ctx.store, page, post_type, reviewed, set(ctx.req.array("status")))
    listed = paginate_offset(found, ctx.req, "posts")
    listed["posts"] = [status_pages.post_view(ctx.store, p, False) for p in listed["posts"]]
    return listed


@route("POST", "/status_pages/{id}/posts")
def create_post(ctx: Context) -> Reply:
    page = _page(ctx)
    post = status_pages.create_post(ctx.store, page, ctx.req.entity("post"), ctx.now)
    return Reply({"post": status_pages.post_view(ctx.store, post, True)}, 201)


@route("GET", "/status_pages/{id}/posts/{post_id}")
def get_post(ctx: Context) -> dict[str, Any]:
    post = _post(ctx)
    includes = ctx.req.enum_array("include", ("status_page_post_update",))
    return {"post": status_pages.post_view(ctx.store, post, bool(includes))}


@route("GET", "/status_pages/{id}/posts/{post_id}/post_updates")
def list_post_updates(ctx: Context) -> dict[str, Any]:
    post = _post(ctx)
    updates = status_pages.updates_of(ctx.store, post, ctx.req.arg("reviewed_status"))
    page = paginate_offset(updates, ctx.req, "post_updates")
    page["post_updates"] = [status_pages.render_update(u) for u in page["post_updates"]]
    return page


@route("POST", "/status_pages/{id}/posts/{post_id}/post_updates")
def create_post_update(ctx: Context) -> Reply:
    post = _post(ctx)
    data = ctx.req.entity("post_update")
    update = status_pages.update_from_request(ctx.store, _page(ctx), post, data, ctx.now)
    return Reply({"post_update": status_pages.render_update(update)}, 201)


@route("GET", "/status_pages/{id}/posts/{post_id}/postmortem")
def get_postmortem(ctx: Context) -> dict[str, Any]:
    post = _post(ctx)
    if post["_postmortem"] is None:
        raise not_found("postmortem", f"of post {post['id']}")
    return {"postmortem": dict(post["_postmortem"])}


@route("PUT", "/status_pages/{id}/posts/{post_id}/postmortem")
def put_post_postmortem(ctx: Context) -> Reply:
    post = _post(ctx)
    postmortem, created = status_pages.write_postmortem(ctx.store, post, ctx.req.entity("postmortem"), ctx.now)
    return Reply({"postmortem": dict(postmortem)}, 201 if created else 200)
