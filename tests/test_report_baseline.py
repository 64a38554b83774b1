"""The regression gate (--baseline): a nightly job fails on what passed before and fails now,
on nothing else the vendor already knew about, and never forgives the suite's own errors.
(That a new failure fails the gated run, naming exactly it, is test_report_end_to_end.py.)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance.collection import CASES_DIR
from conformance.report.baseline import diff, gate, lines, load_baseline
from conformance.report.schema import ReportError
from tests.conftest import BreakOneCase, SuiteRun
from tests.faults.catalogue import UsageTotalOffByOne
from tests.test_report_matrix import document

Run = Callable[..., SuiteRun]
BROKEN = "UCC-SHAPE-USAGE-TOTAL"


def doc(
    base_url: str = "http://a.test/v1", catalogue: tuple[int, str] = (1, "a" * 64), **verdicts: str
) -> dict[str, Any]:
    """The parts of a compliance document the diff reads."""
    version, sha256 = catalogue
    return {
        "suite_version": f"0.{version}.0",
        "spec": {
            "requirements": {
                "path": "specs/requirements.yaml",
                "sha256": sha256,
                "version": version,
            }
        },
        "started_at": "2026-01-01T00:00:00Z",
        "digest": {"value": "0" * 64},
        "target": {"base_url": base_url, "embedded": False},
        "model": "m",
        "requirements": [{"id": rid, "verdict": v} for rid, v in verdicts.items()],
    }


def test_diff_sorts_every_change_into_one_bucket() -> None:
    before = doc(A="PASS", B="FAIL", C="WARN", D="PASS", E="PASS", F="XFAIL", G="PASS")
    now = doc(A="FAIL", B="PASS", C="FAIL", D="PASS", E="WARN", F="XFAIL", G="SKIP", H="FAIL")
    changes = diff(before, now)
    assert changes["regressions"] == ["A"]
    assert changes["fixed"] == ["B"]
    assert changes["still_failing"] == ["C", "F"]
    assert changes["other_changes"] == [
        {"id": "E", "before": "PASS", "now": "WARN"},
        {"id": "G", "before": "PASS", "now": "SKIP"},
        {"id": "H", "before": "NOT RUN", "now": "FAIL"},
    ]
    assert changes["same_target"] is True
    assert diff(before, doc("http://b.test/v1"))["same_target"] is False
    assert changes["catalogue"]["same"] is True and changes["catalogue"]["note"] is None


def test_diff_says_when_the_baseline_was_judged_against_another_catalogue() -> None:
    """A vendor's gate compares runs across suite versions: a verdict that moved may be the
    catalogue's doing (a requirement added, changed or retired), and the run says so."""
    before = doc(catalogue=(1, "a" * 64), A="PASS")
    changes = diff(before, doc(catalogue=(2, "b" * 64), A="PASS"))
    assert changes["catalogue"]["same"] is False
    assert changes["catalogue"]["version"] == 1
    note = changes["catalogue"]["note"]
    assert "catalogue version 1 (sha256 aaaaaaaaaaaa, suite 0.1.0)" in note
    assert "this run against version 2 (sha256 bbbbbbbbbbbb, suite 0.2.0)" in note
    assert "CHANGELOG.md" in note
    assert f"baseline: {note}" in lines({**changes, "gate": {"fails": False, "reason": None}})


def gated(verdict: str = "FAILED", **levels_and_verdicts: tuple[str, str]) -> dict[str, Any]:
    """A document as the gate reads it: the run's verdict and each requirement's."""
    requirements = [
        {"id": rid, "level": level, "verdict": v} for rid, (level, v) in levels_and_verdicts.items()
    ]
    return {"verdict": verdict, "requirements": requirements}


