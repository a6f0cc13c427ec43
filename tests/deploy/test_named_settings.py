"""Every environment variable, port and path that the Dockerfile and deploy/ name is one the server has.

What the server has comes from the server itself: the envvars of the ``pagerduty-mcp`` command's
options and their defaults, and the ``PAGERDUTY_*`` names its source reads (string constants,
found by parsing it). A name in a manifest that the server never reads would be silently ignored
in production; these tests make it a failure instead.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import click
import pytest
import typer

import pagerduty_mcp.common
import pagerduty_mcp.server
from tests.deploy.recipe import DEPLOY_FILES, ROOT, read_stages, tool_version

pytestmark = [pytest.mark.unit, pytest.mark.common]

HEALTH_PATH = "/healthz"
# Not settings of ours, and still honoured: outgoing requests follow the proxy and CA variables,
# and Python reads its own.
STANDARD_VARIABLES = frozenset(
    {"HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "SSL_CERT_FILE", "PATH", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED"}
)

PAGERDUTY_NAME = re.compile(r"\bPAGERDUTY_[A-Z0-9_]+\b")
# In compose and Kubernetes YAML, upper-case names are environment variables: mapping keys
# (``KEY: value``), list items (``- KEY=value``), ``- name: KEY`` entries and ``${KEY}`` interpolations.
YAML_VARIABLES = (
    re.compile(r"^\s*(?:-\s+)?([A-Z][A-Z0-9_]*)\s*:", re.M),
    re.compile(r"^\s*-\s+([A-Z][A-Z0-9_]*)\s*(?:=.*)?$", re.M),
    re.compile(r"^\s*-?\s*name:\s*[\"']?([A-Z][A-Z0-9_]*)[\"']?\s*$", re.M),
    re.compile(r"\$\{([A-Z][A-Z0-9_]*)"),
)
URL = re.compile(r"\bhttps?://[^/\s\"'`:]+(?::(\d+))?(/[A-Za-z0-9_.~/-]*)?")


def _serve_command() -> click.Command:
    return typer.main.get_command(pagerduty_mcp.server.app)


def _option(name: str) -> click.Parameter:
    return next(p for p in _serve_command().params if p.name == name)


@cache
def _source_constants() -> frozenset[str]:
    folders = {*pagerduty_mcp.__path__, *pagerduty_mcp.common.__path__}
    found = set()
    for file in {f for folder in folders for f in Path(folder).rglob("*.py")}:
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return frozenset(found)


def server_variables() -> frozenset[str]:
    """The variables the server reads: its options' envvars and the ``PAGERDUTY_*`` names in its source."""
    names: set[str] = set()
    for param in _serve_command().params:
        envvar = param.envvar
        names.update([envvar] if isinstance(envvar, str) else envvar or ())
    names.update(c for c in _source_constants() if re.fullmatch(r"PAGERDUTY_[A-Z0-9_]+", c))
    return frozenset(names)


def server_port() -> int:
    return int(_option("port").default)


def server_paths() -> frozenset[str]:
    assert HEALTH_PATH in _source_constants(), f"the server source no longer names {HEALTH_PATH}"
    return frozenset({str(_option("path").default), HEALTH_PATH}) | sign_in_paths()


@cache
def sign_in_paths() -> frozenset[str]:
    """The paths a server with sign-in (--auth oauth) serves besides the MCP endpoint, from a real
    one (the sandbox's identity service stands in for PagerDuty's)."""
    from pagerduty_mcp.common.hosting.sign_in import oauth_resource
    from pagerduty_mcp.common.toolkit.registry import ToolFilter
    from pagerduty_mcp.common.toolkit.server import create_pagerduty_server

    server = create_pagerduty_server("pagerduty-mcp", pagerduty_mcp.server.AREAS, ToolFilter())
    resource = oauth_resource(
        server,
        pagerduty_mcp.server.AREAS,
        public_url="https://mcp.example.com",
        mcp_path=str(_option("path").default),
        api_host="https://api.pagerduty.com",
        redis_url=None,
        sandbox=True,
        env={},
    )
    return frozenset(resource.paths)


def path_matches(pattern: str, path: str) -> bool:
    """A path as Caddy's ``path`` matcher reads it: exact, or a prefix ending in ``*``."""
    return path.startswith(pattern[:-1]) if pattern.endswith("*") else path == pattern


def caddy_paths(text: str) -> list[str]:
    """The paths Caddy routes: ``handle /path`` blocks and the ``@name path ...`` matchers they use."""
    matchers = {m[1]: m[2].split() for m in re.finditer(r"^\s*(@\S+)\s+path\s+(.+)$", text, re.M)}
    paths = []
    for target in re.findall(r"^\s*handle\s+(\S+)\s*\{", text, re.M):
        paths += matchers.get(target, []) if target.startswith("@") else [target]
    return paths


def named_variables(path: Path, text: str) -> set[str]:
    names = set(PAGERDUTY_NAME.findall(text))
    if path.name == "Dockerfile":
        names |= set(read_stages(path)[-1].env())  # the builder's ENV configures uv, not the server
    elif ".github" in path.parts:
        names |= set(re.findall(r"(?:-e|--env)\s+([A-Z][A-Z0-9_]*)", text))  # a workflow's own env is not ours
    elif path.suffix == ".yaml":
        names |= {name for pattern in YAML_VARIABLES for name in pattern.findall(text)}
    return names


