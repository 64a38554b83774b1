"""The plugin as a vendor meets it: options, the target banner, reports, selection, cleanup.

Each test runs the real conformance cases in-process (pytester), selecting few of them, and
reads what a vendor would read: exit code, terminal output and the files in --reports-dir.
"""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from conformance import __version__
from conformance.client import Client
from conformance.collection import CASES_DIR
from conformance.reference import BackgroundServer, ReferenceApi
from conformance.reference.store import Record
from conformance.requirements import catalogue
from tests.conftest import API_KEY, SuiteRun
from tests.faults.catalogue import ErrorWithoutParamAndCode, MergeSemantics
from tests.faults.stores import DelayedStore

Serve = Callable[..., BackgroundServer]
Run = Callable[..., SuiteRun]
VENDOR = "http://127.0.0.1:1/v1"  # nothing listens there: a usage error must come first

BAD_INVOCATIONS = {
    "ftp-scheme": (["--base-url=ftp://x"], "is not an http(s) URL"),
    "no-scheme": (["--base-url=localhost:8000"], "is not an http(s) URL"),
    "credentials": (
        ["--base-url=http://user:s3cr3t-pass@127.0.0.1:1/v1"],
        "must not carry credentials",
    ),
    "fragment": (
        ["--base-url=http://127.0.0.1:1/v1#access_token=s3cr3t-pass"],
        "--base-url must not have a fragment",
    ),
    "secret-as-url": (["--base-url=s3cr3t-pass"], "--base-url is not an http(s) URL"),
    "no-key": ([f"--base-url={VENDOR}"], "no API key"),
    "no-model": ([f"--base-url={VENDOR}", "--api-key=sk-usage-test-key"], "no model"),
    "unreachable": (
        [f"--base-url={VENDOR}", "--api-key=sk-usage-test-key", "--model=m"],
        "cannot reach http://127.0.0.1:1/v1: could not connect",
    ),
    "zero-timeout": (["--timeout=0"], "--timeout must be more than 0"),
    "negative-consistency": (["--consistency-timeout=-1"], "must be 0 or more, got -1"),
}


@pytest.mark.parametrize(("args", "says"), BAD_INVOCATIONS.values(), ids=BAD_INVOCATIONS.keys())
def test_bad_invocation_is_a_one_line_usage_error_before_any_case(
    run_suite: Run, monkeypatch: pytest.MonkeyPatch, args: list[str], says: str
) -> None:
    """A vendor's typo must read as one sentence, not a traceback or a wall of failed cases."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("CONFORMANCE_MODEL", raising=False)
    run = run_suite(*args)
    text = f"{run.result.stdout}\n{run.result.stderr}"
    assert run.result.ret == pytest.ExitCode.USAGE_ERROR, text
    errors = [line for line in text.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1 and says in errors[0], text
    assert "Traceback" not in text and "collected" not in text, text
    assert "s3cr3t-pass" not in text
    assert not run.reports_dir.exists() or not any(run.reports_dir.iterdir())


def test_https_to_a_plain_http_port_is_a_usage_error_with_a_hint(
    serve: Serve, run_suite: Run
) -> None:
    server = serve(ReferenceApi)
    https = server.base_url.replace("http://", "https://")
    run = run_suite(f"--base-url={https}", f"--api-key={API_KEY}", "--model=m")
    text = str(run.result.stdout) + str(run.result.stderr)
    assert run.result.ret == pytest.ExitCode.USAGE_ERROR, text
    assert "is it a plain-HTTP port? try http://" in text
    assert API_KEY not in text


def test_unknown_completion_id_is_a_usage_error(serve: Serve, run_suite: Run) -> None:
    server = serve(ReferenceApi)
    run = run_suite(*vendor_args(server, "--completion-id=chatcmpl-nope", "--model=m"))
    text = str(run.result.stdout) + str(run.result.stderr)
    assert run.result.ret == pytest.ExitCode.USAGE_ERROR, text
    assert "--completion-id chatcmpl-nope: " in text and "no such stored completion" in text


@pytest.fixture
def embedded(run_suite: Run) -> SuiteRun:
    """The case of one requirement, selected by its ID, against the embedded reference server
    (no --base-url)."""
    return run_suite("-k", "UCC-LIMIT-PAIRS-17")


def test_embedded_run_says_so_in_the_header_and_the_summary(embedded: SuiteRun) -> None:
    """A report of the reference server must never pass for a vendor's result."""
    lines = embedded.result.stdout.lines
    collected = next(i for i, line in enumerate(lines) if line.startswith("collected"))
    header, summary = lines[:collected], lines[collected:]
    banner = [line for line in header if line.startswith("target: EMBEDDED REFERENCE SERVER")]
    assert len(banner) == 1 and banner[0].endswith("(not a vendor result)"), header
    assert banner[0] in summary, summary


