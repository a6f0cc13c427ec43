from __future__ import annotations

import pytest

from tests.reliability.tally import FUZZ


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The fuzz suite's case count and failures, in every report that ran it."""
    if FUZZ.cases:
        terminalreporter.write_sep("-", "fuzz")
        terminalreporter.write_line(FUZZ.summary())
