"""compliance.json as a platform team or a vendor reads it: schema-valid, checkable by its
digest, complete or saying it is not, with every failing case's redacted transcript, and with
the suite's own errors kept apart from the vendor's failures.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance.collection import CASES_DIR
from conformance.reference import BackgroundServer, ReferenceApi
from conformance.report.__main__ import main as report_main
from conformance.report.schema import FORMAT, digest_ok, problems
from tests.conftest import API_KEY, OTHER_KEY, BreakOneCase, SuiteRun
from tests.faults.catalogue import UsageTotalOffByOne

Run = Callable[..., SuiteRun]
Serve = Callable[[type[ReferenceApi]], BackgroundServer]
SPEC_FIELDS = (
    "suite_version",
    "spec",
    "target",
    "model",
    "started_at",
    "duration_s",
    "requests_sent",
    "completions_created",
    "max_storage_delay_s",
    "requirements",
    "digest",
)


@pytest.fixture
def faulty(run_against: Run) -> SuiteRun:
    """A vendor run against a server that breaks exactly UCC-SHAPE-USAGE-TOTAL."""
    return run_against(UsageTotalOffByOne, "-m", "shape or limits")


def test_embedded_run_writes_a_schema_valid_document_with_every_field(run_suite: Run) -> None:
    """A compliance statement holds the suite version, the spec's digests, the target, the time
    and the cost of the run; the schema pins them."""
    doc = run_suite("-m", "limits").compliance
    assert problems(doc) == []
    assert doc["format"] == FORMAT and doc["complete"] is True and doc["stopped"] is None
    assert all(doc.get(name) is not None for name in SPEC_FIELDS), doc
    assert len(doc["spec"]["openapi"]["sha256"]) == 64
    assert len(doc["spec"]["requirements"]["sha256"]) == 64
    assert doc["target"]["embedded"] is True and doc["model"] == "reference-echo-1"
    assert doc["requests_sent"] > 0 and doc["completions_created"] >= 1


def test_failing_case_keeps_its_redacted_transcript(faulty: SuiteRun) -> None:
    """A vendor reading only the JSON must see what was sent and what came back, never the
    key."""
    doc = faulty.compliance
    assert problems(doc) == []
    (entry,) = [r for r in doc["requirements"] if r["id"] == "UCC-SHAPE-USAGE-TOTAL"]
    assert entry["verdict"] == "FAIL"
    (case,) = entry["cases"]
    transcript = case["transcript"]
    assert transcript.startswith("UCC-SHAPE-USAGE-TOTAL (MUST)")
    assert "> POST http://127.0.0.1:" in transcript and "< HTTP 200" in transcript
    assert "authorization: Bearer [REDACTED]" in transcript and "reproduce: curl" in transcript
    passed = [c for r in doc["requirements"] for c in r["cases"] if c["verdict"] == "PASS"]
    assert passed and all("transcript" not in c for c in passed)
    assert API_KEY not in faulty.outputs() and OTHER_KEY not in faulty.outputs()


def test_digest_checks_the_published_claim(faulty: SuiteRun, tmp_path: Path) -> None:
    """Turning a FAIL into a PASS after the run must be detectable by anyone."""
    path = faulty.reports_dir / "compliance.json"
    assert report_main(["verify", str(path)]) == 0
    doc = json.loads(path.read_text("utf-8"))
    for entry in doc["requirements"]:
        if entry["verdict"] == "FAIL":
            entry["verdict"] = "PASS"
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(doc), "utf-8")
    assert problems(doc) == [] and not digest_ok(doc)
    assert report_main(["verify", str(forged)]) == 1


def test_target_url_is_published_without_credentials_or_query() -> None:
    """Defence in depth: the plugin refuses such URLs, and the document would strip them."""
    from conformance.report.compliance import public_url

    assert (
        public_url("https://user:pw@vendor.test:8443/v1?key=x#f") == "https://vendor.test:8443/v1"
    )


def test_stopping_early_marks_the_document_incomplete(run_against: Run) -> None:
    """-x stops at the first failure: a partial run must never pass for a full statement."""
    run = run_against(UsageTotalOffByOne, "-x", "-m", "shape")
    doc = run.compliance
    assert problems(doc) == []
    assert doc["complete"] is False and "stopping after 1 failures" in doc["stopped"]
    assert any(line.startswith("INCOMPLETE: ") for line in run.result.stdout.lines)
    html = (run.reports_dir / "report.html").read_text("utf-8")
    assert "id='incomplete'" in html and "INCOMPLETE: " in html


class InterruptAfterThree:
    """A Ctrl-C in the middle of the run."""

    def __init__(self) -> None:
        self.seen = 0

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_call(self, item: pytest.Item) -> None:
        self.seen += 1
        if self.seen == 3:
            raise KeyboardInterrupt


def test_interrupted_run_still_writes_an_incomplete_document(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    reports = tmp_path / "reports"
    result = pytester.runpytest_inprocess(
        str(CASES_DIR),
        f"--reports-dir={reports}",
        "-m",
        "limits",
        plugins=[InterruptAfterThree()],
        no_reraise_ctrlc=True,  # pytester would re-raise the Ctrl-C into this test
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED
    doc = json.loads((reports / "compliance.json").read_text("utf-8"))
    assert problems(doc) == []
    assert doc["complete"] is False and doc["stopped"] == "the run was interrupted"
    assert "INCOMPLETE" in (reports / "report.html").read_text("utf-8")


def run_with_plugin(
    pytester: pytest.Pytester, tmp_path: Path, plugin: Any, *args: str
) -> tuple[pytest.RunResult, dict[str, Any]]:
    reports = tmp_path / f"reports-{len(list(tmp_path.iterdir()))}"
    result = pytester.runpytest_inprocess(
        str(CASES_DIR), f"--reports-dir={reports}", *args, plugins=[plugin]
    )
    return result, json.loads((reports / "compliance.json").read_text("utf-8"))


def test_suite_error_is_an_error_never_the_vendors_failure(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    """A vendor must never be marked FAIL for the suite's own error."""
    result, doc = run_with_plugin(pytester, tmp_path, BreakOneCase(), "-m", "limits")
    verdicts = {r["id"]: r["verdict"] for r in doc["requirements"]}
    assert verdicts["UCC-LIMIT-PAIRS-16"] == "ERROR"
    assert doc["counts"]["ERROR"] == 1 and doc["counts"]["FAIL"] == 0
    assert doc["headline"].startswith("ERROR: the suite broke in 1 requirement(s)")
    table = " ".join(result.stdout.str().split())
    assert "ERROR UCC-LIMIT-PAIRS-16 MUST [the suite broke, not the target]" in table
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # the suite broke: the run is not green


def test_html_report_opens_with_the_run_verdict_in_its_colour(
    run_against: Callable[..., SuiteRun],
) -> None:
    """The first thing a reader sees is the overall verdict: red when a MUST failed."""
    run = run_against(UsageTotalOffByOne, "-m", "shape")
    page = (run.reports_dir / "report.html").read_text(encoding="utf-8")
    banner = re.search(
        r"<p class='ucc-banner ucc-banner-([A-Z-]+)' id='run-verdict'>(.*?)</p>", page
    )
    assert banner is not None
    assert banner.group(1) == "FAILED"
    assert html.unescape(banner.group(2)) == run.compliance["headline"]
    assert run.compliance["headline"].startswith("FAILED: 1 MUST (UCC-SHAPE-USAGE-TOTAL); ")
