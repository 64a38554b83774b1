"""The requirement catalogue: well-formed, faithful to the page, and covered by cases.

A quote the page does not contain makes a failure cite words nobody wrote, and a scraped
fragment ("metadata map string Required") is words nobody can read; a requirement with no case
is a promise the suite silently never checks; a case with no requirement reports a verdict on
nothing; a case whose docstring quotes another sentence than its requirement misleads whoever
reads the code.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pytest
import yaml

from conformance.collection import CASES_DIR
from conformance.requirements import CATALOGUE_PATH, Level, catalogue

# CI checks the repo out beside a copy of shared/; a bare clone has no seed and skips.
SEED_PAGE = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_66366d2119e554d3.txt"
ID_PATTERN = re.compile(r"^UCC-[A-Z0-9-]+$")


def raw_entries() -> list[dict[str, Any]]:
    """Every catalogue entry, retired ones included (an ID is never reused, even retired)."""
    data = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))
    entries: list[dict[str, Any]] = data["requirements"]
    return entries


def squeeze(text: str) -> str:
    """Letters and digits only: the scrape lost spaces ("onlyfunction") and quote marks."""
    return "".join(ch for ch in text if ch.isalnum())


def test_catalogue_ids_are_unique_and_well_formed() -> None:
    """IDs are the stable names vendors track; a duplicate would merge two verdicts."""
    ids = [entry["id"] for entry in raw_entries()]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    assert [i for i in ids if not ID_PATTERN.match(i)] == []


def test_catalogue_levels_are_must_should_or_info() -> None:
    """The level decides FAIL, WARN or INFO; any other word would break every run."""
    assert {entry["level"] for entry in raw_entries()} <= {level.value for level in Level}


LIVE = list(catalogue().values())


QUOTED = [r for r in LIVE if r.quote]


@pytest.mark.parametrize("rid", [r.id for r in QUOTED], ids=[r.id for r in QUOTED])
def test_requirement_quote_appears_in_the_seed_page(rid: str) -> None:
    """Every failure cites its quote as "The page says"; it must be the page's words."""
    if not SEED_PAGE.exists():
        pytest.skip(f"the seed page is not at {SEED_PAGE} (CI puts shared/ beside the clone)")
    page = squeeze(SEED_PAGE.read_text(encoding="utf-8"))
    quote = catalogue()[rid].quote
    assert squeeze(quote) in page, f"{rid}: {quote!r} is not on the page"


def is_sentence(text: str) -> bool:
    """Whole sentences: a capital first, a full stop last (not a scraped table row)."""
    return bool(re.fullmatch(r"[A-Z].*[.)]", text.strip(), flags=re.DOTALL))


def test_sentence_check_refuses_a_scraped_fragment() -> None:
    """The check below must be able to fail: these are the fragments it replaced."""
    assert not is_sentence("metadata map string Required")
    assert not is_sentence('-H "Authorization: Bearer $FAST_API_KEY"')
    assert is_sentence("Keys are strings with a maximum length of 64 characters.")


def test_every_requirement_quotes_whole_sentences_or_states_its_basis() -> None:
    """A vendor reads the quote as the rule it broke: whole sentences of the page, or, where
    the page has none, the basis said plainly (and itself a sentence)."""
    bad = [
        r.id
        for r in LIVE
        if (r.quote and not is_sentence(r.quote)) or (r.basis and not is_sentence(r.basis))
    ]
    assert bad == []
    assert [r.id for r in LIVE if not r.quote and not r.basis] == []


