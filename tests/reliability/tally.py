"""Counting the fuzz cases and load calls each run makes, for the closing lines of the test report
(CI output shows how many ran and how many failed, whatever ``-s`` says)."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FUZZ", "LOAD", "SIGN_IN", "Figures", "LoadTally", "Tally"]


@dataclass
class Tally:
    cases: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    tools: set[str] = field(default_factory=set)
    started: float | None = None
    last: float = 0.0

    def record(self, transport: str, tool: str, *, failed: bool = False) -> None:
        now = time.monotonic()
        if self.started is None:
            self.started = now
        self.last = now
        self.cases[transport] += 1
        self.tools.add(tool)
        if failed:
            self.failures[transport] += 1

    def state(self) -> dict[str, Any]:
        """What a test worker (pytest-xdist) sends the run's controller, which prints the report."""
        return {
            "cases": dict(self.cases),
            "failures": dict(self.failures),
            "tools": sorted(self.tools),
            "started": self.started,
            "last": self.last,
        }

    def merge(self, state: dict[str, Any]) -> None:
        self.cases.update(state["cases"])
        self.failures.update(state["failures"])
        self.tools.update(state["tools"])
        if state["started"] is not None:
            # CLOCK_MONOTONIC is one clock for every process of the machine.
            self.started = min(self.started or state["started"], state["started"])
            self.last = max(self.last, state["last"])

    def summary(self) -> str:
        total = sum(self.cases.values())
        parts = ", ".join(f"{name} {count:,}" for name, count in sorted(self.cases.items()))
        seconds = self.last - (self.started or self.last)
        return (
            f"fuzz: {total:,} cases ({parts}) over {len(self.tools)} tools in {seconds:.0f} s: "
            f"{sum(self.failures.values())} failures"
        )


FUZZ = Tally()


@dataclass
class LoadTally:
    """Each load run's line, and the calls and unexpected failures of them all."""

    lines: list[str] = field(default_factory=list)
    calls: int = 0
    failures: int = 0

    def record(self, line: str, calls: int, failures: int) -> None:
        self.lines.append(line)
        self.calls += calls
        self.failures += failures

    def summary(self) -> list[str]:
        return [*self.lines, f"load: {self.calls:,} calls in {len(self.lines)} runs: {self.failures} failures"]

    def state(self) -> dict[str, Any]:
        return {"lines": self.lines, "calls": self.calls, "failures": self.failures}

    def merge(self, state: dict[str, Any]) -> None:
        self.lines += state["lines"]
        self.calls += state["calls"]
        self.failures += state["failures"]


LOAD = LoadTally()


@dataclass
class Figures:
    """Lines of figures a suite measured and checked, printed as they were recorded."""

    lines: list[str] = field(default_factory=list)

    def record(self, line: str) -> None:
        self.lines.append(line)

    def state(self) -> dict[str, Any]:
        return {"lines": self.lines}

    def merge(self, state: dict[str, Any]) -> None:
        self.lines += state["lines"]


SIGN_IN = Figures()  # registrations, sign-ins and what the store holds after them
