"""Which redirect URIs a client may register (RFC 8252 and the operator's allow-list)."""

from __future__ import annotations

import pytest

from pagerduty_mcp.common.hosting.redirects import RedirectPolicy

pytestmark = [pytest.mark.unit, pytest.mark.common]

ACCEPTED = [
    "http://127.0.0.1:33418/callback",  # VS Code
    "http://127.0.0.1/cb",
    "http://localhost:6274/oauth/callback",  # Claude Code, MCP Inspector
    "http://[::1]:5000/cb",
    "https://claude.ai/api/mcp/auth_callback",
    "https://vscode.dev/redirect",
    "com.example.app:/oauth2redirect",
    "com.example.app://callback",
]

REFUSED = {
    "http://evil.example.com/cb": "use https",
    "javascript:alert(document.cookie)": "never accepted",
    "JavaScript:alert(1)": "never accepted",
    "data:text/html,<script>alert(1)</script>": "character",
    "data:text/html;base64,PHNjcmlwdD4=": "never accepted",
    "file:///etc/passwd": "never accepted",
    "vbscript:msgbox(1)": "never accepted",
    "https://claude.ai/cb#fragment": "fragment",
    "https://claude.ai/cb#": "fragment",
    "https://*.example.com/cb": "wildcard",
    "https://example.com/*": "wildcard",
    "https://claude.ai@evil.example.com/cb": "user information",
    "http://127.0.0.1@evil.example.com/cb": "user information",
    "http://localhost:1@evil.com/cb": "user information",
    "https://example.com/a b": "space",
    "https:///no-host": "no host",
    "http://127.0.0.1:99999/cb": "invalid port",
    "cursor://anysphere.cursor-retrieval/oauth": "reverse-domain",
    "/relative/cb": "not an absolute URI",
    "https://example.com/" + "a" * 2000: "2000 characters",
}


@pytest.mark.parametrize("uri", ACCEPTED)
def test_https_loopback_and_reverse_domain_schemes_are_accepted(uri: str) -> None:
    assert RedirectPolicy().refusal(uri) is None


@pytest.mark.parametrize(("uri", "why"), REFUSED.items())
def test_dangerous_redirects_are_refused_with_a_reason(uri: str, why: str) -> None:
    refusal = RedirectPolicy().refusal(uri)
    assert refusal is not None and why in refusal, refusal


def test_the_allow_list_narrows_https_hosts_only() -> None:
    policy = RedirectPolicy.parse("claude.ai, *.vscode.dev, cursor:")
    assert policy.refusal("https://claude.ai/api/mcp/auth_callback") is None
    assert policy.refusal("https://insiders.vscode.dev/redirect") is None
    assert policy.refusal("cursor://anysphere.cursor-retrieval/oauth") is None  # named one-word scheme
    refused = policy.refusal("https://evil.example.com/cb")
    assert refused is not None and "evil.example.com" in refused and "--allowed-redirect-hosts" in refused
    assert policy.refusal("https://vscode.dev/redirect") is not None  # *.vscode.dev is for subdomains
    assert policy.refusal("https://evilvscode.dev/redirect") is not None
    # Loopback and reverse-domain schemes stay allowed: only the user's own device receives them.
    assert policy.refusal("http://127.0.0.1:33418/callback") is None
    assert policy.refusal("com.example.app:/cb") is None


def test_loopback_redirects_can_be_turned_off() -> None:
    policy = RedirectPolicy.parse("claude.ai", loopback=False)
    refused = policy.refusal("http://127.0.0.1:33418/callback")
    assert refused is not None and "--no-loopback-redirects" in refused
    assert policy.refusal("https://localhost/cb") is not None
    assert policy.refusal("https://claude.ai/cb") is None


@pytest.mark.parametrize("entry", ["https://claude.ai", "claude.ai/cb", "javascript:", "http:", "a b"])
def test_malformed_allow_list_entries_are_refused_at_start(entry: str) -> None:
    with pytest.raises(ValueError, match="--allowed-redirect-hosts"):
        RedirectPolicy.parse(entry)
