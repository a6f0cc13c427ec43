"""Who is on call: ``/oncalls``, computed from escalation policies and rendered schedules."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model import oncalls
from pagerduty_mcp.sandbox.protocol import paginate_offset
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []


@route("GET", "/oncalls")
def list_oncalls(ctx: Context) -> dict[str, Any]:
    req = ctx.req
    includes = req.enum_array("include", oncalls.INCLUDES)
    user_ids = set(req.array("user_ids"))
    schedule_ids = set(req.array("schedule_ids"))
    policy_ids = set(req.array("escalation_policy_ids"))
    oncalls.check_targets(ctx.store, schedule_ids, policy_ids)
    earliest = req.flag("earliest")
    zone = oncalls.time_zone(ctx.store, req.arg("time_zone"))
    since, until = oncalls.window(req.time("since"), req.time("until"), ctx.now)
    found = oncalls.on_call(
        ctx.store,
        since,
        until,
        zone,
        user_ids=user_ids,
        schedule_ids=schedule_ids,
        policy_ids=policy_ids,
        earliest=earliest,
    )
    page = paginate_offset(found, req, "oncalls")
    page["oncalls"] = [oncalls.expand(ctx.store, item, includes) for item in page["oncalls"]]
    return page
