"""Reading the container recipe the way Docker does: the Dockerfile's instructions and stages, and
the build context that ``.dockerignore`` leaves. Both deploy tests read the files through here."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEPLOY_FILES",
    "ROOT",
    "Instruction",
    "Stage",
    "copy_build_context",
    "exec_form",
    "expand",
    "is_ignored",
    "read_stages",
    "tool_version",
]

ROOT = Path(__file__).resolve().parents[2]
# Everything that names a variable, port or path of the server for a deployment.
DEPLOY_FILES = (
    ROOT / "Dockerfile",
    *sorted((ROOT / "deploy").rglob("*.yaml")),
    ROOT / "deploy" / "Caddyfile",
    ROOT / "deploy" / "docker-entrypoint.sh",
    ROOT / ".github" / "workflows" / "container.yml",
)


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: RUN, ENV, COPY, ...
    arguments: str  # continuation lines joined


@dataclass(frozen=True)
class Stage:
    name: str
    instructions: tuple[Instruction, ...]

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def one(self, keyword: str) -> Instruction:
        found = self.all(keyword)
        assert len(found) == 1, f"stage {self.name} should have one {keyword}, has {len(found)}"
        return found[0]

    def env(self) -> dict[str, str]:
        """``ENV`` of this stage, in order, values unquoted (``$VAR`` left as written)."""
        values: dict[str, str] = {}
        for instruction in self.all("ENV"):
            for word in shlex.split(instruction.arguments):
                key, _, value = word.partition("=")
                values[key] = value
        return values

    def copies(self) -> dict[str, str]:
        """``COPY`` destinations in the image mapped to their sources (options dropped)."""
        mapping = {}
        for instruction in self.all("COPY"):
            words = [w for w in shlex.split(instruction.arguments) if not w.startswith("--")]
            mapping[words[-1]] = words[0]
        return mapping


def read_stages(dockerfile: Path = ROOT / "Dockerfile") -> list[Stage]:
    """The stages of a Dockerfile in order; the instructions before the first ``FROM`` are dropped."""
    logical: list[str] = []
    pending = ""
    for line in dockerfile.read_text().splitlines():
        if line.lstrip().startswith("#"):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        if (pending + line).strip():
            logical.append(pending + line.strip())
        pending = ""
    stages: list[Stage] = []
    for text in logical:
        keyword, _, arguments = text.strip().partition(" ")
        instruction = Instruction(keyword.upper(), " ".join(arguments.split()))
        if instruction.keyword == "FROM":
            words = instruction.arguments.split()
            stages.append(Stage(words[-1] if "AS" in (w.upper() for w in words) else str(len(stages)), ()))
        elif stages:
            stages[-1] = Stage(stages[-1].name, (*stages[-1].instructions, instruction))
    return stages


def exec_form(arguments: str) -> list[str]:
    """An exec-form (JSON array) ``ENTRYPOINT``/``CMD`` argument list; shell form is refused."""
    value = json.loads(arguments)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), f"not exec form: {arguments}"
    return value


def expand(value: str, env: dict[str, str]) -> str:
    """``$VAR`` and ``${VAR}`` as Docker expands them in ``ENV`` (unknown ones become empty)."""
    return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: env.get(m.group(1), ""), value)


def tool_version(tool: str) -> str:
    """The version of ``tool`` pinned in ``.tool-versions``."""
    for line in (ROOT / ".tool-versions").read_text().splitlines():
        name, _, version = line.partition(" ")
        if name == tool:
            return version.strip()
    raise AssertionError(f".tool-versions pins no {tool}")


def _pattern(text: str) -> re.Pattern[str]:
    """A ``.dockerignore`` line as a regex over context-relative paths; it also matches what is below."""
    out = ""
    i = 0
    while i < len(text):
        if text.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif text.startswith("**", i):
            out, i = out + ".*", i + 2
        elif text[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif text[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(text[i]), i + 1
    return re.compile(out + "(?:/.*)?")


def _rules(context: Path) -> list[tuple[bool, re.Pattern[str], str]]:
    rules = []
    ignore = context / ".dockerignore"
    for line in ignore.read_text().splitlines() if ignore.exists() else []:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keep = line.startswith("!")
        text = os.path.normpath(line.lstrip("!").strip().lstrip("/"))
        rules.append((keep, _pattern(text), text))
    return rules


def is_ignored(relative: str, rules: list[tuple[bool, re.Pattern[str], str]]) -> bool:
    """Docker's rule: the last pattern that matches the path (or a folder above it) decides."""
    ignored = False
    for keep, pattern, _ in rules:
        if pattern.fullmatch(relative):
            ignored = not keep
    return ignored


def copy_build_context(context: Path, target: Path) -> list[str]:
    """Copy what ``docker build`` would send of ``context`` into ``target``; the relative paths sent."""
    rules = _rules(context)
    exceptions = [text for keep, _, text in rules if keep]
    sent = []
    for directory, folders, files in os.walk(context):
        here = Path(directory).relative_to(context).as_posix()
        prefix = "" if here == "." else here + "/"
        # Skip an ignored folder unless an exception (``!path``) reaches inside it.
        folders[:] = [
            f
            for f in folders
            if not is_ignored(prefix + f, rules) or any(e.startswith(prefix + f + "/") for e in exceptions)
        ]
        for name in files:
            relative = prefix + name
            if not is_ignored(relative, rules):
                (target / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(context / relative, target / relative)
                sent.append(relative)
    return sent
