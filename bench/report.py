"""The tables ``make bench`` prints, from the same dict it writes to ``bench/results.json``."""

from __future__ import annotations

from typing import Any

from bench.budgets import MARGIN, propose_budgets
from bench.guards import check, render_guards
from bench.pagerduty_server import NO_TOOL, REPOSITORY, THEIRS
from bench.startup import SDK_FLOOR

__all__ = ["concurrency_lines", "render"]


def _ms(entry: dict[str, Any] | None) -> str:
    if not entry:
        return "-"
    if "error" in entry and "median" not in entry:
        return f"failed: {entry['error']}"
    return f"{entry['median']:.0f} ms (min {entry['min']:.0f}, max {entry['max']:.0f}, n={entry['runs']})"


def _surface_lines(surface: dict[str, Any]) -> list[str]:
    if "error" in surface:
        return [f"  tools/list: failed: {surface['error']}"]
    ro, rw = surface["read_only"], surface["with_writes"]
    largest = ", ".join(f"{t['name']} {t['model_bytes']:,}" for t in rw["largest"])
    return [
        f"  {'':34}{'read-only':>14}{'with writes':>14}",
        f"  {'tools':34}{ro['tools']:>14,}{rw['tools']:>14,}",
        f"  {'model reads (bytes)':34}{ro['model_bytes']:>14,}{rw['model_bytes']:>14,}",
        f"  {'model reads (~tokens)':34}{ro['model_tokens']:>14,}{rw['model_tokens']:>14,}",
        f"  {'whole tools/list (bytes)':34}{ro['tools_list_bytes']:>14,}{rw['tools_list_bytes']:>14,}",
        f"  largest (bytes, with writes): {largest}",
    ]


def _answer_lines(answers: dict[str, Any], latency: dict[str, Any], slow: dict[str, Any]) -> list[str]:
    head = f"  {'answer':40}{'tool':32}{'bytes':>8}{'~tok':>7}{'requests':>10}{'theirs':>8}{'@100ms':>8}"
    lines = [f"{head}  latency over stdio"]
    for name, entry in answers.items():
        if "skipped" in entry:
            lines.append(f"  {name:40}{entry['tool']:32}  skipped: {entry['skipped']}")
            continue
        if "error" in entry and "response_bytes" not in entry:
            lines.append(f"  {name:40}{entry.get('tool', ''):32}  failed: {entry['error']}")
            continue
        upstream = f"{entry['upstream_requests']}/{entry['upstream_requests_again']}"
        flag = f"  [error {entry['error']}]" if "error" in entry else ""
        waited = f"{slow[name]['median']:.0f}" if "median" in slow.get(name, {}) else "-"
        theirs = entry.get("pagerduty_server_requests", "-")
        lines.append(
            f"  {name:40}{entry['tool']:32}{entry['response_bytes']:>8,}{entry['response_tokens']:>7,}"
            f"{upstream:>10}{theirs:>8}{waited:>8}  {_ms(latency.get(name))}{flag}"
        )
    return lines


def _answer_set_lines(answers: dict[str, Any], before: dict[str, Any]) -> list[str]:
    """The whole fixed set's bytes and requests now, next to the figures recorded before
    (``bench/answers_before.json``: the set, and the questions added later, each with its own total)."""
    measured = {n: e for n, e in answers.items() if "response_bytes" in e}
    if not measured:
        return []
    lines = ["", f"== the fixed answer set, now and before ({before.get('recorded_at', 'no figures recorded before')})"]
    later = before.get("later") or {}
    for title, recorded in (("the set", before), (f"added later ({later.get('recorded_at', '-')})", later)):
        was, asked = recorded.get("bytes") or {}, recorded.get("requests") or {}
        names = [n for n in measured if n in was]
        if not names:
            continue
        if recorded is later:
            lines.append(f"  {title}")
        lines.append(f"  {'answer':40}{'bytes':>8}{'before':>8}{'change':>8}{'requests':>10}{'before':>8}")
        for name in names:
            now, old = measured[name]["response_bytes"], was[name]
            sent = measured[name]["upstream_requests"]
            lines.append(f"  {name:40}{now:>8,}{old:>8,}{(now - old) / old:>+8.0%}{sent:>10}{asked.get(name, '-'):>8}")
        now_total, old_total = sum(measured[n]["response_bytes"] for n in names), sum(was[n] for n in names)
        sent_total = sum(measured[n]["upstream_requests"] for n in names)
        asked_total = sum(asked.get(n, 0) for n in names)
        lines.append(
            f"  {'all of them':40}{now_total:>8,}{old_total:>8,}{(now_total - old_total) / old_total:>+8.1%}"
            f"{sent_total:>10}{asked_total:>8}"
        )
    compared = [n for n in measured if n in THEIRS]
    if compared:
        ours, theirs = (
            sum(measured[n]["upstream_requests"] for n in compared),
            sum(THEIRS[n].requests for n in compared),
        )
        lines.append(
            f"  requests of the {len(compared)} questions PagerDuty's own server answers: ours {ours}, theirs {theirs} "
            f"(theirs cannot give {sum(len(THEIRS[n].lacks) for n in compared)} of the facts asked)"
        )
    return lines


