"""``masking``: a caller's secret values (webhook header values) are masked in the call's log lines
and in the errors that leave it, and nowhere else."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from pagerduty_mcp.common import ToolFailure, masking, redact
from pagerduty_mcp.common.pagerduty.logs import configure_logging

VALUE = "hunter2-header"


@pytest.fixture
def log_text() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    configure_logging("INFO")
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def test_log_lines_inside_the_block_are_masked(log_text: io.StringIO) -> None:
    log = logging.getLogger("tests.masking")
    with masking(VALUE):
        log.warning("sending %s to the hook", VALUE)
    log.warning("after: %s", VALUE)
    first, second = log_text.getvalue().splitlines()[-2:]
    assert VALUE not in first and "[REDACTED]" in first
    assert VALUE in second  # a caller's value never joins the process-wide list


def test_an_error_leaving_the_block_no_longer_holds_the_value() -> None:
    with pytest.raises(ToolFailure) as caught, masking(VALUE, "abc"):
        try:
            raise ValueError(f"bad value {VALUE}")
        except ValueError as cause:
            raise ToolFailure("INVALID_PARAMETER", f"header X-Token={VALUE} refused") from cause
    failure = caught.value
    assert VALUE not in failure.message and VALUE not in str(failure.args)
    assert VALUE not in str(failure.__cause__)
    assert "[REDACTED]" in failure.message


def test_values_are_masked_only_within_and_short_ones_not_at_all() -> None:
    with masking(VALUE, "ab"):
        assert redact(f"x {VALUE} ab") == "x [REDACTED] ab"
        with masking("second-secret"):
            assert redact(f"{VALUE} second-secret") == "[REDACTED] [REDACTED]"
        assert redact("second-secret") == "second-secret"
    assert redact(VALUE) == VALUE
