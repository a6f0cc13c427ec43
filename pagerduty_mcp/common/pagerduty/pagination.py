"""``paginate``: read a PagerDuty list up to the caller's limit, and say how to continue.

The library's ``iter_all`` treats ``limit`` as a page size, yields nothing on cursor paths and
stops with only a log warning at PagerDuty's 10,000-offset ceiling. Models need the opposite: a
cap on results, an honest ``has_more``, and the offset or cursor that fetches the next part.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pagerduty_mcp.common.pagerduty.client import PagerDutyClient
from pagerduty_mcp.common.pagerduty.progress import page_fetched

__all__ = ["MAX_OFFSET", "PAGE_SIZE", "Page", "at_once", "paginate", "paginate_cursor"]

T = TypeVar("T")

PAGE_SIZE = 100
MAX_OFFSET = 10_000
_CONCURRENT_PAGES = 4


@dataclass
class Page:
    """Up to ``limit`` items, whether more exist, and how to ask for them."""

    items: list[dict[str, Any]]
    has_more: bool = False
    next_offset: int | None = None
    next_cursor: str | None = None
    total: int | None = None
    notes: list[str] = field(default_factory=list)

    def metadata(self) -> dict[str, Any]:
        meta: dict[str, Any] = {"has_more": self.has_more}
        if self.next_offset is not None:
            meta["next_offset"] = self.next_offset
        if self.next_cursor is not None:
            meta["next_cursor"] = self.next_cursor
        if self.total is not None:
            meta["total"] = self.total
        if self.notes:
            meta["notes"] = self.notes
        return meta


def paginate(
    client: PagerDutyClient,
    url: str,
    key: str,
    params: dict[str, Any] | None = None,
    *,
    limit: int = 25,
    offset: int = 0,
    with_total: bool = True,
) -> Page:
    """Offset pagination: fetch ``limit`` items starting at ``offset``.

    The first page asks for ``total``; when PagerDuty gives it, the remaining pages are fetched
    concurrently (a few at a time, so the rate limit is respected). Pass ``with_total=False``
    for endpoints that do not accept ``total``.
    """
    params = dict(params or {})
    if offset >= MAX_OFFSET:
        return Page([], False, notes=[_ceiling_note(offset)])
    limit = max(0, min(limit, MAX_OFFSET - offset))
    first_size = min(PAGE_SIZE, max(limit, 1))
    first = {**params, "limit": first_size, "offset": offset}
    if with_total:  # not every list endpoint accepts ``total``
        first["total"] = "true"
    body = client.read(url, first)
    page_fetched()
    items = list(body.get(key) or [])
    more = bool(body.get("more"))
    total = body.get("total") if isinstance(body.get("total"), int) else None

    if more and len(items) < limit:
        # PagerDuty may serve fewer items per page than asked: step by what it really serves.
        step = min(PAGE_SIZE, len(items)) or PAGE_SIZE
        offsets = list(range(offset + len(items), offset + limit, step))
        if total is not None:
            offsets = [o for o in offsets if o < total]
            pages = _fetch_concurrently(client, url, key, params, offsets, offset + limit, step)
            for page_items, page_more in pages:
                items.extend(page_items)
                more = page_more
        else:
            for page_offset in offsets:
                size = min(step, offset + limit - page_offset)
                body = client.read(url, {**params, "limit": size, "offset": page_offset})
                page_fetched()
                items.extend(body.get(key) or [])
                more = bool(body.get("more"))
                if not more:
                    break

    has_more = more or len(items) > limit
    items = items[:limit]
    next_offset = offset + len(items)
    if total is not None:
        has_more = next_offset < total
    notes: list[str] = []
    if has_more and next_offset >= MAX_OFFSET:
        notes.append(_ceiling_note(next_offset))
        has_more = False
    return Page(
        items,
        has_more,
        next_offset if has_more else None,
        total=total,
        notes=notes,
    )


def _fetch_concurrently(
    client: PagerDutyClient,
    url: str,
    key: str,
    params: dict[str, Any],
    offsets: list[int],
    end: int,
    step: int = PAGE_SIZE,
) -> list[tuple[list[dict[str, Any]], bool]]:
    def fetch(page_offset: int) -> tuple[list[dict[str, Any]], bool]:
        size = min(step, end - page_offset)
        body = client.read(url, {**params, "limit": size, "offset": page_offset})
        page_fetched()
        return list(body.get(key) or []), bool(body.get("more"))

    return at_once(*[functools.partial(fetch, o) for o in offsets])


def at_once(*calls: Callable[[], T]) -> list[T]:
    """Run independent requests as one step: their results in order; the first failure (in order) is raised.

    A tool whose requests do not depend on each other waits for one round trip, not for each. A few
    run at a time, so one call cannot take every connection its credential has.
    """
    if len(calls) <= 1:
        return [call() for call in calls]
    # Each worker runs in a copy of this call's context, so deadlines and request counts follow it.
    context = copy_context()
    with ThreadPoolExecutor(max_workers=min(_CONCURRENT_PAGES, len(calls))) as pool:
        futures = [pool.submit(context.copy().run, call) for call in calls]
        return [f.result() for f in futures]


def _ceiling_note(offset: int) -> str:
    return (
        f"PagerDuty lists stop at offset {MAX_OFFSET}; narrow the query (since/until, filters) "
        f"to reach results past {offset}."
    )


def paginate_cursor(
    client: PagerDutyClient,
    url: str,
    key: str,
    params: dict[str, Any] | None = None,
    *,
    limit: int = 25,
    cursor: str | None = None,
    cursor_param: str = "cursor",
    next_field: str = "next_cursor",
) -> Page:
    """Cursor pagination (``cursor``/``next_cursor``, or ``after``/``next_cursor`` pairs)."""
    params = dict(params or {})
    items: list[dict[str, Any]] = []
    next_cursor = cursor
    while len(items) < limit:
        query = {**params, "limit": min(PAGE_SIZE, limit - len(items))}
        if next_cursor:
            query[cursor_param] = next_cursor
        body = client.read(url, query)
        page_fetched()
        items.extend(body.get(key) or [])
        next_cursor = body.get(next_field) or None
        if not next_cursor:
            break
    return Page(items[:limit], has_more=bool(next_cursor), next_cursor=next_cursor)