def _theirs_lines() -> list[str]:
    """PagerDuty's own server's requests per question, and where in its source they were counted."""
    lines = ["", f"== PagerDuty's own MCP server ({REPOSITORY}), requests per question, counted from its source"]
    for question, theirs in THEIRS.items():
        lacks = f"; cannot give {', '.join(theirs.lacks)}" if theirs.lacks else ""
        lines.append(f"  {question:40}{theirs.requests:>3}  {theirs.calls}{lacks}  [{theirs.source}]")
    for question, why in NO_TOOL.items():
        lines.append(f"  {question:40}  -  no tool answers it: {why}")
    return lines


def concurrency_lines(concurrency: dict[str, Any]) -> list[str]:
    """The concurrency scenarios (request budget off, as each server said), then the budget on its own."""
    if "error" in concurrency:
        return ["", f"== concurrency: failed: {concurrency['error']}"]
    budget_off = concurrency.get("budget_per_minute") == 0
    lines = [
        "",
        f"== {concurrency.get('calls')} concurrent {concurrency.get('tool')} calls over streamable HTTP, "
        f"sandbox latency {concurrency.get('latency_ms', 0):.0f} ms (bench.concurrency)",
        "  request budget "
        + ("off (--budget-per-minute 0): these figures are the server's, not the budget's" if budget_off else "ON"),
    ]
    for name, row in concurrency.get("scenarios", {}).items():
        seconds = {k: v * 1000 for k, v in row.get("seconds", {}).items()}
        seconds["runs"] = row.get("seconds", {}).get("runs", 0)
        added = row.get("added_in_latencies")
        extra = f"; {row['latencies']} latencies, the latency added {added}" if added is not None else ""
        lines.append(f"  {name:34}{_ms(seconds) if 'median' in seconds else '-'}{extra}")
        if row.get("server_started_with"):
            lines.append(f"  {'':34}server: {row['server_started_with']}")
    budget = concurrency.get("budget")
    if budget and "error" in budget:
        lines.append(f"  budget on its own: failed: {budget['error']}")
    elif budget:
        lines += [
            "",
            f"== the request budget on its own: one caller, bursts of {budget['calls_per_burst']} back to back, "
            f"{budget['budget_per_minute']} a minute (a bucket of {budget['capacity']:.0f}, "
            f"refilled at {budget['refill_per_second']} a second)",
            f"  server: {budget['server_started_with']}",
            f"  {'burst':>7}{'bucket holds':>14}{'expected s':>12}{'measured s':>12}",
        ]
        for row in budget["bursts"]:
            lines.append(
                f"  {row['burst']:>7}{row['tokens_at_start']:>14.1f}{row['expected_seconds']:>12.2f}"
                f"{row['measured_seconds']:>12.2f}"
            )
        lines.append("  expected: one latency, plus the wait for what the bucket lacks at the burst's start")
    return lines


