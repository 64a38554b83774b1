"""A run that did not complete, or judged nothing, never reads as PASSED; an interrupted run
still cleans up, and the ledger keeps whatever it could not delete.

The interrupt is a real SIGINT to a real `python -m conformance` process, sent while the run
waits for an update a lagging store has not made visible yet.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from conformance.client import Client
from conformance.collection import CASES_DIR
from conformance.interrupts import deferred
from conformance.reference import BackgroundServer, ReferenceApi
from conformance.reference.store import Record, Store
from conformance.report import job_summary, matrix
from conformance.report.schema import problems
from tests.conftest import API_KEY, OTHER_KEY, SuiteRun
from tests.test_plugin import ledger_entries, listed, vendor_args
from tests.test_report_compliance import InterruptAfterThree
from tests.test_report_matrix import document

ROOT = Path(__file__).resolve().parents[1]
BOUND = 60.0  # seconds any step of the subprocess may take: a hang fails, never a slow run


class LagsAfterThreeUpdates(ReferenceApi):
    """The first three updates are visible at once, later ones only after a minute: the run
    judges a few requirements, then waits on a write; `lagging` is set when it starts to."""

    def __init__(self, keys: Mapping[str, str], store: Store | None = None) -> None:
        super().__init__(keys, store)
        self.updates = 0
        self.lagging = threading.Event()

    def update(self, tenant: str, completion_id: str, body: Any) -> Record:
        self.updates += 1
        if self.updates == 4:
            self.store.update_delay = 60.0
            self.lagging.set()
        return super().update(tenant, completion_id, body)


def test_sigint_mid_run_is_interrupted_everywhere_and_still_cleans_up(tmp_path: Path) -> None:
    api = LagsAfterThreeUpdates({API_KEY: "suite", OTHER_KEY: "other"})
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(document("http://127.0.0.1:1/v1")), "utf-8")
    reports = tmp_path / "reports"
    with BackgroundServer(api.app(), log_level="critical") as server:
        command = [
            sys.executable,
            "-m",
            "conformance",
            *vendor_args(server, "--model=m", f"--second-api-key={OTHER_KEY}"),
            "--consistency-timeout=30",
            "--no-fuzz",
            f"--reports-dir={reports}",
            f"--baseline={baseline}",
        ]
        env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
        with subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        ) as run:
            try:
                assert api.lagging.wait(BOUND), "the run never reached a lagging update"
                run.send_signal(signal.SIGINT)
                out, _ = run.communicate(timeout=BOUND)
            finally:
                run.kill()
        left = listed(server)
    text = out.decode("utf-8", "replace")
    assert run.returncode == pytest.ExitCode.INTERRUPTED, text[-3000:]
    doc = json.loads((reports / "compliance.json").read_text("utf-8"))
    assert problems(doc) == []
    assert doc["verdict"] == "INTERRUPTED" and doc["complete"] is False
    assert doc["headline"].startswith("INTERRUPTED: the run was interrupted; before it: ")
    judged = [r["id"] for r in doc["requirements"] if r["verdict"] == "PASS"]
    assert judged, "the run judged requirements before the interrupt, and says which"
    assert f"verdict: {doc['headline']}" in text
    page = (reports / "report.html").read_text("utf-8")
    assert "class='ucc-banner ucc-banner-INTERRUPTED' id='run-verdict'" in page
    assert f"**{job_summary.cell(doc['headline'])}**" in job_summary.render(doc)
    assert matrix.standing(doc) == "INCONCLUSIVE"  # amber
    gate = doc["baseline"]["gate"]
    assert gate["fails"] is True and "INTERRUPTED" in gate["reason"]
    # The cleanup ran after the interrupt: nothing the run created is left, nor in the ledger.
    assert "interrupted: cleaning up what the run created" in text
    assert "cleanup: deleted the " in text
    assert left == []
    assert ledger_entries(SuiteRun(None, reports)) == []  # type: ignore[arg-type]


class RefusesToBeInterruptedTwice:
    """A second Ctrl-C, during the cleanup: the first DELETE raises KeyboardInterrupt (as the
    signal handler does wherever the run is). The cases of `-m limits` delete nothing, so the
    first DELETE is the cleanup's."""

    @pytest.hookimpl(trylast=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        def interrupted(*args: Any, **kwargs: Any) -> Any:
            raise KeyboardInterrupt

        from conformance.run import state_of

        state = state_of(session.config)
        assert state is not None and state.target is not None
        state.target.client.delete = interrupted  # type: ignore[method-assign]


def test_second_interrupt_skips_the_cleanup_saying_so_and_the_ledger_keeps_the_ids(
    serve: Callable[..., BackgroundServer], pytester: pytest.Pytester, tmp_path: Path
) -> None:
    server = serve()
    reports = tmp_path / "reports"
    result = pytester.runpytest_inprocess(
        str(CASES_DIR),
        f"--reports-dir={reports}",
        "--no-fuzz",
        "-m",
        "limits",
        *vendor_args(server, "--model=m"),
        plugins=[RefusesToBeInterruptedTwice(), InterruptAfterThree()],
        no_reraise_ctrlc=True,
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED
    out = str(result.stdout)
    assert "cleanup SKIPPED (interrupted): the ids not deleted stay in " in out
    doc = json.loads((reports / "compliance.json").read_text("utf-8"))
    assert doc["verdict"] == "INTERRUPTED"
    kept = {entry["id"] for entry in ledger_entries(SuiteRun(result, reports))}
    assert kept and kept == set(listed(server))  # every completion left is in the ledger


def test_run_that_selects_nothing_judges_nothing_and_exits_5(
    run_suite: Callable[..., SuiteRun],
) -> None:
    run = run_suite("-k", "nomatchxyz")
    assert run.result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    doc = run.compliance
    assert problems(doc) == []
    assert doc["verdict"] == "NOTHING JUDGED"
    assert doc["headline"].startswith("NOTHING JUDGED: no selected case judged a requirement; ")
    assert f"verdict: {doc['headline']}" in run.result.stdout.lines
    assert matrix.standing(doc) == "INCONCLUSIVE"


def test_ctrl_c_is_held_until_the_block_is_done() -> None:
    """Between a create's answer and its ledger entry a Ctrl-C must wait; it is delivered as
    a KeyboardInterrupt right after, and a second one inside the block is not held."""
    done = []
    with pytest.raises(KeyboardInterrupt), deferred():
        signal.raise_signal(signal.SIGINT)
        done.append("the block went on")
    assert done == ["the block went on"]
    with pytest.raises(KeyboardInterrupt), deferred():
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)
        done.append("not reached")
    assert done == ["the block went on"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ledger_lists_the_completion_before_the_create_returns(
    serve: Callable[..., BackgroundServer], tmp_path: Path
) -> None:
    """The id is in the ledger by the time anything else can happen to the run."""
    from conformance.settings import Settings
    from conformance.target import Target
    from conformance.transcript import Redactor

    server = serve()
    ledger = tmp_path / "created-completions.json"
    settings = Settings(base_url=server.base_url, api_key=API_KEY, model="m", ledger=ledger)
    target = Target(settings, Redactor())
    created = target.stored()
    entries = json.loads(ledger.read_text("utf-8"))["completions"]
    assert entries == [{"base_url": server.base_url, "id": created.id}]
    assert not list(tmp_path.glob("*.tmp"))
    target.cleanup.run()
    target.client.close()  # the plugin closes it at unconfigure
    assert not ledger.exists()
    client = Client(server.base_url, API_KEY)
    assert client.retrieve(created.id).status == 404
    client.close()


SWALLOWS_CTRL_C = """
import os, signal, time

def pytest_runtest_call(item):
    if item.name == "test_valid_update_answers_200_with_json":
        try:  # a library that catches everything, KeyboardInterrupt included
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        except BaseException:
            pass
"""


def run_with_plugin(
    tmp_path: Path, plugin: str
) -> tuple[subprocess.CompletedProcess[bytes], dict[str, Any]]:
    """A --no-fuzz run of the command with `plugin` loaded; the process and its compliance.json."""
    (tmp_path / "ctrl_c_plugin.py").write_text(plugin, "utf-8")
    reports = tmp_path / "reports"
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    env["PYTHONPATH"] = str(tmp_path)
    command = [sys.executable, "-m", "conformance", "-p", "ctrl_c_plugin", "--no-fuzz"]
    run = subprocess.run(
        [*command, f"--reports-dir={reports}"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=BOUND,
        check=False,
    )
    return run, json.loads((reports / "compliance.json").read_text("utf-8"))


# A library that turns the KeyboardInterrupt into an error of its own (Hypothesis's garbage-
# collection hook makes it an unraisable-exception warning, which the warning filter raises).
ERRS_ON_CTRL_C = SWALLOWS_CTRL_C.replace("pass", "raise RuntimeError('a library error')")


@pytest.mark.parametrize("library", [SWALLOWS_CTRL_C, ERRS_ON_CTRL_C], ids=["swallows", "errs"])
def test_a_ctrl_c_whose_interrupt_was_caught_still_interrupts_the_run(
    tmp_path: Path, library: str
) -> None:
    """What became of the KeyboardInterrupt does not matter: the run got a Ctrl-C, so it stops
    after the case and is INTERRUPTED, never PASSED; and the case it landed in could not be
    judged (not "the suite broke")."""
    run, doc = run_with_plugin(tmp_path, library)
    assert run.returncode == pytest.ExitCode.INTERRUPTED, run.stdout[-3000:]
    assert doc["verdict"] == "INTERRUPTED" and doc["complete"] is False
    judged = [r for r in doc["requirements"] if r["verdict"] in ("PASS", "FAIL", "WARN")]
    assert len(judged) < 5 and (library is ERRS_ON_CTRL_C or judged)
    assert not [r["id"] for r in doc["requirements"] if r["verdict"] == "ERROR"]
    if library is ERRS_ON_CTRL_C:
        status = next(r for r in doc["requirements"] if r["id"] == "UCC-RESP-STATUS")
        assert status["verdict"] == "INCONCLUSIVE", status
        assert "interrupted (Ctrl-C) while this case ran" in status["cases"][0]["message"]
    assert "(the run was interrupted)" not in doc["headline"], doc["headline"]


# Ctrl-C once every case has run: while the run finishes (its cleanup, xdist's teardown of its
# workers, pytest-html), and after its reports are written (pytest's own teardown).
CTRL_C_WHILE_FINISHING = """
import os, signal, time

def pytest_sessionfinish(session):
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(5)
"""
CTRL_C_AFTER_THE_REPORTS = """
import os, signal, time
import pytest

@pytest.hookimpl(tryfirst=True)
def pytest_unconfigure(config):
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.5)
"""


def test_a_ctrl_c_while_the_run_finishes_is_told_in_its_reports(tmp_path: Path) -> None:
    """Every case ran, but the run was interrupted before it was done: compliance.json is
    still written, INTERRUPTED, never PASSED, and no traceback stands in for it."""
    run, doc = run_with_plugin(tmp_path, CTRL_C_WHILE_FINISHING)
    assert run.returncode == pytest.ExitCode.INTERRUPTED, run.stdout[-3000:]
    assert doc["verdict"] == "INTERRUPTED" and doc["complete"] is False
    assert doc["stopped"] == "the run was interrupted (Ctrl-C) while it finished"
    assert b"Traceback" not in run.stdout + run.stderr


def test_a_ctrl_c_after_the_reports_leaves_the_exit_status_theirs(tmp_path: Path) -> None:
    """Once compliance.json is written nothing the run does changes it: a Ctrl-C then is
    ignored, so the exit status says what the document says (not a traceback's 1 or -2)."""
    run, doc = run_with_plugin(tmp_path, CTRL_C_AFTER_THE_REPORTS)
    assert doc["verdict"] == "PASSED" and doc["complete"] is True
    assert run.returncode == pytest.ExitCode.OK, (run.stdout + run.stderr)[-3000:]
    assert b"Traceback" not in run.stdout + run.stderr


def test_sigint_during_the_stateful_fuzz_case_still_writes_the_reports(tmp_path: Path) -> None:
    """The stateful case's fixture deletes what it created when pytest tears it down, which an
    interrupt defers to after the run's cleanup: the client is still open for it."""
    reports = tmp_path / "reports"
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    command = [
        *(sys.executable, "-m", "conformance", "-k", "sequences", "--fuzz-examples=200"),
        f"--reports-dir={reports}",
    ]
    with subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    ) as run:
        try:
            out = b""
            assert run.stdout is not None
            while b"test_fuzz.py " not in out:  # the stateful case has started
                chunk = os.read(run.stdout.fileno(), 4096)  # the line ends after the case
                assert chunk, out.decode("utf-8", "replace")[-3000:]
                out += chunk
            time.sleep(0.5)  # well into its sequences
            run.send_signal(signal.SIGINT)
            rest, _ = run.communicate(timeout=BOUND)
        finally:
            run.kill()
    text = (out + rest).decode("utf-8", "replace")
    # (The embedded server may log a request the interrupt cut short; the run itself must
    # not fail on a closed client.)
    assert "the client has been closed" not in text, text[-3000:]
    assert run.returncode == pytest.ExitCode.INTERRUPTED, text[-3000:]
    doc = json.loads((reports / "compliance.json").read_text("utf-8"))
    assert doc["verdict"] == "INTERRUPTED"
