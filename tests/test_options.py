"""The options a user can find: one table (conformance.options) from which `pytest --help`,
the resolver and the README's table come, resolved once a run and read nowhere else, and the
run says where its reports went.
"""

from __future__ import annotations

import ast
import itertools
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance import options, run
from tests.conftest import SuiteRun

README = Path(__file__).resolve().parents[1] / "README.md"
PACKAGE_DIR = Path(options.__file__).resolve().parent
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


def readme_rows(text: str) -> list[tuple[str, ...]]:
    """The option, environment, ini and default cells of each row of the README's table."""
    table = text.split("## Options", 1)[1].split("\n## ", 1)[0]
    return [
        tuple(cell.strip() for cell in row.strip().strip("|").split("|"))[:4]
        for row in table.splitlines()
        if row.startswith("| `--")
    ]


def readme_mismatches(text: str) -> list[str]:
    """Where the README's options table and the options table (conformance.options) differ."""
    documented = readme_rows(text)
    rows = [option.readme_cells() for option in options.OPTIONS]
    return [f"README {d} / row {r}" for d, r in itertools.zip_longest(documented, rows) if d != r]


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


def test_help_group_holds_exactly_the_options_table(help_text: str) -> None:
    """Every row's flags are in the suite's --help group, and nothing else is; --strict is
    pytest's own, in pytest's group."""
    rows = {f for o in options.OPTIONS for f in (o.flag, *(o.opposite or ())[:1])}
    assert flags(suite_group(help_text)) == rows - {"--strict"}


def test_readme_option_table_is_the_options_table() -> None:
    """A user reads options in the README: each row's flag, environment variable, ini key and
    default, in the table's order, or the table breaks a promise."""
    assert readme_mismatches(README.read_text(encoding="utf-8")) == []


EXTRA = options.Option(
    "--extra-budget",
    "an option that exists only in this test.",
    env="CONFORMANCE_EXTRA_BUDGET",
    ini="extra_budget",
    ini_help="an option of this test",
    default=7.0,
    kind="number",
    valid=lambda budget: budget > 0,
    invalid="must be more than 0",
    readme_default="7",
)


@pytest.fixture
def with_extra_row(monkeypatch: pytest.MonkeyPatch) -> options.Option:
    """The options table with one more row, as adding an option is."""
    monkeypatch.setattr(options, "OPTIONS", (*options.OPTIONS, EXTRA))
    monkeypatch.delenv("CONFORMANCE_EXTRA_BUDGET", raising=False)
    return EXTRA


