"""Fault switches: latency, 5xx error rate, a per-minute rate limit and dropped connections.

All are off by default. Randomness comes from a ``random.Random`` seeded from the sandbox seed, so
a test that switches a fault on sees the same sequence of failures every run.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["FaultDecision", "FaultInjector", "Faults"]

ENV_LATENCY = "PAGERDUTY_SANDBOX_LATENCY_MS"
ENV_ERROR_RATE = "PAGERDUTY_SANDBOX_ERROR_RATE"
ENV_RATE_LIMIT = "PAGERDUTY_SANDBOX_RATE_LIMIT"
ENV_DROP_RATE = "PAGERDUTY_SANDBOX_DROP_RATE"


def _env_number(name: str, kind: type, low: float, high: float | None) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return kind(0)
    try:
        value = kind(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number") from None
    if value < low or (high is not None and value > high):
        bound = f"{low}..{high}" if high is not None else f">= {low}"
        raise ValueError(f"{name}={raw!r} is out of range ({bound})")
    return value


@dataclass(frozen=True)
class Faults:
    """Which faults are on. ``rate_limit`` is requests per minute (0 = unlimited)."""

    latency_ms: float = 0.0
    error_rate: float = 0.0
    rate_limit: int = 0
    drop_rate: float = 0.0

    def __post_init__(self) -> None:
        for name in ("error_rate", "drop_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {value}")
        if self.latency_ms < 0 or self.rate_limit < 0:
            raise ValueError("latency_ms and rate_limit must not be negative")

    @classmethod
    def from_env(cls) -> Faults:
        return cls(
            latency_ms=float(_env_number(ENV_LATENCY, float, 0, None)),
            error_rate=float(_env_number(ENV_ERROR_RATE, float, 0, 1)),
            rate_limit=int(_env_number(ENV_RATE_LIMIT, int, 0, None)),
            drop_rate=float(_env_number(ENV_DROP_RATE, float, 0, 1)),
        )

    @property
    def any(self) -> bool:
        return bool(self.latency_ms or self.error_rate or self.rate_limit or self.drop_rate)


@dataclass(frozen=True)
class FaultDecision:
    """What to do with one request: ``drop`` it, answer ``status`` (429/5xx) or serve it."""

    drop: bool = False
    status: int = 0
    headers: dict[str, str] | None = None
    retry_after: int = 0


class FaultInjector:
    """Decides, per request, which fault (if any) strikes. Thread-safe."""

    def __init__(self, faults: Faults, seed: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.faults = faults
        self._random = random.Random(f"faults:{seed}")
        self._clock = clock
        self._lock = threading.Lock()
        self._window_start = clock()
        self._window_count = 0

    def reset(self) -> None:
        with self._lock:
            self._window_start = self._clock()
            self._window_count = 0

    def delay(self) -> float:
        return self.faults.latency_ms / 1000.0

    def decide(self) -> FaultDecision:
        faults = self.faults
        if not faults.any:
            return FaultDecision()
        with self._lock:
            if faults.drop_rate and self._random.random() < faults.drop_rate:
                return FaultDecision(drop=True)
            if faults.rate_limit:
                now = self._clock()
                if now - self._window_start >= 60.0:
                    self._window_start, self._window_count = now, 0
                reset_in = max(1, int(60.0 - (now - self._window_start) + 0.999))
                if self._window_count >= faults.rate_limit:
                    return FaultDecision(
                        status=429,
                        retry_after=reset_in,
                        headers={
                            "Retry-After": str(reset_in),
                            "ratelimit-limit": str(faults.rate_limit),
                            "ratelimit-remaining": "0",
                            "ratelimit-reset": str(reset_in),
                        },
                    )
                self._window_count += 1
                remaining = faults.rate_limit - self._window_count
                limit_headers = {
                    "ratelimit-limit": str(faults.rate_limit),
                    "ratelimit-remaining": str(remaining),
                    "ratelimit-reset": str(reset_in),
                }
            else:
                limit_headers = None
            if faults.error_rate and self._random.random() < faults.error_rate:
                status = self._random.choice((500, 502, 503))
                return FaultDecision(status=status, headers=limit_headers)
            return FaultDecision(headers=limit_headers)
