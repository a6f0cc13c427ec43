"""Where a server finds its ``.env``: the working directory, then its nearest parent, never the package."""

from __future__ import annotations

from pathlib import Path

import pytest

import pagerduty_mcp.common
from pagerduty_mcp.common import Settings, load_dotenv_file

pytestmark = [pytest.mark.unit, pytest.mark.common]

VARIABLES = ("PAGERDUTY_USER_API_KEY", "PAGERDUTY_API_TOKEN", "PAGERDUTY_API_KEY", "PAGERDUTY_API_HOST")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No PagerDuty variables from the host, and whatever ``.env`` sets is undone after the test."""
    for name in VARIABLES:
        monkeypatch.setenv(name, "placeholder")  # so that undo removes what the .env file adds
        monkeypatch.delenv(name)
    return monkeypatch


def _write_env(folder: Path, **values: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".env").write_text("".join(f"{k}={v}\n" for k, v in values.items()))


def test_the_env_file_of_the_working_directory_gives_the_credential_and_host(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _write_env(tmp_path, PAGERDUTY_USER_API_KEY="u+fromcwdfile1234", PAGERDUTY_API_HOST="https://127.0.0.1:9")
    clean_env.chdir(tmp_path)
    load_dotenv_file()
    settings = Settings.from_env()
    assert settings.credential is not None and settings.credential.secret == "u+fromcwdfile1234"
    assert settings.api_host == "https://127.0.0.1:9"


def test_without_one_in_the_working_directory_the_nearest_parent_is_read(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _write_env(tmp_path, PAGERDUTY_USER_API_KEY="u+grandparent0000")
    _write_env(tmp_path / "project", PAGERDUTY_USER_API_KEY="u+parent00000000")
    work = tmp_path / "project" / "src" / "deep"
    work.mkdir(parents=True)
    clean_env.chdir(work)
    load_dotenv_file()
    settings = Settings.from_env()
    assert settings.credential is not None and settings.credential.secret == "u+parent00000000"


def test_the_working_directory_wins_over_its_parents_and_only_one_file_is_read(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _write_env(tmp_path, PAGERDUTY_USER_API_KEY="u+parent00000000", PAGERDUTY_API_HOST="https://parent.example")
    _write_env(tmp_path / "work", PAGERDUTY_USER_API_KEY="u+workdir0000000")
    clean_env.chdir(tmp_path / "work")
    load_dotenv_file()
    settings = Settings.from_env()
    assert settings.credential is not None and settings.credential.secret == "u+workdir0000000"
    assert settings.api_host == "https://api.pagerduty.com"


def test_the_real_environment_wins_over_the_file(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _write_env(tmp_path, PAGERDUTY_USER_API_KEY="u+fromfile000000", PAGERDUTY_API_HOST="https://127.0.0.1:9")
    clean_env.setenv("PAGERDUTY_USER_API_KEY", "u+fromrealenv000")
    clean_env.chdir(tmp_path)
    load_dotenv_file()
    settings = Settings.from_env()
    assert settings.credential is not None and settings.credential.secret == "u+fromrealenv000"
    assert settings.api_host == "https://127.0.0.1:9"  # what the environment leaves unset still comes from the file


def test_a_env_file_beside_the_package_is_never_read(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # python-dotenv's default search walks up from the calling module: an installed server would
    # read site-packages' neighbourhood, and one run from a clone the clone's .env, wherever it started.
    beside_package = Path(pagerduty_mcp.common.__file__).parent / ".env"
    if beside_package.exists():
        pytest.skip(f"{beside_package} exists already; not touching it")
    work = tmp_path / "elsewhere"
    work.mkdir()
    clean_env.chdir(work)
    beside_package.write_text("PAGERDUTY_USER_API_KEY=u+besidepackage00\n")
    try:
        load_dotenv_file()
    finally:
        beside_package.unlink()
    if (found := _dotenv_above(work)) is not None:
        pytest.skip(f"{found} above the temporary folder would be read legitimately")
    assert Settings.from_env().credential is None


def _dotenv_above(folder: Path) -> Path | None:
    return next((p / ".env" for p in folder.parents if (p / ".env").is_file()), None)