def test_a_row_added_to_the_table_is_in_help_resolved_and_checked_in_the_readme(
    with_extra_row: options.Option, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Adding an option is one row: --help shows it in the suite's group, the resolver reads
    it from the command line, the environment, a profile, the ini file or its default (in that
    order), and the README check asks for it."""
    shown = pytester.runpytest_inprocess("-p", "conformance.plugin", "--help")
    assert "--extra-budget" in flags(suite_group(str(shown.stdout)))

    def resolved(*args: str, profile: dict[str, Any] | None = None) -> Any:
        config = pytester.parseconfig("-p", "conformance.plugin", *args)
        return options.Options(config, profile).get("extra_budget")

    assert resolved() == 7.0
    pytester.makeini("[pytest]\nextra_budget = 2\n")
    assert resolved() == 2.0
    assert resolved(profile={"extra_budget": "4"}) == 4.0
    monkeypatch.setenv("CONFORMANCE_EXTRA_BUDGET", "3")
    assert resolved(profile={"extra_budget": "4"}) == 3.0
    assert resolved("--extra-budget=5") == 5.0
    with pytest.raises(pytest.UsageError, match=r"^--extra-budget must be more than 0, got 0$"):
        resolved("--extra-budget=0")

    readme = README.read_text(encoding="utf-8")
    assert readme_mismatches(readme) == [f"README None / row {EXTRA.readme_cells()}"]
    row = "| `--extra-budget` | `CONFORMANCE_EXTRA_BUDGET` | `extra_budget` | 7 | a budget |\n"
    last = [line for line in readme.splitlines() if line.startswith("| `--")][-1]
    assert readme_mismatches(readme.replace(last + "\n", last + "\n" + row, 1)) == []


def test_a_value_that_is_no_number_is_one_usage_error_naming_where_it_came_from(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One number reader for every option: the flag, the variable or the ini key is named."""
    config = pytester.parseconfig("-p", "conformance.plugin", "--timeout=soon")
    with pytest.raises(pytest.UsageError, match=r"^--timeout must be a number, got 'soon'$"):
        options.Options(config).get("timeout")
    monkeypatch.setenv("CONFORMANCE_FUZZ_EXAMPLES", "many")
    config = pytester.parseconfig("-p", "conformance.plugin")
    with pytest.raises(pytest.UsageError, match="CONFORMANCE_FUZZ_EXAMPLES must be a whole"):
        options.Options(config).get("fuzz_examples")


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


def test_a_run_resolves_an_option_from_every_source_in_the_readmes_order(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--model as a run resolves it (conformance.run.start, the profile read from its file):
    command line > environment > vendor profile > ini > default, as the README's options table
    says; the settings take the run's one Options' value, and pytest-base-url's option the
    profile's base URL (nobody gave another)."""
    for name in ("CONFORMANCE_MODEL", "CONFORMANCE_PROFILE", "PYTEST_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-precedence")
    profile = pytester.path / "vendor.toml"
    profile.write_text('base_url = "https://vendor.test/v1"\n', encoding="utf-8")

    def model(*args: str) -> str | None:
        # --no-create: a vendor run without a model is then no usage error (the default layer).
        config = pytester.parseconfig("-p", "conformance.plugin", f"--profile={profile}", *args)
        state = run.start(config)
        assert state.settings.base_url == "https://vendor.test/v1"
        assert options.read_pytest_option(config, "base_url") == "https://vendor.test/v1"
        assert state.settings.model == state.options.get("model")
        return state.settings.model

    assert model("--no-create") is None
    pytester.makeini("[pytest]\nconformance_model = from-ini\n")
    assert model() == "from-ini"
    profile.write_text(
        'base_url = "https://vendor.test/v1"\nmodel = "from-profile"\n', encoding="utf-8"
    )
    assert model() == "from-profile"
    monkeypatch.setenv("CONFORMANCE_MODEL", "from-env")
    assert model() == "from-env"
    assert model("--model=from-cli") == "from-cli"


# Reads of options outside conformance.options that are no option of the suite's.
NOT_OPTIONS = {
    # A separate command (python -m conformance.reference) with its own argparse options and
    # its REFERENCE_API_KEY: it serves the reference server, it runs no suite.
    "conformance/reference/__main__.py": {"os.environ"},
    # A profile's `NAME = { env = "VARIABLE" }` entry: the profile names the variable that
    # holds a header's secret value, read when the profile is; profile input, no option.
    "conformance/profiles.py": {"os.environ"},
}


def option_reads(source: str) -> set[str]:
    """What a module's code reads or writes of the options' sources: pytest's option namespace
    (`config.option`, `getoption`) or the environment (`os.environ`, `os.getenv`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute):
            if node.attr == "getoption":
                found.add("getoption")
            elif node.attr == "option":
                found.add("config.option")
            elif node.attr in ("environ", "getenv") and isinstance(node.value, ast.Name):
                found.add(f"{node.value.id}.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            found |= {f"os.{a.name}" for a in node.names if a.name in ("environ", "getenv")}
    return found


def test_the_option_reads_check_finds_each_kind_of_read() -> None:
    """The check below must be able to fail."""
    snippet = (
        "import os\nfrom os import getenv\n"
        "def f(config):\n"
        "    config.option.htmlpath = 'x'\n"
        "    return config.getoption('base_url') or os.environ.get('CI')\n"
    )
    assert option_reads(snippet) == {"getoption", "config.option", "os.environ", "os.getenv"}
    assert option_reads("def f(options):\n    return options.get('ci'), options.option_rows\n") == (
        set()
    )


def test_only_the_options_module_reads_options_sources() -> None:
    """Configuration is resolved once (conformance.options, for conformance.run): no other
    module of the package asks pytest or the environment for an option, nor sets one."""
    found = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        name = path.relative_to(PACKAGE_DIR.parent).as_posix()
        reads = option_reads(path.read_text(encoding="utf-8")) - NOT_OPTIONS.get(name, set())
        if reads and name != "conformance/options.py":
            found[name] = sorted(reads)
    assert found == {}
