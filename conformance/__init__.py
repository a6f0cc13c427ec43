"""``make conformance``: the official MCP conformance suite against a streamable-HTTP sandbox server.

The suite (``@modelcontextprotocol/conformance``) and the Node 22 it needs are pinned in
``conformance/package.json`` and ``package-lock.json`` and installed into ``conformance/node_modules``
(git-ignored) on first use. ``uv run python -m conformance`` starts ``pagerduty-mcp --sandbox`` on a
free loopback port, runs every server scenario of the suite's active set, and prints one line per
scenario: the suite's own verdict, and whether the scenario applies to this server (and if not, why:
most call the suite's own fixture tools, prompts and resources).

It fails when a scenario that applies fails, when the suite reports no scenarios, or when a
scenario produced no result at all.
"""

__all__ = ["NOTES", "NOT_APPLICABLE"]


def _fixtures(what: str, named: dict[str, str]) -> dict[str, str]:
    """Scenarios that call the suite's own fixture ``what`` (a tool, prompt or resource) by name."""
    return {
        scenario: f"calls the suite's own fixture {what} `{name}`, which a PagerDuty server does not have"
        for scenario, name in named.items()
    }


# Scenario -> why it cannot apply to this server. Everything else must pass.
NOT_APPLICABLE: dict[str, str] = {
    **_fixtures(
        "tool",
        {
            "tools-call-simple-text": "test_simple_text",
            "tools-call-image": "test_image_content",
            "tools-call-audio": "test_audio_content",
            "tools-call-embedded-resource": "test_embedded_resource",
            "tools-call-mixed-content": "test_multiple_content_types",
            "tools-call-with-logging": "test_tool_with_logging",
            "tools-call-error": "test_error_handling",
            "tools-call-with-progress": "test_tool_with_progress",
            "tools-call-sampling": "test_sampling",
            "tools-call-elicitation": "test_elicitation",
            "elicitation-sep1034-defaults": "test_elicitation_sep1034_defaults",
            "elicitation-sep1330-enums": "test_elicitation_sep1330_enums",
            "json-schema-2020-12": "json_schema_2020_12_tool",
        },
    ),
    **_fixtures(
        "prompt",
        {
            "prompts-get-simple": "test_simple_prompt",
            "prompts-get-with-args": "test_prompt_with_arguments",
            "prompts-get-embedded-resource": "test_prompt_with_embedded_resource",
            "prompts-get-with-image": "test_prompt_with_image",
        },
    ),
    **_fixtures(
        "resource",
        {
            "resources-read-text": "test://static-text",
            "resources-read-binary": "test://static-binary",
            "resources-templates-read": "test://template/{id}/data",
        },
    ),
    **dict.fromkeys(
        ("resources-subscribe", "resources-unsubscribe"),
        "this server does not declare resources.subscribe: nothing tells it when PagerDuty data changes "
        "(no push channel; polling would spend the caller's rate limit), and stateless HTTP has no stream "
        "to notify on; the scenario also names the fixture `test://watched-resource`",
    ),
    **dict.fromkeys(
        ("server-sse-multiple-streams", "server-sse-polling"),
        "needs an HTTP session id (stateful streamable HTTP); this server is stateless so that any replica "
        "answers any request (server-sse-polling also calls the fixture tool `test_reconnection`)",
    ),
}

# Scenarios that apply, with what they do and do not show here.
NOTES: dict[str, str] = {
    "completion-complete": "names the fixture prompt `test_prompt_with_arguments`; an unknown prompt "
    "completes to nothing here, so this checks the method and the answer's shape (real completions: "
    "tests/e2e/test_resources.py)",
}
