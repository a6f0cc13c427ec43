"""Which tests start other processes, and the check that each one says so.

A test that starts a process (a server over stdio or HTTP, ``redis-server``, chromium, ``uvx``,
``make``...) carries the ``subprocess`` marker; ``make test`` leaves those out, and the slow ones,
to run the in-process part alone. A test that asks for the shared Redis or browser is marked for
it here. Every run checks the rest: a test without the marker that starts a process is an error,
naming the command, so the fast part never grows a process start unnoticed.

The starts are seen through Python's audit events (``sys.addaudithook``): nothing of the standard
library is replaced, and a start anywhere in the test process counts, through ``subprocess``,
``asyncio`` or ``anyio`` alike.
"""

from __future__ import annotations

import sys
from collections.abc import Generator, Sequence
from typing import Any

import pytest

__all__ = [
    "MARKER",
    "PROCESS_FIXTURES",
    "pytest_collection_modifyitems",
    "pytest_runtest_makereport",
    "pytest_runtest_protocol",
]

MARKER = "subprocess"
# Fixtures that start a process for the tests that ask for them (tests/conftest.py; the wheels
# are built with uv unless PAGERDUTY_MCP_WHEELHOUSE names them, and uvx starts them).
PROCESS_FIXTURES = ("redis_server", "browser", "wheelhouse")
# The audit events of a new process (os.exec* replaces this one, which no test survives to report).
_STARTS = {"subprocess.Popen", "os.system", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty"}


class _Watch:
    """The processes started while one test runs (its set-up, call and tear-down)."""

    def __init__(self) -> None:
        self.test: str | None = None
        self.started: list[str] = []

    def audit(self, event: str, args: tuple[Any, ...]) -> None:
        if self.test is not None and event in _STARTS:
            self.started.append(_command(event, args))


def _command(event: str, args: tuple[Any, ...]) -> str:
    if event == "subprocess.Popen":  # (executable, args, cwd, env)
        argv = args[1]
        text = " ".join(map(str, argv)) if isinstance(argv, Sequence) and not isinstance(argv, str) else str(argv)
    else:
        text = f"{event}{args[:2]!r}"
    return text if len(text) <= 200 else text[:200] + "…"


_WATCH = _Watch()
sys.addaudithook(_WATCH.audit)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that ask for a fixture that starts a process."""
    for item in items:
        if any(name in getattr(item, "fixturenames", ()) for name in PROCESS_FIXTURES):
            item.add_marker(MARKER)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, object, object]:
    _WATCH.test, _WATCH.started = item.nodeid, []
    try:
        return (yield)
    finally:
        _WATCH.test = None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """At the end of a test (its tear-down report): an error if it started a process unmarked."""
    report = yield
    if call.when == "teardown" and _WATCH.started and item.get_closest_marker(MARKER) is None:
        commands = "\n  ".join(_WATCH.started)
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid} started {len(_WATCH.started)} process(es) but is not marked "
            f"@pytest.mark.{MARKER} (make test runs the tests that start none):\n  {commands}"
        )
    return report
