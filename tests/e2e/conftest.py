"""The account a module's HTTP servers talk to: one sandbox per module, served over HTTPS."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pagerduty_mcp.sandbox import Sandbox
from pagerduty_mcp.sandbox.server import ServerInfo
from tests.harness import sandbox_over_https


@pytest.fixture(scope="module")
def box() -> Sandbox:
    return Sandbox()


@pytest.fixture(scope="module")
def https_sandbox(box: Sandbox) -> Iterator[ServerInfo]:
    with sandbox_over_https(box) as info:
        yield info
