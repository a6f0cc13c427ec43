"""``server.json`` for the MCP server registry: one per published server, true to its package.

``SERVER_JSON_SCHEMA`` restates, in our own words, the parts of the registry's schema
(``docs/reference/server-json/server.schema.json`` in modelcontextprotocol/registry, 2025-09-29)
that our files use; the checks after it add what the registry or a client needs beyond it.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import pagerduty_mcp.server
from tests.packaging.wheelhouse import AREA_DISTRIBUTIONS, CORE, ROOT, uvx_session

pytestmark = [pytest.mark.install]

SCHEMA_URL = "https://static.modelcontextprotocol.io/schemas/2025-09-29/server.schema.json"
SPECIFIC_VERSION = {"type": "string", "minLength": 1, "not": {"const": "latest"}, "pattern": r"^[0-9A-Za-z.+-]+$"}
SERVER_JSON_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["$schema", "name", "description", "version", "packages"],
    "properties": {
        "$schema": {"const": SCHEMA_URL},
        "name": {"type": "string", "pattern": r"^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$", "minLength": 3, "maxLength": 200},
        "description": {"type": "string", "minLength": 1, "maxLength": 100},
        "version": {**SPECIFIC_VERSION, "maxLength": 255},
        "packages": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["registryType", "identifier", "version", "transport"],
                "properties": {
                    "registryType": {"type": "string"},
                    "identifier": {"type": "string"},
                    "version": SPECIFIC_VERSION,
                    "runtimeHint": {"type": "string"},
                    "transport": {
                        "type": "object",
                        "required": ["type"],
                        "properties": {"type": {"enum": ["stdio", "streamable-http", "sse"]}},
                    },
                    "environmentVariables": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["name"],
                            "properties": {
                                "name": {"type": "string"},
                                "description": {"type": "string"},
                                "isRequired": {"type": "boolean"},
                                "isSecret": {"type": "boolean"},
                                "default": {"type": "string"},
                                "format": {"enum": ["string", "number", "boolean", "filepath"]},
                            },
                        },
                    },
                },
            },
        },
    },
}

# Where each published server's file lives, and the distribution it installs.
SERVER_FILES = {
    ROOT / "server.json": CORE,
    **{ROOT / "packages" / dist / "server.json": dist for dist in AREA_DISTRIBUTIONS},
}
SECRET_VARIABLES = {"PAGERDUTY_USER_API_KEY", "PAGERDUTY_OAUTH_TOKEN"}


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def _readme_of(path: Path) -> str:
    project = tomllib.loads((path.parent / "pyproject.toml").read_text())["project"]
    return (path.parent / project["readme"]).read_text()


@pytest.mark.unit
def test_the_schema_rejects_what_the_registry_rejects() -> None:
    # The restated schema is only worth something if it catches the mistakes it is there for.
    good = _load(ROOT / "server.json")
    validator = jsonschema.Draft7Validator(SERVER_JSON_SCHEMA)
    assert validator.is_valid(good)
    package = good["packages"][0]
    for bad in (
        {**good, "name": "pagerduty-mcp"},
        {**good, "description": "x" * 101},
        {**good, "version": "latest"},
        {**good, "packages": [{**package, "version": "latest"}]},
        {**good, "packages": [{**package, "runtime": "uvx"}]},
        {**good, "packages": [{**package, "environmentVariables": [{"isSecret": True}]}]},
    ):
        assert not validator.is_valid(bad), bad


@pytest.mark.unit
@pytest.mark.parametrize("path", list(SERVER_FILES), ids=lambda p: str(p.relative_to(ROOT)))
def test_each_server_json_is_valid_and_true_to_its_package(path: Path) -> None:
    server = _load(path)
    jsonschema.Draft7Validator(SERVER_JSON_SCHEMA).validate(server)
    dist = SERVER_FILES[path]
    version = pagerduty_mcp.__version__
    assert server["version"] == version
    (package,) = server["packages"]
    assert package["registryType"] == "pypi"
    assert package["identifier"] == dist
    assert package["version"] == version
    assert package["runtimeHint"] == "uvx"
    assert package["transport"] == {"type": "stdio"}
    variables = {v["name"]: v for v in package["environmentVariables"]}
    assert "PAGERDUTY_USER_API_KEY" in variables and "PAGERDUTY_API_HOST" in variables
    for name, variable in variables.items():
        assert variable["description"].strip(), name
        assert variable["isSecret"] is (name in SECRET_VARIABLES), name
    # The registry proves that the package belongs to the server by this line in its description.
    assert f"mcp-name: {server['name']}" in _readme_of(path)


@pytest.mark.unit
def test_the_servers_share_one_namespace_and_have_distinct_names() -> None:
    names = [_load(path)["name"] for path in SERVER_FILES]
    assert len({n.split("/")[0] for n in names}) == 1
    assert sorted(n.split("/")[1] for n in names) == sorted(["pagerduty-mcp", *AREA_DISTRIBUTIONS])


@pytest.mark.e2e
@pytest.mark.anyio
@pytest.mark.parametrize("path", list(SERVER_FILES), ids=lambda p: str(p.relative_to(ROOT)))
async def test_the_command_a_registry_client_derives_starts(path: Path, wheelhouse: Path, outside: Path) -> None:
    # A client installs `<identifier>==<version>` with the runtime hint and runs the same-named command.
    (package,) = _load(path)["packages"]
    argv = [package["runtimeHint"], f"{package['identifier']}=={package['version']}", "--sandbox"]
    async with uvx_session(argv, wheelhouse, outside) as client:
        assert (await client.list_tools()).tools
