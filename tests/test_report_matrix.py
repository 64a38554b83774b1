"""The vendor matrix (python -m conformance.report matrix): runs side by side from their
compliance.json alone, with colours, scores, flags for partial or edited files, and links into
each run's report.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from conformance.report.__main__ import main
from conformance.report.compliance import build, seal
from conformance.report.schema import problems
from conformance.requirements import catalogue
from conformance.settings import Settings
from conformance.verdicts import CaseResult, Verdict, summarize

BROKEN = "UCC-SHAPE-USAGE-TOTAL"
MUSTS = sum(1 for r in catalogue().values() if r.level.value == "MUST")
SHOULDS = sum(1 for r in catalogue().values() if r.level.value == "SHOULD")
TOTALS = {"requests_sent": 10, "completions_created": 1, "max_storage_delay_s": None}


def document(
    base_url: str = "http://vendor-a.test/v1",
    *,
    fail: tuple[str, ...] = (),
    undecided: tuple[str, ...] = (),
    embedded: bool = False,
    stopped: str | None = None,
    profile: str | None = None,
) -> dict[str, Any]:
    """A sealed, schema-valid document: every requirement PASS (INFO observed) but `fail`."""
    cases = [
        CaseResult(
            f"case::{rid}",
            rid,
            Verdict.FAIL
            if rid in fail
            else Verdict.INCONCLUSIVE
            if rid in undecided
            else Verdict.INFO
            if "INFO" in rid
            else Verdict.PASS,
            message="expected 400, got 200" if rid in fail else None,
        )
        for rid in catalogue()
    ]
    settings = Settings(base_url=base_url, api_key="k", model="m-1", embedded=embedded)
    results = summarize(catalogue(), cases)
    doc = build(
        run_id="0123456789abcdef",
        settings=settings,
        totals=TOTALS,
        started=1_790_000_000,
        duration=1.5,
        results=results,
        stopped=stopped,
    )
    if profile:
        doc["profile"] = {
            "name": profile,
            "sha256": "0" * 64,
            "capabilities": None,
            "deviations": [],
            "flags": [],
        }
    return seal(doc, lambda text: text)


def save(tmp_path: Path, name: str, doc: dict[str, Any], *, report: bool = True) -> Path:
    folder = tmp_path / "reports" / name
    folder.mkdir(parents=True)
    if report:
        (folder / "report.html").write_text("<html></html>", "utf-8")
    path = folder / "compliance.json"
    path.write_text(json.dumps(doc), "utf-8")
    return path


def test_synthetic_documents_are_schema_valid() -> None:
    assert problems(document(fail=(BROKEN,), stopped="interrupted", profile="p")) == []


def test_html_matrix_has_a_column_per_run_and_links_into_each_report(tmp_path: Path) -> None:
    ref = save(tmp_path, "reference", document("http://127.0.0.1:1/v1", embedded=True))
    vendor = save(tmp_path, "vendor-a", document(fail=(BROKEN,)))
    out = tmp_path / "reports" / "matrix.html"
    assert main(["matrix", str(ref), str(vendor), "-o", str(out)]) == 0
    page = out.read_text("utf-8")
    assert '<table class="ucc" id="matrix">' in page
    assert "<a href='reference/report.html'>embedded reference</a>" in page
    assert "<a href='vendor-a/report.html'>vendor-a.test</a>" in page
    assert "not a vendor result" in page
    assert f"MUST {MUSTS}/{MUSTS} · SHOULD {SHOULDS}/{SHOULDS}" in page
    assert f"MUST {MUSTS - 1}/{MUSTS} · SHOULD {SHOULDS}/{SHOULDS}" in page
    row = re.search(rf"<tr id='row-{BROKEN}'>.*?</tr>", page, re.S)
    assert row is not None
    assert f"href='vendor-a/report.html#req-{BROKEN}'" in row.group(0)
    assert "ucc-v-PASS" in row.group(0) and "ucc-v-FAIL" in row.group(0)
    assert "title='expected 400, got 200'" in row.group(0)
    assert page.count("<tr id='row-") == len(catalogue())


def test_score_cell_is_green_only_when_every_must_passed(tmp_path: Path) -> None:
    """A run that could not judge a MUST is amber, never green; a failure is red."""
    runs = {
        "passed": document("http://a.test/v1"),
        "undecided": document("http://b.test/v1", undecided=("UCC-RESP-STATUS",)),
        "failed": document("http://c.test/v1", fail=(BROKEN,), undecided=("UCC-RESP-STATUS",)),
    }
    paths = [str(save(tmp_path, name, doc)) for name, doc in runs.items()]
    out = tmp_path / "reports" / "matrix.html"
    assert main(["matrix", *paths, "-o", str(out)]) == 0
    cells = re.findall(r"<td class='score ucc-v-([A-Z]+)'>", out.read_text("utf-8"))
    assert cells == ["PASS", "INCONCLUSIVE", "FAIL"]
    assert runs["undecided"]["verdict"] == "INCONCLUSIVE"


def test_markdown_matrix_for_a_job_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vendor = save(tmp_path, "vendor-a", document(fail=(BROKEN,), profile="acme"))
    partial = save(tmp_path, "vendor-b", document("https://b.test/v1", stopped="interrupted"))
    assert main(["matrix", str(vendor), str(partial), "--format", "md"]) == 0
    text = capsys.readouterr().out
    assert "| | acme | b.test |" in text
    assert f"| {BROKEN} | MUST | ❌ FAIL | ✅ PASS |" in text
    assert "INCOMPLETE" in text
    score = f"MUST {MUSTS - 1}/{MUSTS} · SHOULD {SHOULDS}/{SHOULDS}"
    assert f"![acme: {score}](https://img.shields.io/badge/acme-" in text
    # A run that did not complete is amber, like its score cell, whatever it passed.
    assert "-red)" in text and "-orange)" in text


def test_same_label_twice_is_told_apart_by_folder(tmp_path: Path) -> None:
    a = save(tmp_path, "monday", document())
    b = save(tmp_path, "tuesday", document(), report=False)
    out = tmp_path / "m.md"
    assert main(["matrix", str(a), str(b), "-o", str(out)]) == 0
    text = out.read_text("utf-8")
    assert "vendor-a.test (monday) | vendor-a.test (tuesday)" in text
    assert "[report.html](reports/monday/report.html) | - |" in text


def test_edited_document_is_marked_in_its_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = document(fail=(BROKEN,))
    for entry in doc["requirements"]:
        if entry["id"] == BROKEN:
            entry["verdict"] = "PASS"
    path = save(tmp_path, "edited", doc)
    assert main(["matrix", str(path), "--format", "md"]) == 0
    captured = capsys.readouterr()
    assert "DIGEST MISMATCH" in captured.out and "digest does not match" in captured.err


def test_file_that_is_not_a_compliance_document_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "compliance.json"
    bad.write_text('{"format": "ucc-compliance/1", "headline": 3}', "utf-8")
    assert main(["matrix", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad} does not match compliance.schema.json")
