from __future__ import annotations

import json

import pytest

from pagerduty_mcp.common.toolkit.envelope import dump

pytestmark = [pytest.mark.unit, pytest.mark.common]


def test_a_lone_surrogate_never_makes_the_answer_unencodable() -> None:
    text = dump({"note": "\ud800 echoed back", "pair": "\U0001f600"})
    text.encode("utf-8")  # would raise with the surrogate left in
    assert json.loads(text) == {"note": "\ufffd echoed back", "pair": "\U0001f600"}
