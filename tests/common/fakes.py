"""A scripted PagerDuty for unit tests of the common core (the sandbox covers the rest)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx2

from pagerduty_mcp.common.pagerduty.client import PagerDutyClient
from pagerduty_mcp.common.pagerduty.config import Credential, Settings

API = "https://api.pagerduty.com"


Answer = Callable[[httpx2.Request], httpx2.Response]


def reply(status: int = 200, body: Any = None, headers: dict[str, str] | None = None) -> Answer:
    """A scripted answer; each use builds a fresh response (a response can be read only once)."""
    data = b"" if body is None else json.dumps(body).encode()

    def answer(request: httpx2.Request) -> httpx2.Response:
        # TRAPS.md: the library reads .elapsed, which json=/content= responses break.
        return httpx2.Response(
            status,
            headers={"content-type": "application/json", **(headers or {})},
            stream=httpx2.ByteStream(data),
            request=request,
        )

    return answer


class Recorder:
    """Records requests and answers each with the next scripted response (or a function)."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return answer(request)


def make_client(
    handler: Callable[[httpx2.Request], httpx2.Response],
    *,
    secret: str = "u+abcdefghijklmnop",
    kind: str = "token",
    email: str | None = None,
    sleeps: list[float] | None = None,
) -> PagerDutyClient:
    settings = Settings(credential=Credential(secret, kind), user_email=email, rate_limit_wait_seconds=10)
    client = PagerDutyClient(settings.credential, settings, transport=httpx2.MockTransport(handler))  # type: ignore[arg-type]
    recorded = sleeps if sleeps is not None else []
    client.sleep = recorded.append  # type: ignore[method-assign]
    return client