@pytest.mark.parametrize(
    ("regressions", "failed", "document", "fails"),
    [
        ([], ["FAIL", "FAIL"], gated(A=("MUST", "FAIL")), None),
        (["A"], ["FAIL"], gated(A=("MUST", "FAIL")), "1 regression(s) against the baseline: A"),
        ([], ["FAIL", "ERROR"], gated("ERROR"), "failures the baseline cannot forgive (ERROR)"),
        ([], [None], gated(), "failures the baseline cannot forgive (no verdict)"),
        ([], [], gated("SETUP FAILED"), "the run's verdict is SETUP FAILED"),
        (
            [],
            [],
            gated("INCONCLUSIVE", A=("MUST", "INCONCLUSIVE"), B=("SHOULD", "INCONCLUSIVE")),
            "1 MUST requirement(s) could not be judged: A",
        ),
        (
            ["A"],
            [],
            gated("INTERRUPTED", A=("MUST", "FAIL")),
            "the run's verdict is INTERRUPTED: the gate cannot vouch for it",
        ),
        (
            [],
            [],
            gated("NOTHING JUDGED"),
            "the run's verdict is NOTHING JUDGED: the gate cannot vouch for it",
        ),
    ],
    ids=[
        "known-failures",
        "regression",
        "suite-error",
        "collection-error",
        "setup-failed",
        "must-inconclusive",
        "interrupted",
        "nothing-judged",
    ],
)
def test_gate_fails_on_regressions_and_the_suites_own_trouble(
    regressions: list[str], failed: list[str | None], document: dict[str, Any], fails: str | None
) -> None:
    """What the gate cannot vouch for (an error, a failed setup, a MUST it could not judge)
    fails the gated run whatever the baseline says; known failures do not."""
    assert gate({"regressions": regressions}, failed, document) == fails


def saved(tmp_path: Path, name: str, *failing: str) -> str:
    """A baseline file: a sealed document where everything passed but `failing`."""
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(document(fail=failing)), "utf-8")
    return f"--baseline={path}"


def test_known_failure_does_not_fail_the_gated_run(run_against: Run, tmp_path: Path) -> None:
    """What failed last night too is not news; the diff still says it."""
    run = run_against(UsageTotalOffByOne, "-m", "shape", saved(tmp_path, "known", BROKEN))
    assert run.result.ret == 0, run.result.stdout
    assert run.verdicts[BROKEN] == "FAIL"
    lines = run.result.stdout.lines
    assert f"still failing (1): {BROKEN}" in lines and "new failures (0): -" in lines
    assert "gate: no regression; the run passes" in lines


def bad_baselines(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    tampered = document()
    tampered["headline"] = "MUST 99/99 passed"
    (tmp_path / "tampered.json").write_text(json.dumps(tampered), "utf-8")
    (tmp_path / "junk.json").write_text("{not json", "utf-8")
    (tmp_path / "other.json").write_text('{"format": "something/2"}', "utf-8")
    return {
        "missing": (tmp_path / "absent.json", "cannot read"),
        "not-json": (tmp_path / "junk.json", "is not JSON"),
        "other-format": (tmp_path / "other.json", "is not a ucc-compliance/1 document"),
        "tampered": (tmp_path / "tampered.json", "the digest does not match"),
    }


def test_unusable_baseline_is_refused_saying_why(tmp_path: Path) -> None:
    for name, (path, says) in bad_baselines(tmp_path).items():
        with pytest.raises(ReportError) as caught:
            load_baseline(path)
        assert says in str(caught.value) and str(path) in str(caught.value), name


def test_unusable_baseline_is_a_usage_error_before_any_case(run_suite: Run, tmp_path: Path) -> None:
    path, says = bad_baselines(tmp_path)["tampered"]
    run = run_suite(f"--baseline={path}", "-k", "LIMIT-PAIRS-16")
    text = f"{run.result.stdout}\n{run.result.stderr}"
    assert run.result.ret == pytest.ExitCode.USAGE_ERROR, text
    errors = [line for line in text.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1 and errors[0].startswith("ERROR: --baseline: "), text
    assert says in errors[0] and "Traceback" not in text


def test_suite_error_is_never_forgiven_by_the_gate(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    reports = tmp_path / "gated"
    result = pytester.runpytest_inprocess(
        str(CASES_DIR),
        f"--reports-dir={reports}",
        "-m",
        "limits",
        saved(tmp_path, "green"),
        plugins=[BreakOneCase()],
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    changes = json.loads((reports / "compliance.json").read_text("utf-8"))["baseline"]
    # ERROR is not the vendor's regression, but the gate cannot vouch for what broke.
    assert changes["regressions"] == []
    assert changes["gate"]["reason"] == "failures the baseline cannot forgive (ERROR)"