def test_module_that_fails_to_import_is_a_collection_error_in_the_report(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    """pytest-html gives a module that could not be imported a row of its own: the suite's
    columns must not take the run down with an internal error there."""
    broken = pytester.makepyfile(test_broken="import a_module_nobody_installed")
    reports = tmp_path / "reports"

    result = pytester.runpytest_inprocess(
        str(CASES_DIR), str(broken), "--no-fuzz", "-m", "limits", f"--reports-dir={reports}"
    )

    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert "INTERNALERROR" not in result.stdout.str()
    assert "a_module_nobody_installed" in (reports / "report.html").read_text(encoding="utf-8")


def test_embedded_run_writes_the_three_reports(embedded: SuiteRun) -> None:
    """CI collects report.html, junit.xml and compliance.json from --reports-dir."""
    names = {p.name for p in embedded.reports_dir.iterdir()}
    assert {"report.html", "junit.xml", "compliance.json"} <= names
    assert embedded.compliance["target"]["embedded"] is True
    html = (embedded.reports_dir / "report.html").read_text(encoding="utf-8")
    assert f"suite {__version__}" in html
    assert "UCC-LIMIT-PAIRS-17" in html
    cases = embedded.compliance["requirements"]
    assert [len(r["cases"]) for r in cases if r["id"] == "UCC-LIMIT-PAIRS-17"] == [1]
    # Every report says an embedded run is not a vendor result, JUnit's included.
    root = ET.parse(embedded.reports_dir / "junit.xml").getroot()
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert props["conformance_embedded"] == "true"
    assert str(props["conformance_target"]).endswith("(not a vendor result)")


def test_junit_report_names_the_requirement_of_each_case(embedded: SuiteRun) -> None:
    """CI dashboards group junit results by requirement; the ID must be in the XML."""
    root = ET.parse(embedded.reports_dir / "junit.xml").getroot()
    cases = list(root.iter("testcase"))
    props = [
        p.get("value")
        for case in cases
        for p in case.iter("property")
        if p.get("name") == "requirement"
    ]
    assert cases and props == ["UCC-LIMIT-PAIRS-17"] * len(cases)


class EchoesBearerAndTakesSeventeenPairs(ReferenceApi):
    """Puts the caller's Authorization header in every object, and stores 17 pairs."""

    authorization = ""

    def authenticate(self, request: Request) -> str:
        self.authorization = request.headers.get("authorization", "")
        return super().authenticate(request)

    def render(self, record: Record) -> dict[str, Any]:
        return {"echo": self.authorization, **super().render(record)}

    def check_pair_count(self, metadata: dict[str, Any]) -> None:
        return None


def test_vendor_key_appears_in_no_output(run_against: Run) -> None:
    """The key travels in every request and the server echoes it in a failing case's answer;
    neither the terminal nor any report file may carry it."""
    run = run_against(EchoesBearerAndTakesSeventeenPairs, "-k", "LIMIT-PAIRS")
    assert run.result.ret == 1 and "UCC-LIMIT-PAIRS-17" in run.flagged
    assert '"echo":"Bearer [REDACTED]"' in str(run.result.stdout)  # it was there, redacted
    assert API_KEY not in run.outputs()


def test_marker_selects_only_the_cases_of_that_area(run_suite: Run) -> None:
    """`-m limits` is how a vendor re-runs one area after a fix."""
    ran = {rid for rid, v in run_suite("-m", "limits").verdicts.items() if v != "NOT RUN"}
    assert ran == {r.id for r in catalogue().values() if r.area == "limits"}


def test_requirement_id_selects_its_case(embedded: SuiteRun) -> None:
    """`-k UCC-...` re-runs exactly the requirement a failure names."""
    run = embedded
    assert run.result.parseoutcomes()["passed"] == 1
    assert {rid for rid, v in run.verdicts.items() if v != "NOT RUN"} == {"UCC-LIMIT-PAIRS-17"}


@pytest.mark.parametrize(
    ("options", "ret", "verdict", "word"),
    [((), 0, "WARN", "warned"), (("--strict",), 1, "FAIL", "failed")],
    ids=["lenient", "strict"],
)
def test_should_failure_warns_unless_strict(
    run_against: Run, options: tuple[str, ...], ret: int, verdict: str, word: str
) -> None:
    """SHOULD is advice: it must not fail a vendor's CI unless they ask for --strict."""
    run = run_against(ErrorWithoutParamAndCode, "-k", "ERR-OBJECT-FIELDS", *options)
    assert run.result.ret == ret, run.result.stdout
    assert run.verdicts["UCC-ERR-OBJECT-FIELDS"] == verdict
    assert word in run.result.stdout.lines[-1]


def vendor_args(server: BackgroundServer, *more: str) -> list[str]:
    return [
        f"--base-url={server.base_url}",
        f"--api-key={API_KEY}",
        "--consistency-timeout=0",
        *more,
    ]


def listed(server: BackgroundServer) -> list[str]:
    """The ids the suite's tenant has stored on `server`."""
    client = Client(server.base_url, API_KEY)
    try:
        return [c["id"] for c in client.list({"limit": "100"}).json()["data"]]
    finally:
        client.close()


def test_no_create_with_a_given_completion_creates_nothing_and_restores_it(
    serve: Serve, run_suite: Run
) -> None:
    """On a production account the vendor may allow updates of one completion and nothing
    else; the suite must leave it exactly as it found it."""
    server = serve()
    client = Client(server.base_url, API_KEY)
    original = {"owner": "vendor", "note": "do not lose"}
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "store": True}
    given = client.create({**body, "metadata": original}).json()["id"]
    run = run_suite(
        *vendor_args(server, "--no-create", f"--completion-id={given}", "-m", "lifecycle or limits")
    )
    assert run.result.ret == 0, run.result.stdout
    assert run.compliance["completions_created"] == 0
    assert run.verdicts["UCC-LIMIT-PAIRS-16"] == "PASS"  # the given completion was updated
    for rid in ("UCC-STORE-FALSE-REJECTED", "UCC-DELETED-REJECTED"):
        entry = next(r for r in run.compliance["requirements"] if r["id"] == rid)
        assert entry["verdict"] == "SKIP" and "--no-create" in entry["cases"][0]["message"]
    assert client.retrieve(given).json()["metadata"] == original
    assert listed(server) == [given]
    client.close()


