"""The Dockerfile's own install, entry and health-check commands, run outside Docker so they cannot rot.

The build context that ``.dockerignore`` leaves is copied to a temporary folder, the builder stage's
``uv`` commands install it into a temporary venv (``UV_PROJECT_ENVIRONMENT``), and the runtime
stage's ``ENTRYPOINT`` starts with the runtime ``ENV``: over streamable HTTP when stdin is not a
pipe (as under ``docker run`` without ``-i``), over stdio when it is (``docker run -i``).
Container paths map to the temporary ones; the server binds loopback here, not 0.0.0.0.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest

from tests.deploy.recipe import ROOT, copy_build_context, exec_form, expand, read_stages
from tests.harness import ServerSpec, free_port, http_servers, http_session, process_session, server_env

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.common, pytest.mark.subprocess]

INSTALL_SECONDS = 300


@dataclass(frozen=True)
class Installed:
    venv: Path
    entry: list[str]  # ENTRYPOINT + CMD, the first word a local path
    healthcheck: list[str]
    env: dict[str, str]  # the runtime stage's ENV on top of this machine's


def _files(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    uv = os.environ.get("UV") or shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH")
    builder, runtime = (stage := read_stages())[0], stage[-1]
    base = tmp_path_factory.mktemp("image")
    context = base / "src"
    copy_build_context(ROOT, context)
    venv = base / "venv"

    # The builder's uv commands, as written, in the builder's ENV; only the venv and the Python move.
    venv_in_image = builder.env()["UV_PROJECT_ENVIRONMENT"]
    build_env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    build_env |= builder.env() | {"UV_PROJECT_ENVIRONMENT": str(venv), "UV_PYTHON": sys.executable}
    commands = [shlex.split(run.arguments) for run in builder.all("RUN")]
    commands = [[w for w in words if not w.startswith("--mount=")] for words in commands]
    uv_commands = [words for words in commands if words[0] == "uv"]
    assert uv_commands, "the builder stage installs nothing with uv"
    for words in uv_commands:
        done = subprocess.run(
            [uv, *words[1:]], cwd=context, env=build_env, capture_output=True, text=True, timeout=INSTALL_SECONDS
        )
        assert done.returncode == 0, f"{shlex.join(words)} failed:\n{done.stderr[-3000:]}"

    def local(path: str) -> str:
        return path.replace(venv_in_image, str(venv))

    env = server_env()
    for key, value in runtime.env().items():
        env[key] = local(expand(value, env))
    copies = runtime.copies()
    entry = exec_form(runtime.one("ENTRYPOINT").arguments)
    entry += exec_form(runtime.one("CMD").arguments) if runtime.all("CMD") else []
    copied = copies.get(entry[0]) or next((src for dst, src in copies.items() if Path(dst).name == entry[0]), None)
    found = str(context / copied) if copied else shutil.which(entry[0], path=env["PATH"])
    assert found, f"the entry point {entry[0]} is neither copied into the image nor on its PATH"
    healthcheck = runtime.one("HEALTHCHECK").arguments.partition(" CMD ")[2]
    yield Installed(venv, [found, *entry[1:]], exec_form(healthcheck), env)


def test_install_puts_the_compiled_project_and_no_dev_tools_into_the_venv(installed: Installed) -> None:
    site = next(installed.venv.glob("lib/python*/site-packages"))
    assert (site / "pagerduty_mcp" / "server.py").is_file(), "the project is not installed into the venv (editable?)"
    assert list((site / "pagerduty_mcp" / "__pycache__").glob("server.*.pyc")), "no compiled bytecode"
    assert list((site / "mcp").rglob("*.pyc")), "dependencies are not compiled"
    assert not (site / "pytest").exists(), "dev dependencies were installed"
    assert not list(site.glob("*.pth")) or all(str(ROOT) not in p.read_text() for p in site.glob("*.pth"))


def _healthcheck(installed: Installed, env: dict[str, str]) -> int:
    return subprocess.run(installed.healthcheck, env=env, capture_output=True, timeout=30).returncode


@pytest.mark.anyio
async def test_entry_command_without_a_stdin_pipe_serves_streamable_http(installed: Installed, tmp_path: Path) -> None:
    port = free_port()
    env = installed.env | {"PAGERDUTY_MCP_HOST": "127.0.0.1", "PAGERDUTY_MCP_PORT": str(port)}
    before = _files(installed.venv)
    workdir = tmp_path / "workdir"
    workdir.mkdir()
    entry = ServerSpec(env=env, port=port, command=[*installed.entry, "--sandbox"], cwd=workdir)
    with http_servers(entry) as (server,):
        assert _healthcheck(installed, env) == 0
        assert httpx2.get(f"{server.base}/healthz").json()["status"] == "ok"
        async with http_session(server.url, mode="legacy") as client:
            assert client.server_info.name == "pagerduty-mcp"
            assert "list_incidents" in {tool.name for tool in (await client.list_tools()).tools}
        # uvicorn shuts down gracefully on SIGTERM, then re-raises it: what `docker stop` expects.
        assert server.stop() in (0, -signal.SIGTERM), server.stderr()[-2000:]
    assert _healthcheck(installed, env) != 0, "the health check passes with no server"
    # What a read-only root filesystem requires: nothing written into the install or the working dir.
    assert _files(installed.venv) == before
    assert not list(workdir.iterdir())


@pytest.mark.anyio
async def test_entry_command_with_a_stdin_pipe_speaks_stdio(installed: Installed, tmp_path: Path) -> None:
    async with process_session([*installed.entry, "--sandbox"], installed.env, cwd=tmp_path) as client:
        assert client.server_info.name == "pagerduty-mcp"
        result = await client.call_tool("list_incidents", {"limit": 1})
        assert not result.is_error, result.content