def render(results: dict[str, Any]) -> str:
    """Plain-text tables: one block per server, then start-up layers and pagination."""
    out: list[str] = []
    for key, server in results["servers"].items():
        out += ["", f"== {server['command']}" + (" (every area, everything on)" if key == "mcp" else "")]
        out += _surface_lines(server["surface"])
        out.append(f"  initialize over stdio, cold start: {_ms(server.get('initialize'))}")
        if server.get("floor_ratio") is not None:
            floor = server["sdk_floor"]
            ratio = server["floor_ratio"]
            out.append(f"  ... the SDK's import alone ({SDK_FLOOR}), spawn to exit: {_ms(floor)}")
            out.append(f"  ... initialize over the SDK's import, median of paired runs: {ratio:.2f}x")
        cpu = server.get("cpu_to_initialize") or {}
        if "ratio" in cpu:
            out.append(
                f"  ... CPU to initialize {cpu['server_cpu']['median']:.0f} ms over the SDK import's alone "
                f"{cpu['sdk_floor_cpu']['median']:.0f} ms (no exit): {cpu['ratio']:.2f}x (median of pairs; steadier)"
            )
        out.append(f"  ... and tools/list answered:       {_ms(server.get('tools_listed'))}")
        if server.get("server_cpu"):
            out.append(f"  server CPU time, start to exit:    {_ms(server['server_cpu'])}")
        latency = server.get("latency", {})
        if "error" in latency:
            out.append(f"  latency: failed: {latency['error']}")
            latency = {}
        every = results.get("answers", {})
        if "error" in every:
            out.append(f"  answers: failed: {every['error']}")
            every = {}
        answers = {n: a for n, a in every.items() if a.get("tool") in server["tool_names"]}
        missing = {n: a for n, a in every.items() if "skipped" in a and key == "mcp"}
        if answers or missing:
            slow = results.get("slow_upstream") or {}
            out += _answer_lines({**answers, **missing}, latency, {} if "error" in slow else slow)
    if isinstance(results.get("answers"), dict) and "error" not in results["answers"]:
        out += _answer_set_lines(results["answers"], results.get("answers_before") or {})
        out += _theirs_lines()
    startup = results.get("startup", {})
    if startup:
        out += ["", f"== where start-up goes: {startup['server']}, write tools on (a fresh process each run)"]
        layers = startup.get("layers", {})
        if "error" in layers:
            out.append(f"  failed: {layers['error']}")
        cpu = layers.get("phases_cpu", {})
        for label, entry in layers.get("phases", {}).items():
            spent = f"   cpu {cpu[label]['median']:.0f} ms" if label in cpu else ""
            out.append(f"  {label:34}{_ms(entry)}{spent}")
        if "register_cpu_ms_per_tool" in layers:
            per_tool = layers["register_cpu_ms_per_tool"]
            out.append(f"  {'registering, cpu per tool':34}{per_tool:.1f} ms ({layers['tools']} tools)")
        others = startup.get("per_server_cpu") or {}
        if others:
            out.append(f"  cpu medians of the other servers: {'':6}{'mcp':>8}{'ours':>8}{'tools':>8}{'pool':>8}  (ms)")
            for key, row in others.items():
                if "error" in row:
                    out.append(f"    {key:38}failed: {row['error']}")
                    continue
                cpu_of = {p: e["median"] for p, e in row["phases_cpu"].items()}
                out.append(
                    f"    {key + ' (' + str(row['tools']) + ' tools)':38}{cpu_of['import_mcp']:>8.0f}"
                    f"{cpu_of['import_server']:>8.0f}{cpu_of['register_tools']:>8.0f}{cpu_of['sandbox_pool']:>8.0f}"
                )
        sent = startup.get("upstream_requests")
        if sent:
            told = sent["error"] if "error" in sent else f"{sent['requests']} {sent.get('paths') or ''}".strip()
            out.append(f"  {'PagerDuty requests at start-up':34}{told} (start, initialize, tools/list; real token)")
        tracing = startup.get("tracing")
        if tracing and "error" not in tracing:
            for label, told in (("unset", "OTEL endpoint unset"), ("set", "OTEL endpoint set")):
                row = tracing[label]
                sdk = "SDK + exporter loaded" if row["sdk_loaded"] else "no OpenTelemetry SDK loaded"
                cpu_ms = row["cpu"]["median"]
                out.append(f"  {'imports + start_tracing, ' + told:34}{_ms(row['wall'])}   cpu {cpu_ms:.0f} ms ({sdk})")
        if "without_bytecode" in startup:
            out.append(f"  {'initialize, no cached bytecode':34}{_ms(startup['without_bytecode'])}")
        breakdown = startup.get("import_breakdown")
        if breakdown and "error" not in breakdown:
            shares = ", ".join(f"{k} {v:.0f}" for k, v in breakdown["packages_ms"].items())
            total = breakdown["total_ms"]
            out.append(f"  import self-time per package (ms, python -X importtime, {total:.0f} in all): {shares}")
    pages = results.get("pages")
    if pages and "error" not in pages:
        out += [
            "",
            f"== {pages['items']} incidents through paginate, sandbox latency {pages['sandbox_latency_ms']:.0f} ms",
            f"  {'one page at a time':34}{_ms(pages['sequential'])}, {pages['sequential']['requests']} requests",
            f"  {str(pages['workers']) + ' pages at a time':34}{_ms(pages['concurrent'])}, "
            f"{pages['concurrent']['requests']} requests",
        ]
    concurrency = results.get("concurrency")
    if concurrency:
        out += concurrency_lines(concurrency)
    budgets = results.get("proposed_budgets") or propose_budgets(results.get("servers", {}))
    if budgets:
        out += [
            "",
            f"== proposed byte budgets, tests/servers/test_tool_surface.py (measured + {MARGIN:.0%}, writes on)",
        ]
        out.append(f"  {'server':22}{'model bytes':>14}{'tools/list':>14}{'per tool':>12}")
        for key, row in budgets.items():
            out.append(f"  {key:22}{row['model_bytes']:>14,}{row['tools_list_bytes']:>14,}{row['per_tool_bytes']:>12,}")
    out += render_guards(check(results))
    out += [
        "",
        f"tokens: {results['method']['tokens']}",
        results["method"]["upstream"],
        "@100ms: the answer's median time (ms, in-process, warm) when every PagerDuty request takes 100 ms.",
        "theirs: the requests PagerDuty's own MCP server needs for the same question (bench/pagerduty_server.py).",
    ]
    return "\n".join(out) + "\n"