def test_given_completion_on_a_merging_target_is_restored_or_said_not_to_be(
    serve: Serve, run_suite: Run
) -> None:
    """Merging updates is allowed (UCC-INFO-MERGE-SEMANTICS); the vendor must then at least
    be told that the suite's pairs stayed on their completion."""
    server = serve(MergeSemantics)
    client = Client(server.base_url, API_KEY)
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "store": True}
    given = client.create({**body, "metadata": {"owner": "vendor"}}).json()["id"]
    run = run_suite(*vendor_args(server, "--no-create", f"--completion-id={given}", "-m", "limits"))
    restored = client.retrieve(given).json()["metadata"] == {"owner": "vendor"}
    client.close()
    assert restored or "could NOT be fully restored: " in str(run.result.stdout)


def ledger_entries(run: SuiteRun) -> list[dict[str, str]]:
    """What the run's ledger still lists (kept in --reports-dir)."""
    path = run.reports_dir / "created-completions.json"
    if not path.exists():
        return []
    entries: list[dict[str, str]] = json.loads(path.read_text("utf-8"))["completions"]
    return entries


def test_vendor_run_deletes_what_it_created(serve: Serve, run_suite: Run) -> None:
    """The target is someone else's server: at most three completions, none left behind."""
    server = serve()
    run = run_suite(*vendor_args(server, "--model=test-model"))
    assert run.result.ret == 0, run.result.stdout
    assert 0 < run.compliance["completions_created"] <= 3
    assert listed(server) == []
    assert ledger_entries(run) == []