def docstring_openings() -> list[tuple[str, str, str]]:
    """(case, requirement ID, the case's docstring with whitespace squeezed) of every case."""
    found = []
    for path in sorted(CASES_DIR.glob("test_*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.FunctionDef) or not node.name.startswith("test_"):
                continue
            rids = [
                d.args[0].value
                for d in node.decorator_list
                if isinstance(d, ast.Call)
                and getattr(d.func, "attr", "") == "requirement"
                and d.args
                and isinstance(d.args[0], ast.Constant)
            ]
            doc = " ".join((ast.get_docstring(node, clean=False) or "").split())
            found += [(f"{path.name}::{node.name}", str(rid), doc) for rid in rids]
    return found


def expected_opening(rid: str) -> str:
    requirement = catalogue()[rid]
    grounds = f'"{requirement.quote}"' if requirement.quote else str(requirement.basis)
    return " ".join(f"{requirement.level.value}: {grounds}".split())


def test_every_case_docstring_opens_with_its_requirements_quote() -> None:
    """The docstring a reader sees beside the request must cite the requirement's own words
    (or its basis), not another sentence, so code and report never disagree."""
    openings = docstring_openings()
    assert len(openings) >= len(LIVE)
    wrong = [
        f"{case} [{rid}]: {doc[:80]!r}"
        for case, rid, doc in openings
        if not doc.startswith(expected_opening(rid))
    ]
    assert wrong == []


# The fuzz cases judge requirements of several areas from one generator; every other case
# file holds the cases of one area and is named after it.
# So do the invariants' cases (conformance/invariants.py): one family, told where it is found.
CROSS_AREA_FILES = {"test_fuzz.py", "test_invariants.py"}


def test_each_case_lives_in_the_file_named_after_its_area() -> None:
    """A reader finds a requirement's case from its area alone (test_<area>.py)."""
    openings = docstring_openings()
    misplaced = [
        f"{case} [{rid}: {catalogue()[rid].area}]"
        for case, rid, _ in openings
        if case.split("::")[0] not in CROSS_AREA_FILES
        and case.split("::")[0] != f"test_{catalogue()[rid].area}.py"
    ]
    assert misplaced == []
    files = {case.split("::")[0] for case, _, _ in openings} - CROSS_AREA_FILES
    assert files == {f"test_{area}.py" for area in {r.area for r in LIVE}}


def test_cases_check_only_through_expectation_helpers() -> None:
    """A check written inline in a case is a check whose failure text nobody else shares:
    cases raise no failure themselves, the `expect_*` helpers do."""
    inline = [
        path.name
        for path in sorted(CASES_DIR.glob("test_*.py"))
        if "ConformanceFailure" in path.read_text(encoding="utf-8")
    ]
    assert inline == []


# --- coverage: every requirement has a case, every case names a requirement -----------------
class Labelled(Protocol):
    """What the coverage check reads of a collected case (a pytest.Item, or a fake)."""

    @property
    def nodeid(self) -> str: ...

    def get_closest_marker(self, name: str) -> pytest.Mark | None: ...


def label(item: Labelled) -> str | None:
    marker = item.get_closest_marker("requirement")
    return str(marker.args[0]) if marker is not None and marker.args else None


def uncovered(catalogue_ids: Iterable[str], items: Sequence[Labelled]) -> set[str]:
    """Catalogue IDs no case names."""
    return set(catalogue_ids) - {label(item) for item in items}


def unlabelled(items: Sequence[Labelled], catalogue_ids: Iterable[str]) -> list[str]:
    """Node IDs of cases with no requirement marker, or one naming no catalogue entry."""
    known = set(catalogue_ids)
    return [item.nodeid for item in items if label(item) not in known]


@dataclass
class FakeItem:
    nodeid: str
    marks: list[pytest.Mark] = field(default_factory=list)

    def get_closest_marker(self, name: str) -> pytest.Mark | None:
        return next((m for m in self.marks if m.name == name), None)


def fake(nodeid: str, rid: str | None) -> FakeItem:
    marks = [] if rid is None else [pytest.mark.requirement(rid).mark]
    return FakeItem(nodeid, marks)


def test_coverage_check_finds_a_requirement_without_a_case() -> None:
    """The checker itself must be able to fail, or the real check below proves nothing."""
    items = [fake("t::a", "UCC-A")]
    assert uncovered(["UCC-A", "UCC-B"], items) == {"UCC-B"}
    assert uncovered(["UCC-A"], items) == set()


def test_coverage_check_finds_a_case_without_a_known_requirement() -> None:
    """A missing marker, an empty one and a typo'd ID are all unlabelled."""
    items = [
        fake("t::ok", "UCC-A"),
        fake("t::none", None),
        FakeItem("t::empty", [pytest.mark.requirement.mark]),
        fake("t::typo", "UCC-AA"),
    ]
    assert unlabelled(items, ["UCC-A"]) == ["t::none", "t::empty", "t::typo"]


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> list[pytest.Item]:
    """Every conformance case, collected (not run) in-process against the embedded server."""
    reports = tmp_path_factory.mktemp("collect-reports")
    grabbed: list[pytest.Session] = []

    class Grab:
        def pytest_collection_finish(self, session: pytest.Session) -> None:
            grabbed.append(session)

    code = pytest.main(
        [str(CASES_DIR), "--collect-only", "-q", "-p", "no:randomly", f"--reports-dir={reports}"],
        plugins=[Grab()],
    )
    assert code == pytest.ExitCode.OK, f"collecting the cases exited {code}"
    return list(grabbed[0].items)


def test_every_live_requirement_has_a_case(collected: list[pytest.Item]) -> None:
    """A requirement with no case would show as NOT RUN in every report, forever."""
    assert collected, "no conformance case was collected"
    assert uncovered(catalogue(), collected) == set()


def test_every_case_names_a_catalogue_requirement(collected: list[pytest.Item]) -> None:
    """A case with no requirement runs, but its verdict is reported nowhere."""
    assert unlabelled(collected, catalogue()) == []
