"""Which conformance cases a run has, what they are marked with, and the order they run in."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pytest

from conformance.requirements import Level, Requirement, areas, catalogue

CASES_DIR: Final = Path(__file__).resolve().parent / "cases"

MARKERS: Final = (
    "requirement(id): the catalogue requirement (specs/requirements.yaml) a case checks",
    "risky: a case that a faulty target may answer by destroying the shared completion; "
    "runs last so it cannot take the other cases down with it",
    "sweep: a case that tells what every write of the run broke (conformance.invariants); "
    "runs after every other case, the risky ones included",
    *(f"{area}: conformance cases of the {area} area" for area in areas()),
    *(f"{level.value.lower()}: cases of {level.value} requirements" for level in Level),
)


def collects_cases(config: pytest.Config) -> bool:
    """True when the run collects conformance cases (not for the suite's own tests/)."""
    for arg in config.args:
        path = Path(arg.split("::", 1)[0]).resolve()
        if path == CASES_DIR or CASES_DIR in path.parents or path in CASES_DIR.parents:
            return True
    return False


def requirement_of(item: pytest.Item) -> Requirement | None:
    """The catalogue requirement a case names; None when it names none (or none known)."""
    marker = item.get_closest_marker("requirement")
    if marker is None or not marker.args:
        return None
    return catalogue().get(str(marker.args[0]))


def labelled(item: pytest.Item) -> Requirement | None:
    """The requirement of a collected item; a usage error when its marker names no entry."""
    marker = item.get_closest_marker("requirement")
    if marker is None:
        return None
    requirement = requirement_of(item)
    if requirement is None:
        raise pytest.UsageError(
            f"{item.nodeid}: requirement marker {marker.args!r} names no catalogue entry"
        )
    return requirement


def in_catalogue_order(item: pytest.Item) -> tuple[int, int]:
    """Sort key: catalogue order (the answer to a plain update first, then its round trip, so
    the first write the run waits for is one a requirement judges), the risky cases after the
    others, and last the sweeps, which tell what every other case's writes broke."""
    requirement = requirement_of(item)
    ids = list(catalogue())
    position = ids.index(requirement.id) if requirement is not None else len(ids)
    rank = 2 if item.get_closest_marker("sweep") else 1 if item.get_closest_marker("risky") else 0
    return rank, position
