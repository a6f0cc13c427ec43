"""Fault switches: latency, 5xx error rate, a per-minute rate limit and dropped connections, and
the misbehaviours a client must survive: a ``Retry-After`` of 0, a negative number, an HTTP date or
none at all; a write applied before the connection drops; error bodies that echo the request's
headers (credentials included; the identity service's its form too, with the client secret and
codes); and an answer trickled out a few bytes at a time.

All are off by default. Randomness comes from a ``random.Random`` seeded from the sandbox seed, so
a test that switches a fault on sees the same sequence of failures every run.
"""

from __future__ import annotations

import email.utils
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
ENV_RETRY_AFTER = "PAGERDUTY_SANDBOX_RETRY_AFTER"
ENV_DROP_AFTER_WRITE = "PAGERDUTY_SANDBOX_DROP_AFTER_WRITE_RATE"
ENV_ECHO_HEADERS = "PAGERDUTY_SANDBOX_ECHO_HEADERS"
ENV_TRICKLE = "PAGERDUTY_SANDBOX_TRICKLE_MS"
# What a 429 says about when to come back: honest seconds by default, or one of these lies.
RETRY_AFTER_FORMS = ("seconds", "date", "past", "missing")
TRICKLE_CHUNK_BYTES = 64
# An HTTP date long gone: what a server with a wrong clock or a cached answer sends.
_PAST_DATE = "Wed, 21 Oct 2015 07:28:00 GMT"


def check_retry_after(value: str) -> str:
    """``value`` if it is a ``Retry-After`` form the sandbox can send: a form name or any integer."""
    value = value.strip().lower()
    if value in RETRY_AFTER_FORMS:
        return value
    try:
        int(value)
    except ValueError:
        raise ValueError(
            f"retry-after must be an integer of seconds (0 and negative too) or one of {', '.join(RETRY_AFTER_FORMS)}, "
            f"not {value!r}"
        ) from None
    return value


def _env_number(name: str, kind: type, low: float, high: float | None) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return float(kind(0))
    try:
        value = kind(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number") from None
    if value < low or (high is not None and value > high):
        bound = f"{low}..{high}" if high is not None else f">= {low}"
        raise ValueError(f"{name}={raw!r} is out of range ({bound})")
    return float(value)


@dataclass(frozen=True)
class Faults:
    """Which faults are on. ``rate_limit`` is requests per minute (0 = unlimited).

    ``retry_after`` is what a 429 says: ``seconds`` (the truth), ``date`` (the truth as an HTTP
    date), ``past`` (a date long gone), ``missing`` (no ``Retry-After``, no ``ratelimit-reset``),
    or an integer sent as is (``0``, ``-5``). ``drop_after_write_rate`` applies a write and then
    cuts the connection; ``echo_headers`` puts the request's headers in every error body (and the
    identity service's form in its ``error_description``);
    ``trickle_ms`` sends answers in 64-byte pieces that far apart.
    """

    latency_ms: float = 0.0
    error_rate: float = 0.0
    rate_limit: int = 0
    drop_rate: float = 0.0
    retry_after: str = "seconds"
    drop_after_write_rate: float = 0.0
    echo_headers: bool = False
    trickle_ms: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "retry_after", check_retry_after(self.retry_after))
        if self.trickle_ms < 0:
            raise ValueError("trickle_ms must not be negative")
        for name in ("error_rate", "drop_rate", "drop_after_write_rate"):
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
            retry_after=os.environ.get(ENV_RETRY_AFTER, "").strip() or "seconds",
            drop_after_write_rate=float(_env_number(ENV_DROP_AFTER_WRITE, float, 0, 1)),
            echo_headers=os.environ.get(ENV_ECHO_HEADERS, "").strip().lower() in ("1", "true", "yes", "on"),
            trickle_ms=float(_env_number(ENV_TRICKLE, float, 0, None)),
        )

    @property
    def any(self) -> bool:
        return bool(
            self.latency_ms or self.error_rate or self.rate_limit or self.drop_rate or self.drop_after_write_rate
        )

    def retry_after_headers(self, reset_in: int, now: float | None = None) -> dict[str, str]:
        """The headers of a 429 whose window resets in ``reset_in`` seconds, as ``retry_after`` says."""
        form = self.retry_after
        if form == "seconds":
            return {"Retry-After": str(reset_in), "ratelimit-reset": str(reset_in)}
        if form == "missing":
            return {}
        if form == "date":
            return {"Retry-After": email.utils.formatdate((now or time.time()) + reset_in, usegmt=True)}
        if form == "past":
            return {"Retry-After": _PAST_DATE}
        return {"Retry-After": form}


@dataclass(frozen=True)
class FaultDecision:
    """What to do with one request: ``drop`` it, answer ``status`` (429/5xx) or serve it."""

    drop: bool = False
    drop_after_write: bool = False
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

    def decide(self, write: bool = False) -> FaultDecision:
        """The fault for one request; ``write`` for methods that change the account."""
        faults = self.faults
        if not faults.any:
            return FaultDecision()
        with self._lock:
            if faults.drop_rate and self._random.random() < faults.drop_rate:
                return FaultDecision(drop=True)
            if write and faults.drop_after_write_rate and self._random.random() < faults.drop_after_write_rate:
                return FaultDecision(drop_after_write=True)
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
                            "ratelimit-limit": str(faults.rate_limit),
                            "ratelimit-remaining": "0",
                            **faults.retry_after_headers(reset_in),
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
