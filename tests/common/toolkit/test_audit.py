"""Audit lines no client can forge, and unknown or hidden names audited and counted as what they are."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator

import pytest
from mcp.shared.exceptions import MCPError

from pagerduty_mcp.common.hosting.metrics import Metrics
from pagerduty_mcp.common.pagerduty.context import AuditRecord, Caller, RequestContext
from pagerduty_mcp.common.pagerduty.observe import add_observer, remove_observer
from pagerduty_mcp.common.toolkit.audit import AUDIT_VALUE_CHARS, audit_value, write_audit_line
from pagerduty_mcp.common.toolkit.server import PagerDutyMCPServer
from tests.harness import memory_server, memory_session

pytestmark = [pytest.mark.unit, pytest.mark.common]

# key=value pairs, a value bare or JSON-quoted: how a log reader splits an audit line.
FIELD = re.compile(r'(\w+)=("(?:\\.|[^"\\])*"|[^ "]*)(?: |$)')
FORGED = "x\n2026-01-01 00:00:00,000 INFO pagerduty_mcp.audit: tool=delete_user outcome=ok caller=user:PADMIN1"


@pytest.mark.parametrize(
    "value",
    [
        FORGED,
        "x\rtool=delete_user outcome=ok",
        "list_incidents outcome=ok caller=user:PADMIN1",
        "name\u2028next line",
        "\x1b[2Jcleared",
        'quote" outcome=ok',
        "\u202eesrever",
    ],
)
def test_a_value_cannot_start_a_line_or_add_a_field(value: str) -> None:
    shown = audit_value(value)
    assert shown.isascii() and shown.isprintable()  # no control character, line break or bidi mark
    assert shown.startswith('"') and shown.endswith('"')  # quoted: a space inside cannot start a field
    assert json.loads(shown) == value  # escaped, not lost


def test_one_plain_word_stays_bare_and_long_values_are_cut() -> None:
    assert audit_value("list_incidents") == "list_incidents"
    assert audit_value("pagerduty://people/me") == "pagerduty://people/me"
    assert audit_value("token:…3456") == "token:…3456"
    assert audit_value("") == '""'
    long = audit_value("a" * 100_000)
    assert len(long) == AUDIT_VALUE_CHARS + 1 and long.endswith("…")


def test_the_whole_line_has_fixed_fields(caplog: pytest.LogCaptureFixture) -> None:
    request = RequestContext(
        kind="tool", name=FORGED, caller=Caller("token:…abcd", None), audit=AuditRecord("UNKNOWN_TOOL")
    )
    with caplog.at_level(logging.INFO, logger="pagerduty_mcp.audit"):
        write_audit_line(request, 1.0, None)
    (record,) = caplog.records
    line = record.getMessage()
    assert "\n" not in line
    parsed = fields(line)
    assert [key for key, _ in parsed] == ["tool", "outcome", "duration_ms", "upstream_calls", "caller"]
    assert json.loads(parsed[0][1]) == FORGED
    assert dict(parsed)["outcome"] == "UNKNOWN_TOOL" and dict(parsed)["caller"] == "token:…abcd"


@pytest.fixture
def server() -> Iterator[PagerDutyMCPServer]:
    yield memory_server(write=False)


@pytest.fixture
def metrics(server: PagerDutyMCPServer) -> Iterator[Metrics]:
    observer = Metrics(server.registered, lambda: None)
    add_observer(observer)
    try:
        yield observer
    finally:
        remove_observer(observer)


def fields(line: str) -> list[tuple[str, str]]:
    """The line's fields in order; fails if any part of it is not a field."""
    found, at = [], 0
    while at < len(line):
        match = FIELD.match(line, at)
        assert match is not None, f"not a field at {at}: {line[at:]!r}"
        found.append((match[1], match[2]))
        at = match.end()
    return found


def _audit_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "pagerduty_mcp.audit"]


@pytest.mark.anyio
async def test_unknown_names_are_audited_escaped_and_as_their_own_outcome(
    server: PagerDutyMCPServer, metrics: Metrics, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="pagerduty_mcp.audit"):
        async with memory_session(server=server) as client:
            called = await client.call_tool(FORGED, {})
            with pytest.raises(MCPError):
                await client.get_prompt(FORGED, {})
            with pytest.raises(MCPError):
                await client.read_resource("pagerduty://nothing-here/" + "x" * 300)
    assert called.is_error
    lines = _audit_lines(caplog)
    assert len(lines) == 3 and all("\n" not in line for line in lines)
    tool, prompt, resource = lines
    assert json.loads(dict(fields(tool))["tool"]) == FORGED
    assert [key for key, _ in fields(tool)] == ["tool", "outcome", "duration_ms", "upstream_calls", "caller"]
    assert dict(fields(tool))["outcome"] == "UNKNOWN_TOOL"
    assert prompt.startswith('prompt="x\\n') and "outcome=UNKNOWN_PROMPT" in prompt
    assert resource.startswith("resource=pagerduty://nothing-here/") and "outcome=UNKNOWN_RESOURCE" in resource
    assert len(resource.split(" ", 1)[0]) < 250  # cut
    text = metrics.exposition().decode()
    assert 'pagerduty_mcp_tool_calls_total{outcome="UNKNOWN_TOOL",tool="unknown"} 1.0' in text
    assert 'pagerduty_mcp_prompt_gets_total{outcome="UNKNOWN_PROMPT"} 1.0' in text
    assert 'pagerduty_mcp_resource_reads_total{outcome="UNKNOWN_RESOURCE"} 1.0' in text
    assert "delete_user" not in text and 'outcome="ok"' not in text
