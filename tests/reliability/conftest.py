from __future__ import annotations

import pytest

from tests.reliability.tally import FUZZ, LOAD, SIGN_IN


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The fuzz and load suites' counts and failures, and the sign-in figures, in every report that ran them."""
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
