"""The shared parsers every tool relies on meet the nasty corpus and random text: each value is
accepted or refused with a clear ``INVALID_PARAMETER``, never an unexpected exception."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pagerduty_mcp.common.pagerduty.client import path
from pagerduty_mcp.common.pagerduty.errors import ToolFailure
from pagerduty_mcp.common.pagerduty.text import clean_tree
from pagerduty_mcp.common.toolkit.ids import resolve_id, resolve_ids
from pagerduty_mcp.common.toolkit.times import parse_time
from tests.reliability.hostile import NASTY, PATH_ATTACKS

pytestmark = [pytest.mark.unit, pytest.mark.common]

STRINGS = [v for v in NASTY if isinstance(v, str)]
_ID_SHAPE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
FUZZ = settings(max_examples=150, derandomize=True, database=None, deadline=None)


def _refused_clearly(call: Any, parameter: str) -> Any:
    try:
        return call()
    except ToolFailure as failure:
        assert failure.code == "INVALID_PARAMETER"
        assert failure.message.startswith(parameter)
        return None


@pytest.mark.parametrize("value", STRINGS, ids=range(len(STRINGS)))
def test_resolve_id_gives_a_plain_id_or_a_clear_refusal(value: str) -> None:
    ident = _refused_clearly(lambda: resolve_id(value, "incident_id"), "incident_id")
    if ident is not None:
        assert set(ident) <= _ID_SHAPE and ident not in ("null", "undefined")


@pytest.mark.parametrize("value", PATH_ATTACKS)
def test_no_path_attack_survives_as_an_id(value: str) -> None:
    assert _refused_clearly(lambda: resolve_id(value, "incident_id"), "incident_id") is None


@FUZZ
@given(st.text(max_size=300) | st.sampled_from(STRINGS).map(lambda s: "https://acme.pagerduty.com/" + s))
def test_resolve_id_on_random_text(value: str) -> None:
    ident = _refused_clearly(lambda: resolve_id(value, "user_id"), "user_id")
    if ident is not None:
        assert set(ident) <= _ID_SHAPE


@FUZZ
@given(st.lists(st.sampled_from(STRINGS) | st.text(max_size=30), max_size=5))
def test_resolve_ids_on_random_lists(values: list[str]) -> None:
    _refused_clearly(lambda: resolve_ids(values, "team_ids"), "team_ids")


@FUZZ
@given(st.sampled_from(STRINGS) | st.text(max_size=60) | st.datetimes().map(lambda d: d.isoformat()))
def test_parse_time_gives_an_aware_time_or_a_clear_refusal(value: str) -> None:
    parsed = _refused_clearly(lambda: parse_time(value, "since"), "since")
    assert parsed is None or parsed.tzinfo is not None


@FUZZ
@given(st.text(max_size=80) | st.sampled_from(STRINGS))
def test_path_keeps_any_id_as_one_segment_or_refuses_it(value: str) -> None:
    # What leaves is the URL after httpx2 parsed (and normalised) it.
    try:
        filled = path("/incidents/{}/notes", value)
    except ToolFailure as failure:
        assert failure.code == "INVALID_PARAMETER" and _never_an_id(value), value[:80]
        return
    raw = httpx2.URL("https://api.pagerduty.com" + filled).raw_path.decode()
    segments = raw.split("/")
    assert len(segments) == 4 and segments[1] == "incidents" and segments[3] == "notes", raw
    assert segments[2].lower() not in ("", ".", "..", "%2e", "%2e%2e") and "?" not in raw and "#" not in raw, raw


def _never_an_id(value: str) -> bool:
    """Values path() may refuse: dot segments, what no URL can carry, and what no id is as long as."""
    return value in ("", ".", "..") or len(value) > 100 or any("\ud800" <= c <= "\udfff" for c in value)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


INVISIBLE = "\u202e\u202a\u2066\u200b\u200d\ufeff\x00\x1b\x7f\U000e0041"
_HOSTILE_TEXT = st.text(alphabet=st.sampled_from([*INVISIBLE, "a", " ", "\n", "é"]), max_size=40)


@FUZZ
@given(
    st.recursive(
        _HOSTILE_TEXT | st.integers() | st.none(),
        lambda x: st.lists(x, max_size=4) | st.dictionaries(_HOSTILE_TEXT, x, max_size=4),
        max_leaves=20,
    )
)
def test_clean_tree_leaves_no_invisible_character(value: Any) -> None:
    for text in _strings(clean_tree(value)):
        assert not set(text) & set(INVISIBLE), repr(text)
