"""Nothing is sent and nothing is written before every argument is valid, through both entry
points: `pytest` in this repository and the installed `ucc-conformance` (conformance.cli).

Each typo runs against a server that counts the requests it receives: a usage error must come
with none received and no file in the reports directory.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance import cli
from conformance.collection import CASES_DIR
from conformance.reference import BackgroundServer, create_app
from tests.conftest import API_KEY


class Counting:
    """An ASGI app that counts the HTTP requests reaching the app it wraps."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.requests = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.requests += 1
        await self.app(scope, receive, send)


@pytest.fixture
def counting() -> Iterator[tuple[Counting, BackgroundServer]]:
    app = Counting(create_app({API_KEY: "suite"}))
    with BackgroundServer(app, log_level="critical") as server:
        yield app, server


TYPOS = {
    "option-taken-for-a-path": ["--heder=a: b"],
    "no-such-path": ["no/such/directory"],
    "no-such-case": [f"{CASES_DIR / 'test_limits.py'}::test_no_case_has_this_name"],
    "keyword-syntax": ["-k", "limits and"],
    "keyword-call": ["-k", "limits(x=1)"],
    "unknown-marker": ["-m", "limitz"],
    "bad-number": ["--fuzz-examples=many"],
}


def vendor(server: BackgroundServer, reports: Path, *more: str) -> list[str]:
    """A vendor run's options against `server`, its reports in `reports`, then `more`."""
    return [
        f"--base-url={server.base_url}",
        f"--api-key={API_KEY}",
        "--model=m",
        f"--reports-dir={reports}",
        *more,
    ]


def run_pytest(pytester: pytest.Pytester, args: list[str]) -> tuple[int, str]:
    result = pytester.runpytest_inprocess(str(CASES_DIR), *args)
    return int(result.ret), f"{result.stdout}\n{result.stderr}"


def run_command(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[int, str]:
    code = cli.main(args)
    out = capsys.readouterr()
    return code, f"{out.out}\n{out.err}"


@pytest.mark.parametrize("entry", ["pytest", "ucc-conformance"])
@pytest.mark.parametrize("typo", TYPOS.values(), ids=TYPOS.keys())
def test_typo_is_a_usage_error_before_any_request_or_file(
    counting: tuple[Counting, BackgroundServer],
    pytester: pytest.Pytester,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    entry: str,
    typo: list[str],
) -> None:
    app, server = counting
    reports = tmp_path / "reports"
    monkeypatch.chdir(tmp_path)  # the command resolves a relative path from where it runs
    args = vendor(server, reports, *typo)
    if entry == "pytest":
        code, text = run_pytest(pytester, args)
    else:
        code, text = run_command(capsys, args)
    assert code == pytest.ExitCode.USAGE_ERROR, text
    assert app.requests == 0, text
    assert not reports.exists() or not any(reports.iterdir()), list(reports.iterdir())
    errors = [line for line in text.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1, text
    assert "verdict:" not in text and "collected" not in text, text


def test_the_same_arguments_without_the_typo_run(
    counting: tuple[Counting, BackgroundServer], pytester: pytest.Pytester, tmp_path: Path
) -> None:
    """The other side: the server and options the typos were given do make a run."""
    app, server = counting
    reports = tmp_path / "reports"
    code, text = run_pytest(
        pytester, vendor(server, reports, "--no-fuzz", "-k", "UCC-ID-UNKNOWN-404")
    )
    assert code == pytest.ExitCode.OK, text
    assert app.requests > 0 and (reports / "compliance.json").exists()


def test_usage_error_found_only_while_collecting_leaves_no_report(
    counting: tuple[Counting, BackgroundServer], pytester: pytest.Pytester, tmp_path: Path
) -> None:
    """A -k call that only some cases reach is refused by pytest while it deselects, after the
    preflight: the run still ends with the usage error alone, and writes nothing."""
    _, server = counting
    reports = tmp_path / "reports"
    selection = "limits and not seventeen and fast(x=1)"
    code, text = run_pytest(pytester, vendor(server, reports, "--no-fuzz", "-k", selection))
    assert code == pytest.ExitCode.USAGE_ERROR, text
    assert "do not support call parameters" in text
    assert not reports.exists() or not any(reports.iterdir()), list(reports.iterdir())
    assert "verdict:" not in text, text
