"""The reports end to end, on real runs: a run against the embedded server and one against a
faulty server write schema-valid compliance.json; --baseline with the first fails the second
naming exactly the regressed requirement; the matrix of both renders (in Chromium: see
test_report_browser.py); a profile listing the faulty server's broken requirement turns that
run green and flags nothing else.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

from conformance.report.__main__ import main as report_main
from conformance.report.schema import problems
from tests.conftest import SuiteRun
from tests.faults.catalogue import FAULTS, UsageTotalOffByOne

Run = Callable[..., SuiteRun]
FAULT = next(v for v in FAULTS if v.api_class is UsageTotalOffByOne)


def test_regression_is_gated_shown_in_the_matrix_and_waived_by_a_profile(
    run_suite: Run, run_against: Run, tmp_path: Path
) -> None:
    (broken,) = FAULT.fails
    embedded = run_suite()
    assert embedded.result.ret == 0, embedded.result.stdout
    assert problems(embedded.compliance) == []

    baseline = f"--baseline={embedded.reports_dir / 'compliance.json'}"
    faulty = run_against(UsageTotalOffByOne, baseline)
    assert problems(faulty.compliance) == []
    assert faulty.result.ret == 1, faulty.result.stdout
    changes = faulty.compliance["baseline"]
    assert changes["regressions"] == [broken]
    assert changes["gate"]["reason"] == f"1 regression(s) against the baseline: {broken}"
    assert f"new failures (1): {broken}" in faulty.result.stdout.lines
    # JUnit carries each case's requirement ID and level, for CI dashboards.
    cases = list(ET.parse(faulty.reports_dir / "junit.xml").getroot().iter("testcase"))
    names = [{p.get("name") for p in case.iter("property")} for case in cases]
    assert cases and all({"requirement", "level", "verdict"} <= n for n in names)

    matrix = tmp_path / "matrix.html"
    files = [str(run.reports_dir / "compliance.json") for run in (embedded, faulty)]
    assert report_main(["matrix", *files, "-o", str(matrix)]) == 0
    page = matrix.read_text("utf-8")
    row = re.search(rf"<tr id='row-{broken}'>.*?</tr>", page, re.S)
    assert row is not None and row.group(0).count("ucc-v-PASS") == 1
    assert row.group(0).count("ucc-v-FAIL") == 1

    profile = tmp_path / "faulty-vendor.toml"
    profile.write_text(
        'capabilities = ["list", "delete"]\n\n[[deviation]]\n'
        f'requirement = "{broken}"\nreason = "usage.total_tokens is one too many"\n'
        'link = "https://vendor.test/issues/1"\nexpires = 2099-12-31\n',
        encoding="utf-8",
    )
    waived = run_against(UsageTotalOffByOne, f"--profile={profile}")
    assert waived.result.ret == 0, waived.result.stdout
    assert problems(waived.compliance) == []
    assert waived.verdicts[broken] == "XFAIL"
    assert waived.flagged == set() and not waived.with_verdict("ERROR", "INCONCLUSIVE")
    assert waived.compliance["profile"]["flags"] == []
