"""What ``uv build --all-packages`` produces: our own names, one version, the pin, the LICENSE."""

from __future__ import annotations

import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

import pagerduty_mcp.server
from tests.packaging.wheelhouse import AREA_DISTRIBUTIONS, CORE, ROOT

pytestmark = [pytest.mark.install]

VERSION = pagerduty_mcp.__version__
ALL = (CORE, *AREA_DISTRIBUTIONS)


def _wheel(wheelhouse: Path, dist: str) -> zipfile.ZipFile:
    (path,) = wheelhouse.glob(f"{dist.replace('-', '_')}-*.whl")
    return zipfile.ZipFile(path)


def _metadata(wheel: zipfile.ZipFile, name: str = "METADATA") -> str:
    (member,) = [n for n in wheel.namelist() if n.endswith(f".dist-info/{name}")]
    return wheel.read(member).decode()


def test_every_distribution_has_a_wheel_and_an_sdist_and_none_is_named_pagerduty_mcp(wheelhouse: Path) -> None:
    built = sorted(p.name for p in wheelhouse.iterdir() if p.name.endswith((".whl", ".tar.gz")))
    stems = [f"{dist.replace('-', '_')}-{VERSION}" for dist in ALL]
    expected = sorted([*(f"{s}-py3-none-any.whl" for s in stems), *(f"{s}.tar.gz" for s in stems)])
    assert built == expected
    assert CORE != "pagerduty-mcp"
    assert not any(n.startswith(("pagerduty_mcp-", "pagerduty-mcp-")) for n in built)


@pytest.mark.parametrize("dist", ALL)
def test_each_wheel_has_the_one_version_and_ships_the_license(wheelhouse: Path, dist: str) -> None:
    with _wheel(wheelhouse, dist) as wheel:
        metadata = Parser().parsestr(_metadata(wheel))
        licenses = [n for n in wheel.namelist() if ".dist-info/licenses/" in n]
        assert [n.rsplit("/", 1)[1] for n in licenses] == ["LICENSE"]
        assert wheel.read(licenses[0]) == (ROOT / "LICENSE").read_bytes()
    assert metadata["Name"] == dist
    assert metadata["Version"] == VERSION
    assert metadata["License-Expression"] == "Apache-2.0"


@pytest.mark.parametrize("dist", AREA_DISTRIBUTIONS)
def test_an_area_wheel_pins_the_core_of_its_version_and_provides_only_its_command(wheelhouse: Path, dist: str) -> None:
    area = dist.removeprefix("pagerduty-")
    with _wheel(wheelhouse, dist) as wheel:
        metadata = Parser().parsestr(_metadata(wheel))
        entry_points = _metadata(wheel, "entry_points.txt")
        code = [n for n in wheel.namelist() if not n.startswith(f"{dist.replace('-', '_')}-{VERSION}.dist-info/")]
    assert metadata.get_all("Requires-Dist") == [f"{CORE}=={VERSION}"]
    assert entry_points.split() == ["[console_scripts]", dist, "=", f"pagerduty_mcp.servers.{area}.server:main"]
    assert code == [], "the code ships in the core only"


def test_the_core_wheel_holds_the_code_and_the_combined_command_only(wheelhouse: Path) -> None:
    with _wheel(wheelhouse, CORE) as wheel:
        entry_points = _metadata(wheel, "entry_points.txt")
        names = wheel.namelist()
    assert "pagerduty_mcp/servers/incidents/server.py" in names and "pagerduty_mcp/__init__.py" in names
    # The apps are built from these sources when a server starts: each must ship, and the kit they share.
    apps = [(area.name, app.name) for area in pagerduty_mcp.server.AREAS for app in area.apps]
    for area, app in apps:
        for part in ("html", "css", "js"):
            assert f"pagerduty_mcp/servers/{area}/apps/{app}.{part}" in names
    assert {"pagerduty_mcp/common/toolkit/app_kit/kit.js", "pagerduty_mcp/common/toolkit/app_kit/kit.css"} <= set(names)
    commands = {line.split("=")[0].strip() for line in entry_points.splitlines() if "=" in line}
    assert commands == {"pagerduty-mcp", CORE}
    assert not any(name.startswith(("tests/", "packages/")) for name in names)


@pytest.mark.parametrize("dist", AREA_DISTRIBUTIONS)
def test_an_area_sdist_builds_on_its_own(wheelhouse: Path, dist: str) -> None:
    # uv builds each wheel from its sdist: the sdist must carry the license, hook and pinned metadata.
    with tarfile.open(wheelhouse / f"{dist.replace('-', '_')}-{VERSION}.tar.gz") as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
        top = sdist.getnames()[0].split("/")[0]
        member = sdist.extractfile(f"{top}/PKG-INFO")
        assert member is not None
        pkg_info = Parser().parsestr(member.read().decode())
    assert {"LICENSE", "README.md", "hatch_build.py", "pyproject.toml", "PKG-INFO"} <= names
    assert pkg_info["Version"] == VERSION
    assert pkg_info.get_all("Requires-Dist") == [f"{CORE}=={VERSION}"]


def test_the_area_distributions_share_one_hook_and_one_license() -> None:
    # Each sdist must be self-contained, so each area folder holds a copy: the copies may not drift.
    hooks = {(ROOT / "packages" / d / "hatch_build.py").read_bytes() for d in AREA_DISTRIBUTIONS}
    licenses = {(ROOT / "packages" / d / "LICENSE").read_bytes() for d in AREA_DISTRIBUTIONS}
    assert len(hooks) == 1
    assert licenses == {(ROOT / "LICENSE").read_bytes()}
    assert b"Apache License" in (ROOT / "LICENSE").read_bytes() and b"Version 2.0" in (ROOT / "LICENSE").read_bytes()
