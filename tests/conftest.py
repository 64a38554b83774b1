"""Fixtures of the suite's own tests: serving a server variation and running the suite on it."""

from __future__ import annotations

import itertools
import json
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conformance.collection import CASES_DIR
from conformance.reference import BackgroundServer, ReferenceApi, create_app

API_KEY = "sk-test-suite-0123456789abcdef0123456789abcdef"
OTHER_KEY = "sk-test-other-0123456789abcdef0123456789abcdef"


class BreakOneCase:
    """The suite itself breaks in one case (as a bug in a helper would)."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_call(self, item: pytest.Item) -> None:
        if "sixteen_pairs" in item.name:
            raise RuntimeError("a bug in the suite")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "blind_slow: a blind server whose run waits out a bound (run by make blind, not make test)",
    )


@pytest.fixture(autouse=True)
def _ctrl_c_handler_restored() -> Iterator[None]:
    """A run of the suite ignores Ctrl-C once its reports are written, for the rest of its
    process (conformance.interrupts.CtrlC.settle); the runs a test makes in this process must
    not leave the suite's own tests deaf to it."""
    handler = signal.getsignal(signal.SIGINT)
    yield
    signal.signal(signal.SIGINT, handler)


@dataclass
class SuiteRun:
    """The outcome of one run of the conformance cases."""

    result: pytest.RunResult
    reports_dir: Path

    @property
    def compliance(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(
            (self.reports_dir / "compliance.json").read_text(encoding="utf-8")
        )
        return data

    @property
    def verdicts(self) -> dict[str, str]:
        return {r["id"]: r["verdict"] for r in self.compliance["requirements"]}

    def with_verdict(self, *verdicts: str) -> set[str]:
        return {rid for rid, v in self.verdicts.items() if v in verdicts}

    @property
    def flagged(self) -> set[str]:
        """Requirements the run failed or warned on."""
        return self.with_verdict("FAIL", "WARN")

    def verdict_row(self, rid: str) -> str:
        """The requirement's row of the terminal verdict table, its wrapped continuation
        lines joined, whitespace squeezed."""
        lines = self.result.outlines
        start = next(i for i, line in enumerate(lines) if f" {rid} " in f"{line} ")
        row = [lines[start]]
        row += [
            line for line in itertools.takewhile(lambda x: x.startswith(" "), lines[start + 1 :])
        ]
        return " ".join(" ".join(row).split())

    def outputs(self) -> str:
        """Everything the run wrote: terminal output and every report file."""
        texts = [str(self.result.stdout), str(self.result.stderr)]
        texts += [
            p.read_text(encoding="utf-8", errors="replace")
            for p in sorted(self.reports_dir.rglob("*"))
            if p.is_file()
        ]
        return "\n".join(texts)


@pytest.fixture
def serve() -> Iterator[Callable[[type[ReferenceApi]], BackgroundServer]]:
    """Serve a variation of the reference server on loopback; stopped after the test."""
    servers: list[BackgroundServer] = []

    def start(api_class: type[ReferenceApi] = ReferenceApi) -> BackgroundServer:
        app = create_app({API_KEY: "suite", OTHER_KEY: "other"}, api_class=api_class)
        server = BackgroundServer(app, log_level="critical").start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def run_suite(pytester: pytest.Pytester, tmp_path: Path) -> Callable[..., SuiteRun]:
    """Run the conformance cases in-process with the given options; the run's outcome.

    The fuzz cases are left out unless the options say --fuzz (tests/test_fuzz.py does).
    """

    def run(*args: str) -> SuiteRun:
        reports_dir = tmp_path / f"reports-{len(list(tmp_path.iterdir()))}"
        result = pytester.runpytest_inprocess(
            str(CASES_DIR), f"--reports-dir={reports_dir}", "--no-fuzz", *args
        )
        return SuiteRun(result, reports_dir)

    return run


@pytest.fixture
def run_against(
    serve: Callable[[type[ReferenceApi]], BackgroundServer], run_suite: Callable[..., SuiteRun]
) -> Callable[..., SuiteRun]:
    """Run the suite as a vendor run against a served variation (read-your-writes)."""

    def run(api_class: type[ReferenceApi], *args: str) -> SuiteRun:
        server = serve(api_class)
        return run_suite(
            f"--base-url={server.base_url}",
            f"--api-key={API_KEY}",
            f"--second-api-key={OTHER_KEY}",
            "--model=test-model",
            "--consistency-timeout=0",
            *args,
        )

    return run
