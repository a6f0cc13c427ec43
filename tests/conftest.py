"""What every test may ask for, and how a run is spread over pytest-xdist's workers.

``uv run pytest`` runs on pytest-xdist workers, one more than cores, a module at a time
(``pytest_cmdline_main`` below; ``-n0`` runs in this process). The tests that start processes are
marked ``subprocess`` and checked to be (tests/processes.py): ``make test`` runs the others. The
reliability suite's figures come back from the workers to the report's closing lines.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from mcp import Client

from pagerduty_mcp.server import AREAS
from tests.browser import browser
from tests.harness import memory_session
from tests.processes import pytest_collection_modifyitems, pytest_runtest_makereport, pytest_runtest_protocol
from tests.redis_server import redis_server
from tests.reliability.tally import FUZZ, LOAD, SIGN_IN, Figures, LoadTally, Tally

# The session's own Redis, and a headless browser, for every test that asks for them; the check
# that a test starting a process is marked so.
__all__ = [
    "browser",
    "pytest_collection_modifyitems",
    "pytest_runtest_makereport",
    "pytest_runtest_protocol",
    "redis_server",
]


def pytest_configure(config: pytest.Config) -> None:
    # One marker per area, from the one list of areas: a new area needs no edit here.
    for area in AREAS:
        config.addinivalue_line("markers", f"{area.name}: the {area.command} area")


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    # Module-wide, so that a module may share an async fixture (the browser) among its tests.
    return "asyncio"


@pytest.fixture
async def client(request: pytest.FixtureRequest) -> AsyncIterator[Client]:
    """A real MCP client on an in-memory server over a fresh sandbox account.

    Which server: ``@pytest.mark.server("incidents", write=False)`` on the test or its module
    (default: the combined server, write tools on). ``client.sandbox`` is the account behind it.
    """
    marker = request.node.get_closest_marker("server")
    args, kwargs = (marker.args, dict(marker.kwargs)) if marker else ((), {})
    if "recording_sandbox" in request.fixturenames and "sandbox" not in kwargs:
        kwargs["sandbox"] = request.getfixturevalue("recording_sandbox")  # contract tests check what it saw
    async with memory_session(*args, **kwargs) as client:
        yield client


# -- spreading the run over workers ----------------------------------------------------------------


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may run on
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Unless told otherwise (``-n``, ``--dist``), spread the run over pytest-xdist workers, a module
    at a time (``--dist loadfile``: a module's shared servers start once, in one worker).

    One worker more than cores: about a third of the suite's time is spent waiting (servers
    starting, the sandbox's simulated latency, deadlines running out), which the extra worker fills
    (on 2 cores, 3 workers take a sixth less time than 2; a fourth gains little and costs CPU).
    ``-n0`` or ``-p no:xdist`` runs in this process, as do ``--pdb``, ``--trace`` and ``-s``.
    """
    if not config.pluginmanager.hasplugin("xdist") or hasattr(config, "workerinput"):
        return  # xdist is off, or this is one of its workers
    option = config.option
    if option.numprocesses is not None or option.dist != "no":
        return
    if option.usepdb or option.trace or option.capture == "no":
        return  # these need this process's terminal
    option.numprocesses = _cores() + 1
    option.dist = "loadfile"


TALLIES: dict[str, Tally | LoadTally | Figures] = {"fuzz": FUZZ, "load": LOAD, "sign-in": SIGN_IN}


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On a worker: send what the reliability suite counted to the controller."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["tallies"] = {name: tally.state() for name, tally in TALLIES.items()}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """On the controller: add up what each worker counted."""
    for name, state in getattr(node, "workeroutput", {}).get("tallies", {}).items():
        TALLIES[name].merge(state)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The fuzz and load suites' counts and failures, and the sign-in figures, in every report that ran them
    (CI output shows how many ran and how many failed, whatever ``-s`` says)."""
    if FUZZ.cases:
        terminalreporter.write_sep("-", "fuzz")
        terminalreporter.write_line(FUZZ.summary())
    if LOAD.lines:
        terminalreporter.write_sep("-", "load")
        for line in LOAD.summary():
            terminalreporter.write_line(line)
    if SIGN_IN.lines:
        terminalreporter.write_sep("-", "sign-in")
        for line in SIGN_IN.lines:
            terminalreporter.write_line(line)
