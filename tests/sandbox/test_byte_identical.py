"""The sandbox answers byte for byte as recorded in ``answers.json`` (see ``answers.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pagerduty_mcp.sandbox import routes
from pagerduty_mcp.sandbox.router import ROUTER, Context
from tests.sandbox.answers import CASES, Case, converse, load_fixture


def _differences(expected: dict[str, str], got: dict[str, str]) -> list[str]:
    steps = list(dict.fromkeys([*expected, *got]))
    return [name for name in steps if expected.get(name) != got.get(name)]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_every_answer_is_as_recorded(case: Case) -> None:
    expected = load_fixture()[case.name]
    changed = _differences(expected, converse(case).digests())
    assert not changed, (
        f"the sandbox answers differently in step(s) {changed} of case {case.name}; "
        f"compare request by request: uv run python -m tests.sandbox.answers --show {case.name} {changed[0]}"
    )


@pytest.fixture
def priorities_with_an_extra_field() -> Iterator[None]:
    routes.load()
    found = ROUTER.match("GET", "/priorities")
    assert found is not None
    route, _ = found
    original = route.handler

    def changed(ctx: Context) -> Any:
        answer = original(ctx)
        answer["priorities"][0]["color"] = "000000"
        return answer

    ROUTER.remove("GET", "/priorities")
    ROUTER.add("GET", "/priorities", changed)
    yield
    ROUTER.remove("GET", "/priorities")
    ROUTER.add("GET", "/priorities", original)


def test_one_changed_answer_is_caught_in_the_steps_that_saw_it(priorities_with_an_extra_field: None) -> None:
    case = CASES[0]
    changed = _differences(load_fixture()[case.name], converse(case).digests())
    assert "incident-lists" in changed  # it reads /priorities
    assert "errors" not in changed and "users" not in changed  # they do not
