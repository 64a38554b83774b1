"""`ucc-conformance` / `python -m conformance` (conformance.cli), in this checkout.

The wheel test (tests/test_wheel.py) runs the installed command for real; here, what the
command adds to pytest: its settings before the user's options, and its help.
"""

from __future__ import annotations

import hashlib

import pytest

from conformance import __version__, cli
from conformance.requirements import CATALOGUE_PATH, catalogue, catalogue_version


def test_help_lists_the_suite_options_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0

    shown = capsys.readouterr().out
    assert shown.startswith("usage: ucc-conformance [options]")
    suite, general = shown.index("Update-chat-completion conformance:"), shown.index("general:")
    assert suite < general
    assert shown.index("--base-url") < general
    assert shown.index("--baseline") < general
    assert "--fuzz-seed" in shown[suite:general]
    assert shown.count("Update-chat-completion conformance:") == 1


def test_user_options_come_after_the_suites_own() -> None:
    """argparse keeps the last value: the user's --reports-dir or -c wins over the default."""
    args = cli.pytest_args(["--reports-dir=elsewhere", "-k", "limits"])

    assert args.index("--reports-dir=reports") < args.index("--reports-dir=elsewhere")
    assert args[-2:] == ["-k", "limits"]
    assert f"--config-file={cli.SUITE_INI}" in args and cli.SUITE_INI.is_file()


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_names_the_suite_and_the_catalogue_it_judges_by(
    capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    """A gate comparing runs across suite versions needs the catalogue's identity: its own
    version and the sha256 compliance.json records, without running anything."""
    assert cli.main([flag, "--base-url=https://not.contacted.invalid/v1"]) == 0

    lines = capsys.readouterr().out.splitlines()
    digest = hashlib.sha256(CATALOGUE_PATH.read_bytes()).hexdigest()
    assert lines == [
        f"ucc-conformance {__version__}",
        f"requirement catalogue: version {catalogue_version()}, sha256 {digest} "
        f"({len(catalogue())} requirements)",
    ]
