"""`ucc-conformance` (and `python -m conformance`): the installed cases, run by pytest from any
directory.

The command is pytest with the suite chosen for it: the cases installed with the package, the
suite's pytest settings (the repository's pytest.ini, shipped as conformance/suite.ini), and
the reports in ./reports/ of the working directory. The rest is pytest's: every option, the
exit codes (0 passed, 1 failed, 2 interrupted, 3 internal error, 4 usage error, 5 nothing
judged) and the reports are those of `pytest` in the repository.

Why not `pytest --pyargs conformance.cases`: pytest chooses its root directory and its
configuration file before it loads plugins, by walking up from the paths on the command line.
From an installed package that walk can end in a vendor's own project (a `.venv` inside it
finds the vendor's pytest settings), and a separate value that is an existing path
(`--baseline /elsewhere/compliance.json`) counts as one of those paths, because pytest does not
know yet that `--baseline` takes a value. So the command fixes the configuration file, the root
directory and the conftest lookup itself, and loads the plugin with `-p` (once, and late enough
for pytest's assertion rewriting: importing it first would import httpx and anyio, whose pytest
plugin pytest then warns it cannot rewrite).
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parent
SUITE_INI = PACKAGE_DIR / "suite.ini"
CASES_DIR = PACKAGE_DIR / "cases"
PROG = "ucc-conformance"
# The help sections that belong to the suite, shown first: its own group and the options
# without a group, where pytest-base-url puts --base-url.
SUITE_SECTIONS = ("Update-chat-completion conformance:", "Custom options:")
INTRO = f"""usage: {PROG} [options]

Runs the Update-chat-completion conformance cases against --base-url (or, without one, the
embedded reference server) and writes reports/report.html, reports/junit.xml and
reports/compliance.json under the working directory. Exit status: 0 the target passed, 1 it
failed, 2 interrupted, 3 internal error, 4 usage error (nothing sent, no report), 5 no
requirement judged. Every pytest option works too (-k, -m, -x, -n with pytest-xdist
installed): they follow the suite's own. --version prints the suite's version and its
requirement catalogue's version and sha256.
"""


def pytest_args(argv: Sequence[str]) -> list[str]:
    """The pytest command line for `ucc-conformance ARGV`: the suite's settings, then ARGV,
    whose options win where both give one (--reports-dir, -c, ...)."""
    return [
        f"--config-file={SUITE_INI}",
        f"--rootdir={PACKAGE_DIR.parent}",
        "--noconftest",  # no conftest.py of the working directory or a checkout gets a say
        "-p",
        "conformance.plugin",
        # pytest-timeout, when a vendor's venv has it, defines --timeout too: both cannot load.
        "-p",
        "no:timeout",
        "--reports-dir=reports",
        str(CASES_DIR),
        *argv,
    ]


def suite_help_first(text: str) -> str:
    """pytest's help text, its usage line replaced by INTRO and the suite's sections first."""
    sections = re.split(r"\n\n(?=\S)", text.strip("\n"))
    ours = [s for s in sections if s.startswith(SUITE_SECTIONS)]
    rest = [s for s in sections[1:] if s not in ours]  # sections[0] is pytest's usage line
    return "\n\n".join([INTRO.rstrip("\n"), *ours, *rest]) + "\n"


def version_text() -> str:
    """What --version prints: the suite's version, and the requirement catalogue it judges by
    (its own version and sha256, as compliance.json records them), so a vendor's gate can tell
    two runs' catalogues apart before comparing them (CHANGELOG.md lists what changed)."""
    from conformance import __version__
    from conformance.requirements import CATALOGUE_PATH, catalogue, catalogue_version, file_sha256

    return (
        f"{PROG} {__version__}\n"
        f"requirement catalogue: version {catalogue_version()}, "
        f"sha256 {file_sha256(CATALOGUE_PATH)} ({len(catalogue())} requirements)\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--version" in args or "-V" in args:
        sys.stdout.write(version_text())
        return 0
    if "-h" in args or "--help" in args:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = pytest.main(pytest_args(args))
        sys.stdout.write(suite_help_first(out.getvalue()))
        return int(code)
    return int(pytest.main(pytest_args(args)))
