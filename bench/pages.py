"""Long lists: the pages after the first, fetched one at a time versus concurrently.

``paginate`` asks for ``total`` on the first page; when it is known, the remaining pages are
fetched a few at a time. This measures it against a sandbox with a fixed latency per request
(what a real network adds), so the gain is visible without PagerDuty.
"""

from __future__ import annotations

import time
from typing import Any

from bench.stats import spread

__all__ = ["measure_pages"]

ITEMS = 500
LATENCY_MS = 40.0


def measure_pages(runs: int = 3, items: int = ITEMS, latency_ms: float = LATENCY_MS) -> dict[str, Any]:
    """Milliseconds to read ``items`` incidents through ``paginate``, sequentially and concurrently."""
    from pagerduty_mcp.common import paginate
    from pagerduty_mcp.common.hosting.upstream import sandbox_pool
    from pagerduty_mcp.common.pagerduty import pagination
    from pagerduty_mcp.sandbox import Faults, Sandbox

    box = Sandbox(size=10, faults=Faults(latency_ms=latency_ms))
    box.ensure_seeded()
    pool = sandbox_pool(box)
    params = {"statuses[]": ["triggered", "acknowledged", "resolved"], "date_range": "all"}
    concurrent = pagination._CONCURRENT_PAGES
    out: dict[str, Any] = {"items": items, "sandbox_latency_ms": latency_ms, "workers": concurrent}
    try:
        client = pool.get()
        for label, workers in (("sequential", 1), ("concurrent", concurrent)):
            pagination._CONCURRENT_PAGES = workers
            samples, requests = [], 0
            for _ in range(runs):
                before = len(box.request_log)
                started = time.perf_counter()
                page = paginate(client, "/incidents", "incidents", params, limit=items)
                samples.append((time.perf_counter() - started) * 1000)
                requests = len(box.request_log) - before
                if len(page.items) != items:
                    raise RuntimeError(f"paginate returned {len(page.items)} of {items} items")
            out[label] = {**spread(samples), "requests": requests}
    finally:
        pagination._CONCURRENT_PAGES = concurrent
    return out
