"""The reports as a reader sees them: the vendor matrix and a run's report.html rendered by
headless Chromium (Debian's `chromium` package; `.ci/run` installs it), checked in the DOM the
browser built and kept as screenshots next to the run's reports.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.report.__main__ import main as report_main
from tests.conftest import SuiteRun
from tests.faults.catalogue import UsageTotalOffByOne

Run = Callable[..., SuiteRun]
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason="headless Chromium not found: install it with `apt-get install chromium` "
    "(Debian; .ci/run does) to render the reports",
)
SELECTION = ("-m", "shape or limits")
BROKEN = "UCC-SHAPE-USAGE-TOTAL"


def chromium(page: Path, profile_dir: Path, *action: str) -> subprocess.CompletedProcess[str]:
    """One headless Chromium run on a local file, isolated from any user profile."""
    assert BROWSER is not None
    command = [
        BROWSER,
        "--headless",
        "--no-sandbox",  # CI containers run as root
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile_dir}",
        "--window-size=1280,2000",
        *action,
        page.resolve().as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def render(page: Path, png: Path, profile_dir: Path) -> str:
    """Screenshot the page to `png` and return the DOM as the browser built it."""
    shot = chromium(page, profile_dir, f"--screenshot={png}")
    assert png.exists() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", shot.stderr[-2000:]
    assert png.stat().st_size > 20_000, "a blank page"  # a rendered table, not an empty canvas
    dom = chromium(page, profile_dir, "--dump-dom")
    assert dom.returncode == 0 and "</html>" in dom.stdout, dom.stderr[-2000:]
    return dom.stdout


def test_matrix_and_run_report_render_their_verdict_tables(
    run_suite: Run, run_against: Run, tmp_path: Path
) -> None:
    embedded = run_suite(*SELECTION)
    faulty = run_against(UsageTotalOffByOne, *SELECTION)
    matrix = faulty.reports_dir.parent / "matrix.html"
    files = [str(r.reports_dir / "compliance.json") for r in (embedded, faulty)]
    assert report_main(["matrix", *files, "-o", str(matrix)]) == 0
    profile_dir = tmp_path / "chromium-profile"

    dom = render(matrix, faulty.reports_dir / "matrix.png", profile_dir)
    table = re.search(r'<table class="ucc" id="matrix">.*?</table>', dom, re.S)
    assert table is not None, dom[:2000]
    judged = sum(1 for v in faulty.verdicts.values() if v != "NOT RUN")
    assert table.group(0).count('<tr id="row-') >= judged
    row = re.search(rf'<tr id="row-{BROKEN}">.*?</tr>', table.group(0), re.S)
    assert row is not None and "ucc-v-PASS" in row.group(0) and "ucc-v-FAIL" in row.group(0)

    dom = render(faulty.reports_dir / "report.html", faulty.reports_dir / "report.png", profile_dir)
    verdicts = re.search(r'<table class="ucc" id="requirement-verdicts">.*?</table>', dom, re.S)
    assert verdicts is not None, dom[:2000]
    assert verdicts.group(0).count('<tr id="req-') == judged
    assert f'<tr id="req-{BROKEN}" class="verdict-fail">' in verdicts.group(0)
    # pytest-html's own per-case table is built by its script: proof the page's script ran.
    rows = re.findall(r'<tbody class="results-table-row (passed|failed)"', dom)
    assert len(rows) >= judged and "failed" in rows, "pytest-html's table is missing"