@pytest.mark.parametrize("bound", ["0", "30"])
def test_cleanup_at_a_store_behind_its_creates_deletes_what_it_created(
    serve: Serve, run_suite: Run, bound: str
) -> None:
    """A store that shows a new completion only 2 s after its create answers 404 to a DELETE
    before then: that is no deletion. The cleanup deletes again until one is confirmed, at least
    a few seconds even at --consistency-timeout=0, so nothing of the run is left."""
    server = serve(DelayedStore)
    run = run_suite(
        *vendor_args(server, "--model=test-model", "-k", "UCC-RESP-STATUS"),
        f"--consistency-timeout={bound}",
    )
    assert run.compliance["completions_created"] >= 1
    time.sleep(DelayedStore.CREATE_DELAY + 0.5)  # whatever was created is visible by now
    assert listed(server) == []
    assert ledger_entries(run) == []
    assert "cleanup: deleted the " in str(run.result.stdout)


class DeletesNothing(ReferenceApi):
    """Every DELETE fails: the run's completions stay."""

    async def delete_endpoint(self, request: Request) -> Response:
        error = {"message": "deletes are disabled", "type": "server_error", "param": None}
        return JSONResponse({"error": {**error, "code": None}}, status_code=503)


def test_cleanup_that_cannot_confirm_a_delete_keeps_the_id_and_says_so(
    serve: Serve, run_suite: Run
) -> None:
    server = serve(DeletesNothing)
    run = run_suite(*vendor_args(server, "--model=test-model", "-k", "UCC-RESP-STATUS"))
    left = listed(server)
    assert left and sorted(e["id"] for e in ledger_entries(run)) == sorted(left)
    out = str(run.result.stdout)
    assert f"cleanup: {len(left)} completion(s) of the run may remain at the target" in out
    assert "the next run against " in out


def test_vendor_run_sweeps_what_a_crashed_run_left_at_its_base_url(
    serve: Serve, pytester: pytest.Pytester, tmp_path: Path
) -> None:
    """A run killed mid-way leaves completions on the vendor's account; the ledger is how the
    next run finds and deletes them, and only those at its own base URL."""
    server = serve()
    client = Client(server.base_url, API_KEY)
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "store": True}
    leftover = client.create(body).json()["id"]
    elsewhere = {"base_url": "http://elsewhere.test/v1", "id": "chatcmpl-elsewhere"}
    reports = tmp_path / "reports"
    reports.mkdir()
    ledger = {"completions": [{"base_url": server.base_url, "id": leftover}, elsewhere]}
    (reports / "created-completions.json").write_text(json.dumps(ledger), "utf-8")
    result = pytester.runpytest_inprocess(
        str(CASES_DIR),
        "-p",
        "no:randomly",
        f"--reports-dir={reports}",
        *vendor_args(server, "--model=test-model", "-k", "UCC-ID-UNKNOWN-404"),
    )
    assert result.ret == 0, result.stdout
    assert "deleted 1 completion(s) left by an earlier interrupted run" in result.stdout.lines
    assert client.retrieve(leftover).status == 404
    assert ledger_entries(SuiteRun(result, reports)) == [elsewhere]
    client.close()


class EmptyAndNullMapsBreakTheServer(ReferenceApi):
    """An update of an empty or null map answers 503: nothing about how such maps are taken."""

    async def update_endpoint(self, request: Request) -> Response:
        body = json.loads(await request.body() or b"null")
        if isinstance(body, dict) and body.get("metadata") in ({}, None):
            error = {"message": "upstream unavailable", "type": "server_error", "param": None}
            return JSONResponse({"error": {**error, "code": None}}, status_code=503)
        return await super().update_endpoint(request)


def test_an_observation_on_an_answer_about_something_else_is_not_observed(
    run_against: Run,
) -> None:
    """An INFO records what the target does with the thing observed; a 503 to the update says
    nothing of it: the case is NOT OBSERVED (a skip with the reason), never "rejected"."""
    run = run_against(EmptyAndNullMapsBreakTheServer, "-m", "info")
    for rid, what in (("UCC-INFO-EMPTY-MAP", "an empty map"), ("UCC-INFO-NULL-METADATA", "null")):
        [row] = [r for r in run.compliance["requirements"] if r["id"] == rid]
        assert row["verdict"] == "SKIP", row
        [case] = row["cases"]
        assert case["message"].startswith("not observed: the update answered HTTP 503"), case
        assert what in case["message"] and not case.get("observation")