def named_ports(path: Path, text: str) -> list[int]:
    ports = re.findall(r"PAGERDUTY_MCP_PORT\W{1,4}(\d+)", text)
    ports += [port for port, _ in URL.findall(text) if port]
    ports += re.findall(r"^EXPOSE\s+(\d+)", text, re.M)
    ports += re.findall(r"\b(?:containerPort|targetPort|port):\s*[\"']?(\d+)", text)  # Kubernetes
    ports += re.findall(r"\bdynamic a \S+ (\d+)", text)  # Caddy's upstreams
    ports += [inside for _, inside in re.findall(r"(?:-p|--publish)\s+(?:\S+:)?(\d+):(\d+)", text)]
    return [int(p) for p in ports]


def named_paths(path: Path, text: str) -> list[str]:
    paths = [p for _, p in URL.findall(text) if p]
    paths += re.findall(r"PAGERDUTY_MCP_PATH\W{1,4}(/[^\s\"']*)", text)
    paths += re.findall(r"^\s*path:\s*[\"']?(/[^\s\"']*)", text, re.M)  # Kubernetes probes
    paths += caddy_paths(text) if path.name == "Caddyfile" else []  # Caddy's routes
    paths += health_check_paths(path) if path.name == "Dockerfile" else []
    return paths


def health_check_paths(dockerfile: Path) -> list[str]:
    """The URL paths in the image's ``HEALTHCHECK`` (a Python one-liner that builds the URL)."""
    return re.findall(r"'(/[^'\s]*)'", read_stages(dockerfile)[-1].one("HEALTHCHECK").arguments)


def _deploy_texts() -> list[tuple[Path, str]]:
    missing = [p for p in DEPLOY_FILES if not p.is_file()]
    assert not missing, f"missing deployment files: {missing}"
    return [(p, p.read_text()) for p in DEPLOY_FILES]


def test_every_variable_named_for_the_server_is_one_it_reads() -> None:
    known = server_variables() | STANDARD_VARIABLES
    unknown = {
        str(path.relative_to(ROOT)): sorted(named_variables(path, text) - known) for path, text in _deploy_texts()
    }
    assert not {where: names for where, names in unknown.items() if names}


def without_redis(path: Path, text: str) -> str:
    """A manifest without the documents of the Redis the replicas share, whose port is Redis's."""
    if path.suffix != ".yaml" or "k8s" not in path.parts:
        return text
    documents = text.split("\n---\n")
    return "\n---\n".join(d for d in documents if "name: pagerduty-mcp-redis" not in d.split("spec:", 1)[0])


def test_every_port_named_for_the_server_is_its_port() -> None:
    named = {
        str(path.relative_to(ROOT)): named_ports(path, without_redis(path, text)) for path, text in _deploy_texts()
    }
    # Not a vacuous pass: the image, the Kubernetes pods, the proxy and the smoke test each name it.
    for where in ("Dockerfile", "deploy/k8s/deployment.yaml", "deploy/Caddyfile", ".github/workflows/container.yml"):
        assert named[where], f"{where} names no port of the server"
    assert {where: ports for where, ports in named.items() if set(ports) - {server_port()}} == {}


def test_every_path_named_for_the_server_is_one_it_serves() -> None:
    named = {str(path.relative_to(ROOT)): named_paths(path, text) for path, text in _deploy_texts()}
    served = server_paths()
    unserved = {
        where: [p for p in paths if not any(path_matches(p, s) for s in served)] for where, paths in named.items()
    }
    assert {where: paths for where, paths in unserved.items() if paths} == {}
    assert named["deploy/Caddyfile"], "the Caddyfile routes nothing"


def test_health_checks_probe_the_health_path() -> None:
    """A probe of the MCP path would need client credentials: 401, and the pod would never be ready."""
    probes = re.findall(r"^\s*path:\s*(\S+)", (ROOT / "deploy/k8s/deployment.yaml").read_text(), re.M)
    assert probes and set(probes) == {HEALTH_PATH}
    assert health_check_paths(ROOT / "Dockerfile") == [HEALTH_PATH]


def test_the_uv_in_the_image_is_the_one_the_project_pins() -> None:
    builder = read_stages()[0]
    assert f"UV_VERSION={tool_version('uv')}" in [arg.arguments for arg in builder.all("ARG")]
    assert any('"uv==${UV_VERSION}"' in run.arguments for run in builder.all("RUN"))
    python = ".".join(tool_version("python").split(".")[:2])
    assert f"ARG PYTHON_IMAGE=python:{python}-slim" in (ROOT / "Dockerfile").read_text()


def test_a_name_the_server_does_not_read_is_caught() -> None:
    """The checks above can fail: a planned variable, a wrong port and a wrong path are all found."""
    manifest = "env:\n  - name: PAGERDUTY_MCP_NOT_A_SETTING\n    value: x\nports:\n  - containerPort: 8080\n"
    manifest += "livenessProbe:\n  httpGet:\n    path: /health\n"
    path = ROOT / "deploy" / "k8s" / "example.yaml"
    assert named_variables(path, manifest) - server_variables() == {"PAGERDUTY_MCP_NOT_A_SETTING"}
    assert named_ports(path, manifest) == [8080] != [server_port()]
    assert named_paths(path, manifest) == ["/health"]
    assert "/health" not in server_paths()
    caddy = "@x path /mcp /regster\nhandle @x {\n}\nhandle /metrics {\n}\n"
    assert caddy_paths(caddy) == ["/mcp", "/regster", "/metrics"]
    assert not any(path_matches("/regster", served) for served in server_paths())
