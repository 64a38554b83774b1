"""CHANGELOG.md lists, per version, every requirement ID added, changed or retired: a vendor's
gate compares runs across suite versions and must be able to tell what the catalogue did.
These fail while the catalogue holds a requirement the changelog never added, retires one it
never retired, or changed without its entry saying so.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from conformance import __version__
from conformance.requirements import CATALOGUE_PATH, catalogue_version, file_sha256

ROOT = Path(__file__).resolve().parents[1]
CHANGELOG = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
ENTRY = re.compile(
    r"^## (?P<version>\S+) — catalogue version (?P<catalogue>\d+) "
    r"\(sha256 (?P<sha>[0-9a-f]{64})\)$",
    re.MULTILINE,
)
ID = re.compile(r"\bUCC-[A-Z0-9]+(?:-[A-Z0-9]+)+\b")


def section(title: str) -> str:
    """The text of every `### title` section, all entries together."""
    parts = re.split(r"^(#{2,3} .*)$", CHANGELOG, flags=re.MULTILINE)
    return "\n".join(parts[i + 1] for i, head in enumerate(parts) if head == f"### {title}")


def catalogue_entries() -> list[dict[str, object]]:
    entries: list[dict[str, object]] = yaml.safe_load(CATALOGUE_PATH.read_text("utf-8"))[
        "requirements"
    ]
    return entries


def test_every_requirement_was_added_and_every_retired_one_retired() -> None:
    entries = catalogue_entries()
    added, retired = set(ID.findall(section("Added"))), set(ID.findall(section("Retired")))
    assert {str(e["id"]) for e in entries} - added == set()
    assert {str(e["id"]) for e in entries if e.get("retired")} - retired == set()


def test_every_id_the_changelog_names_is_in_the_catalogue_or_reserved() -> None:
    known = {str(e["id"]) for e in catalogue_entries()}
    reserved = {"UCC-SHAPE-USAGE-COUNTS"}  # never released; see the 0.1.0 entry
    assert set(ID.findall(CHANGELOG)) - known - reserved == set()


def test_the_catalogue_as_it_is_has_its_entry() -> None:
    """The catalogue's version and sha256 are those of an entry: a catalogue edited without
    a new entry (or a new sha256 in its entry) fails here, naming what to write."""
    entries = {(m["catalogue"], m["sha"]) for m in ENTRY.finditer(CHANGELOG)}
    current = (str(catalogue_version()), file_sha256(CATALOGUE_PATH))
    assert current in entries, (
        f"specs/requirements.yaml is catalogue version {current[0]} with sha256 {current[1]}: "
        "CHANGELOG.md needs an entry for it listing the IDs added, changed or retired"
    )


def test_the_suites_version_has_an_entry() -> None:
    """A version bump comes with its entry (what it changed since waits under Unreleased)."""
    assert __version__ in [m["version"] for m in ENTRY.finditer(CHANGELOG)]
