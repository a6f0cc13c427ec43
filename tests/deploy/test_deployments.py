"""The shipped deployments work as documented: the replicas share one Redis, which asks for a
password (compose and Kubernetes alike), Caddy routes sign-in as well as the MCP endpoint, and
the README's commands create what the manifests reference.

The files are parsed (YAML, the Caddyfile's matchers), and the Redis commands they give are run
against the local ``redis-server``, with only their paths and port moved."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
import yaml

from pagerduty_mcp.common.hosting.store import REDIS_PASSWORD_VARIABLE, with_redis_password
from tests.deploy.recipe import ROOT
from tests.deploy.test_named_settings import _option, caddy_paths, path_matches, sign_in_paths
from tests.redis_server import redis_or_skip

pytestmark = [pytest.mark.unit, pytest.mark.common]

COMPOSE = ROOT / "deploy" / "compose.yaml"
CADDYFILE = ROOT / "deploy" / "Caddyfile"
K8S = ROOT / "deploy" / "k8s"
README = ROOT / "README.md"
PASSWORD = "0123456789abcdef0123456789abcdef"  # hex, as openssl rand -hex 16 makes it
STARTUP_SECONDS = 10.0


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE.read_text()))


def interpolated(value: str) -> tuple[str, str]:
    """``(variable, how)`` of a compose value that is one ``${VAR...}`` interpolation."""
    match = re.fullmatch(r"\$\{([A-Z][A-Z0-9_]*)(:?[-?].*)?\}", value)
    assert match, f"not one interpolated variable: {value!r}"
    return match[1], match[2] or ""


def k8s_documents() -> list[dict[str, Any]]:
    """Every document kustomize would apply (the kustomization's resources)."""
    resources = yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"]
    return [doc for name in resources for doc in yaml.safe_load_all((K8S / name).read_text()) if doc]


def one(documents: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [d for d in documents if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind} {name}: {len(found)} found"
    return found[0]


def container_env(deployment: dict[str, Any]) -> dict[str, dict[str, Any]]:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return {e["name"]: e for e in container.get("env", [])}


# --- compose -------------------------------------------------------------------------------------


def test_compose_gives_the_replicas_one_redis_with_a_password() -> None:
    services = compose()["services"]
    server, shared = services["mcp"]["environment"], services["redis"]
    url = urlsplit(server["PAGERDUTY_MCP_REDIS_URL"])
    assert url.scheme == "redis" and url.hostname in services and url.port == 6379
    assert url.password is None  # the password comes from its own variable, never the URL
    assert _option("redis_url").envvar == "PAGERDUTY_MCP_REDIS_URL"
    variable, how = interpolated(server[REDIS_PASSWORD_VARIABLE])
    assert (variable, how[:2]) == (REDIS_PASSWORD_VARIABLE, ":?")  # required: compose refuses to start without
    assert shared["environment"][REDIS_PASSWORD_VARIABLE] == server[REDIS_PASSWORD_VARIABLE]
    assert "requirepass" in " ".join(shared["command"])
    assert "ports" not in shared  # reached by the replicas only
    assert "redis" in services["mcp"]["depends_on"]
    assert services["mcp"]["deploy"]["replicas"] > 1
    # Behind Caddy every client would share its address: the replicas trust Caddy's, and only it.
    proxy = services["proxy"]["networks"]
    (network,) = proxy
    assert server["PAGERDUTY_MCP_TRUSTED_PROXIES"] == proxy[network]["ipv4_address"]
    assert services["mcp"]["networks"] == [network]
    # What the server makes of the two (the password put into the URL it connects with).
    joined = with_redis_password(server["PAGERDUTY_MCP_REDIS_URL"], {REDIS_PASSWORD_VARIABLE: PASSWORD})
    assert joined is not None and urlsplit(joined).password == PASSWORD


def test_no_stale_word_is_left_about_redis() -> None:
    for path in (COMPOSE, *K8S.glob("*.yaml")):
        text = path.read_text().lower()
        assert "no redis setting" not in text and "will share once" not in text, path
        assert "own per-credential cap" not in text, path  # the budget is shared through Redis now


# --- the Redis commands, run ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _moved(command: str, tmp: Path, port: int) -> str:
    """A manifest's Redis command as this machine runs it: its files in ``tmp``, on ``port``."""
    moved = command.replace("/tmp/", f"{tmp}/").replace("--dir /data", f"--dir {tmp}")
    return moved + f" --port {port} --bind 127.0.0.1 --dir {tmp} --save ''"


@pytest.fixture
def started(tmp_path: Path) -> Iterator[Any]:
    redis_or_skip()
    processes: list[subprocess.Popen[bytes]] = []

    def start(command: str) -> tuple[int, subprocess.Popen[bytes]]:
        port = _free_port()
        env = {"PATH": os.environ["PATH"], REDIS_PASSWORD_VARIABLE: PASSWORD}
        process = subprocess.Popen(["sh", "-c", _moved(command, tmp_path, port)], env=env, stderr=subprocess.PIPE)
        processes.append(process)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            assert process.poll() is None, (process.stderr.read() if process.stderr else b"").decode()
            try:
                redis.Redis(port=port, password=PASSWORD, socket_timeout=1).ping()
                return port, process
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)  # polling a starting process, bounded by the deadline
        raise AssertionError("the Redis command did not start")

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


def _check_the_password_is_required_and_hidden(port: int, process: subprocess.Popen[bytes]) -> None:
    with pytest.raises(redis.exceptions.AuthenticationError):
        redis.Redis(port=port, socket_timeout=1).ping()
    with pytest.raises(redis.exceptions.AuthenticationError):
        redis.Redis(port=port, password="wrong", socket_timeout=1).ping()
    assert redis.Redis(port=port, password=PASSWORD, socket_timeout=1).ping()
    # exec: the Redis process is the shell's, and its command line does not carry the password.
    assert PASSWORD.encode() not in Path(f"/proc/{process.pid}/cmdline").read_bytes()


def _health(command: str, port: int, password: str) -> int:
    moved = command.replace("redis-cli", f"redis-cli -p {port}")
    env = {"PATH": os.environ["PATH"], REDIS_PASSWORD_VARIABLE: password}
    return subprocess.run(["sh", "-c", moved], env=env, capture_output=True, timeout=10).returncode


@pytest.mark.subprocess
def test_the_compose_redis_command_requires_its_password(started: Any) -> None:
    shared = compose()["services"]["redis"]
    assert shared["command"][:2] == ["sh", "-c"]
    port, process = started(shared["command"][2].replace("$$", "$"))  # compose's escape for a literal $
    _check_the_password_is_required_and_hidden(port, process)
    kind, check = shared["healthcheck"]["test"]
    assert kind == "CMD-SHELL"
    assert _health(check.replace("$$", "$"), port, PASSWORD) == 0
    assert _health(check.replace("$$", "$"), port, "wrong") != 0


@pytest.mark.subprocess
def test_the_kubernetes_redis_command_requires_its_password(started: Any) -> None:
    deployment = one(k8s_documents(), "Deployment", "pagerduty-mcp-redis")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["sh", "-c"]
    port, process = started(container["args"][0])
    _check_the_password_is_required_and_hidden(port, process)
    probe = container["readinessProbe"]["exec"]["command"]
    assert probe[:2] == ["sh", "-c"] and _health(probe[2], port, PASSWORD) == 0


# --- Kubernetes ----------------------------------------------------------------------------------


def test_kubernetes_gives_the_replicas_one_redis_with_a_password() -> None:
    documents = k8s_documents()
    server = one(documents, "Deployment", "pagerduty-mcp")
    shared = one(documents, "Deployment", "pagerduty-mcp-redis")
    service = one(documents, "Service", "pagerduty-mcp-redis")
    env = container_env(server)
    url = urlsplit(env["PAGERDUTY_MCP_REDIS_URL"]["value"])
    assert url.hostname == service["metadata"]["name"] and url.password is None
    assert url.port in {p["port"] for p in service["spec"]["ports"]}
    assert service["spec"]["selector"] == shared["spec"]["selector"]["matchLabels"]
    secret = {"name": "pagerduty-mcp", "key": "redis-password"}
    assert env[REDIS_PASSWORD_VARIABLE]["valueFrom"]["secretKeyRef"] == secret
    assert container_env(shared)[REDIS_PASSWORD_VARIABLE]["valueFrom"]["secretKeyRef"] == secret
    # Only the server's pods reach it.
    policy = one(documents, "NetworkPolicy", "pagerduty-mcp-redis")
    assert policy["spec"]["podSelector"] == shared["spec"]["selector"]
    (rule,) = policy["spec"]["ingress"]
    assert [f["podSelector"] for f in rule["from"]] == [server["spec"]["selector"]]
    # The autoscaler's replicas share the budget through it: the comment says so, and is true.
    autoscaler = one(documents, "HorizontalPodAutoscaler", "pagerduty-mcp")
    assert autoscaler["spec"]["maxReplicas"] > 1
    assert "shared Redis" in (K8S / "horizontalpodautoscaler.yaml").read_text()


# --- Caddy ---------------------------------------------------------------------------------------


def test_caddy_routes_sign_in_as_well_as_the_mcp_endpoint() -> None:
    routed = caddy_paths(CADDYFILE.read_text())
    needed = {str(_option("path").default)} | sign_in_paths()
    unrouted = sorted(p for p in needed if not any(path_matches(r, p) for r in routed))
    assert not unrouted, f"the Caddyfile does not route {unrouted}"
    assert not any(path_matches(r, p) for r in routed for p in ("/healthz", "/metrics"))  # not to the public


# --- the README's commands -----------------------------------------------------------------------


def _readme_section(title: str) -> str:
    text = README.read_text()
    start = text.index(f"\n### {title}")
    end = text.find("\n## ", start + 1)
    following = text.find("\n### ", start + 1)
    return text[start : min(e for e in (end, following) if e > 0)]


def _shell_blocks(section: str) -> list[str]:
    blocks = re.findall(r"```(?:bash|sh)\n(.*?)```", section, re.S)
    return [block.replace("\\\n", " ") for block in blocks]


def test_the_readme_creates_every_secret_key_the_manifests_reference() -> None:
    referenced = {
        e["valueFrom"]["secretKeyRef"]["key"]
        for doc in k8s_documents()
        if doc["kind"] == "Deployment"
        for e in container_env(doc).values()
        if e.get("valueFrom", {}).get("secretKeyRef", {}).get("name") == "pagerduty-mcp"
    }
    commands = [c for block in _shell_blocks(_readme_section("Kubernetes")) for c in block.splitlines()]
    created = next(c for c in commands if c.startswith("kubectl create secret generic pagerduty-mcp"))
    literals = [w.removeprefix("--from-literal=") for w in shlex.split(created) if w.startswith("--from-literal=")]
    keys = {literal.split("=", 1)[0] for literal in literals}
    assert referenced and referenced <= keys, f"the README creates {keys}, the manifests need {referenced}"
    assert any(c.startswith("kubectl apply -k deploy/k8s") for c in commands)


def test_the_readme_exports_every_variable_compose_requires() -> None:
    text = COMPOSE.read_text()
    required = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*):\?", text))
    assert REDIS_PASSWORD_VARIABLE in required
    block = "\n".join(_shell_blocks(_readme_section("Compose: two replicas behind TLS")))
    exported = set(
        re.findall(r"\b([A-Z][A-Z0-9_]*)=", " ".join(line for line in block.splitlines() if "export" in line))
    )
    assert required <= exported, f"README exports {exported}, compose requires {required}"
    assert "docker compose -f deploy/compose.yaml up" in block
