"""The options a user can find: `pytest --help` explains the suite's own, the README's table
lists exactly them, and the run says where its reports went.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import SuiteRun

README = Path(__file__).resolve().parents[1] / "README.md"
GROUP = "Update-chat-completion conformance:"


@pytest.fixture(scope="module")
def help_text() -> str:
    """`pytest --help` as a user sees it in the repository (the suite's plugin registered)."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--help"],
        cwd=README.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def suite_group(help_text: str) -> str:
    """The suite's section of --help."""
    start = help_text.index(GROUP)
    end = help_text.find("\n\n", start)
    return help_text[start:end]


def flags(section: str) -> set[str]:
    return set(re.findall(r"^  (--[a-z0-9-]+)", section, flags=re.MULTILINE))


def readme_flags() -> set[str]:
    """The flags of the README's options table (its first column)."""
    text = README.read_text(encoding="utf-8")
    table = text.split("## Options", 1)[1].split("\n## ", 1)[0]
    found: set[str] = set()
    for row in table.splitlines():
        if row.startswith("| `--"):
            found |= set(re.findall(r"`(--[a-z0-9-]+)`", row.split("|")[1]))
    return found


def test_help_explains_the_base_url_in_the_suites_own_group(help_text: str) -> None:
    """Where a new user looks first: the target, its version prefix, and what happens
    without one."""
    section = suite_group(help_text)
    assert section.splitlines()[1].lstrip().startswith("--base-url")
    text = " ".join(section.split())
    assert "version prefix included" in text and "https://host/v1" in text
    assert "embedded reference server" in text


def test_help_says_what_strict_adds(help_text: str) -> None:
    """--strict is pytest's own option: its help must say that SHOULD failures then fail."""
    strict = help_text.split("  --strict ", 1)[1].split("\n  --", 1)[0]
    assert "SHOULD requirements" in " ".join(strict.split())


def test_readme_option_table_lists_exactly_the_suites_options(help_text: str) -> None:
    """A user reads options in the README; one missing there (or gone from the suite) is a
    promise the table breaks. --strict is pytest's own, listed for what the suite adds."""
    assert readme_flags() == flags(suite_group(help_text)) | {"--strict"}


def test_run_names_the_reports_directory_it_used(
    run_suite: Callable[..., SuiteRun], tmp_path: Path
) -> None:
    """`make conformance ARGS=--reports-dir=X` must not point at reports/ when it wrote X."""
    where = tmp_path / "elsewhere"
    run = run_suite("-k", "UCC-LIMIT-PAIRS-17", f"--reports-dir={where}")
    line = next(line for line in run.result.stdout.lines if line.startswith("reports: "))
    assert line == (
        f"reports: {where / 'report.html'}, {where / 'junit.xml'}, {where / 'compliance.json'}"
    )
    assert (where / "compliance.json").exists()
