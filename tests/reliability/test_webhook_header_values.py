"""Webhook custom header values are secrets: a full run of the combined server over stdio (write
tools on, DEBUG logs, a flaky sandbox) that creates, reads, changes, tests and deletes
subscriptions with header values, and sends bad ones, never shows a value in an answer or a log
line, while the receiver does get them."""

from __future__ import annotations

import tempfile

import pytest

from tests.harness import stdio_session
from tests.reliability.test_secrets import FAULT_ENV, assert_no_secret
from tests.servers.services.receiver import receiver

pytestmark = [pytest.mark.e2e, pytest.mark.anyio, pytest.mark.slow, pytest.mark.subprocess]

VALUES = [f"hdr-secret-{n}-q8Zr2xLw" for n in range(6)]
ENV = {"PAGERDUTY_SANDBOX_SEED": "7", "PAGERDUTY_SANDBOX_DELIVER_WEBHOOKS": "1", **FAULT_ENV}


async def test_header_values_never_show_in_answers_or_logs() -> None:
    outputs: list[str] = []
    with (
        receiver() as endpoint,
        tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as stderr,
    ):
        debug = ("--log-level", "DEBUG")
        async with stdio_session(write=True, args=debug, env=ENV, errlog=stderr) as client:

            async def call(tool: str, arguments: dict[str, object]) -> str:
                result = await client.call_tool(tool, arguments)
                text = "".join(getattr(c, "text", "") for c in result.content)
                outputs.append(text)
                return text if not result.is_error else ""

            headers = {"X-Token": VALUES[0], "Authorization": f"Bearer {VALUES[1]}"}
            created = ""
            for _ in range(5):  # the sandbox drops or fails some requests on purpose
                created = await call(
                    "create_webhook_subscription",
                    {"url": endpoint.url, "service_id": "Checkout API", "custom_headers": headers},
                )
                if created:
                    break
            assert created, outputs[-1]
            ident = created.split('"webhook_subscriptions":[{"id":"')[1].split('"')[0]
            for tool, arguments in [
                ("get_webhook_subscription", {"webhook_subscription_id": ident}),
                ("list_webhook_subscriptions", {"service_id": "Checkout API"}),
                ("list_webhook_subscriptions", {"event": "incident.triggered", "active": True}),
                ("update_webhook_subscription", {"webhook_subscription_id": ident, "events": ["incident.resolved"]}),
                ("update_webhook_subscription", {"webhook_subscription_id": ident, "active": False}),
                ("update_webhook_subscription", {"webhook_subscription_id": ident, "active": True}),
                ("test_webhook_subscription", {"webhook_subscription_id": ident}),
                ("test_webhook_subscription", {"webhook_subscription_id": ident}),
                ("test_webhook_subscription", {"webhook_subscription_id": ident}),
            ]:
                await call(tool, arguments)
            bad = [
                {"url": endpoint.url, "custom_headers": {"Bad Header": VALUES[2]}},
                {"url": endpoint.url, "custom_headers": {"X-Token": VALUES[3] + "\r\nX-Injected: 1"}},
                {"url": endpoint.url, "events": ["incident.exploded"], "custom_headers": {"X-Token": VALUES[4]}},
                {"url": "http://hooks.example.com/plain", "custom_headers": {"X-Token": VALUES[5]}},
                {"url": endpoint.url, "team_id": "No Such Team", "custom_headers": {"X-Token": VALUES[5]}},
            ]
            for arguments in bad:
                assert not await call("create_webhook_subscription", arguments)
            await call("delete_webhook_subscription", {"webhook_subscription_id": ident})
        stderr.seek(0)
        logs = stderr.read()
    assert "tool=create_webhook_subscription" in logs and "tool=test_webhook_subscription" in logs
    # The values did travel: PagerDuty (the sandbox) sent them to the receiver.
    assert any(VALUES[0] in d.headers.values() for d in endpoint.deliveries), "no ping reached the receiver"
    for where, text in (("tool output", "\n".join(outputs)), ("the logs", logs)):
        assert_no_secret(where, text, VALUES)
