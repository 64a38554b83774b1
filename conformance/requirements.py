"""The requirement catalogue (specs/requirements.yaml): IDs, levels and quoted sentences."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

# specs/ of the repository, reached through the conformance/specs link so that an installed
# package carries them as package data (the wheel holds copies; the repository one source).
SPECS_DIR = Path(__file__).resolve().parent / "specs"
CATALOGUE_PATH = SPECS_DIR / "requirements.yaml"
OPENAPI_PATH = SPECS_DIR / "update-chat-completion.openapi.yaml"


class Level(StrEnum):
    MUST = "MUST"
    SHOULD = "SHOULD"
    INFO = "INFO"


@dataclass(frozen=True)
class Requirement:
    """One rule of the page. `quote` is the page's sentence, word for word ("" where the page
    has none); `basis` says plainly what the requirement rests on beyond (or instead of) it."""

    id: str
    level: Level
    area: str
    quote: str
    summary: str
    basis: str | None = None

    @property
    def grounds(self) -> str:
        """The quote and the basis as a case's docstring opens: `"quote" basis`."""
        parts = [f'"{self.quote}"'] if self.quote else []
        return " ".join([*parts, *([self.basis] if self.basis else [])])

    def headline(self) -> str:
        """`ID (LEVEL): summary`, the quoted sentence and the basis: the top of every failure."""
        lines = [f"{self.id} ({self.level.value}): {self.summary}"]
        if self.quote:
            lines.append(f'  The page says: "{self.quote}"')
        if self.basis:
            lines.append(f"  Basis: {self.basis}")
        return "\n".join(lines)


@functools.cache
def load_yaml(path: Path) -> Any:
    """A spec file, parsed once per process (with libyaml when it is there: 10x faster).

    Callers must not mutate what they get: it is shared.
    """
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def catalogue_version(path: Path = CATALOGUE_PATH) -> int | None:
    """The catalogue's own `version` field (bumped when requirements are added, changed or
    retired; CHANGELOG.md lists which)."""
    data = load_yaml(path)
    version = data.get("version") if isinstance(data, dict) else None
    return version if isinstance(version, int) else None


def openapi_spec() -> dict[str, Any]:
    """The derived OpenAPI document (specs/update-chat-completion.openapi.yaml)."""
    spec: dict[str, Any] = load_yaml(OPENAPI_PATH)
    return spec


@functools.cache
def catalogue(path: Path = CATALOGUE_PATH) -> dict[str, Requirement]:
    """Every live requirement by ID, in catalogue order; a malformed catalogue fails loudly."""
    data = load_yaml(path)
    found: dict[str, Requirement] = {}
    for entry in data["requirements"]:
        if entry.get("retired"):
            continue
        requirement = Requirement(
            id=entry["id"],
            level=Level(entry["level"]),
            area=entry["area"],
            quote=entry.get("quote", ""),
            summary=entry["summary"],
            basis=entry.get("basis"),
        )
        if not requirement.quote and not requirement.basis:
            raise ValueError(f"{path}: {requirement.id} has neither a quote nor a basis")
        if requirement.id in found:
            raise ValueError(f"{path}: requirement {requirement.id} is listed twice")
        found[requirement.id] = requirement
    return found


def areas() -> list[str]:
    return sorted({r.area for r in catalogue().values()})
