"""The suite's options, one row each: flag, environment variable, ini key, default, how a value
is read, help, and the error a value out of range gets.

Everything else comes from the rows: `register` adds the flags to the suite's --help group and
the ini keys to pytest; `Options` resolves a run's values the same way for every row, over the
sources in the order the README's options table states (the one place it is written), with one
reader per kind of value; a repeatable option (--header, --query) merges its values over those
sources instead, by name, the higher one winning. The README's options table is checked
against the rows (tests/test_options.py). pytest's own --strict and pytest-base-url's
--base-url are rows as well: registered by their owners, resolved and documented like the
others.

This is the one module that reads the command line, the environment (for an option; `CI`,
which fixes the fuzz seed, included) and pytest's option namespace, and the one that writes
to it (`lend_base_url`, `point_reports_at`); the run resolves one `Options` (conformance.run)
and everything else reads that. tests/test_options.py holds the rest of the package to it.

Adding an option is a row here plus the code that uses its value (`options.get("dest")`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import pytest

from conformance.access import (
    DEFAULT_AUTH_HEADER,
    KEY_VARIABLE,
    SECOND_KEY_VARIABLE,
    Extra,
    merge,
    parse_auth_header,
    parse_create_extra,
    parse_header,
    parse_query,
)

GROUP: Final = "conformance"
GROUP_TITLE: Final = "Update-chat-completion conformance"

# What the README writes for "none" (an en dash).
NONE: Final = "\N{EN DASH}"

Kind = Literal[
    "text", "number", "integer", "switch", "header", "secret-header", "query", "name", "json"
]
# Kinds given any number of times (NAME:VALUE, NAME=VALUE), merged over the sources by name.
REPEATED: Final = ("header", "secret-header", "query")
Owner = Literal["suite", "pytest", "pytest-base-url"]

# The defaults the rows below give, named for the code that needs one where no run resolved
# it (a Client or a Settings built by hand, in tests and benchmarks).
DEFAULT_CONSISTENCY_TIMEOUT: Final = 30.0
DEFAULT_TIMEOUT: Final = 10.0
# Seconds a whole run may wait out rate limits (--rate-limit-wait): a vendor that allows a few
# requests a second gets the suite's few hundred through; one that answers 429 to everything is
# given up on within it.
DEFAULT_RATE_LIMIT_WAIT: Final = 300.0
DEFAULT_FUZZ_EXAMPLES: Final = 20
# A stateful run against a vendor (--fuzz-stateful) creates at most this many completions: no
# option, but its help promises it.
STATEFUL_CREATION_BUDGET: Final = 30


@dataclass(frozen=True)
class Option:
    """One option of the suite, as the user meets it everywhere."""

    flag: str
    help: str
    env: str | None = None
    ini: str | None = None
    ini_help: str = ""
    default: Any = None
    kind: Kind = "text"
    # A value the option refuses, and what the usage error says of it ("must be 0 or more").
    valid: Callable[[Any], bool] | None = None
    invalid: str = ""
    readme_default: str = NONE
    owner: Owner = "suite"
    # A switch that sets the same value back (--fuzz after --no-fuzz), with its help.
    opposite: tuple[str, str] | None = None
    # Where the value is kept (config.option, `Options.get`); by default the flag's name.
    dest: str = ""

    def __post_init__(self) -> None:
        if not self.dest:
            object.__setattr__(self, "dest", self.flag.removeprefix("--").replace("-", "_"))

    def readme_cells(self) -> tuple[str, str, str, str]:
        """The README table's option, environment, ini and default columns for this row."""
        flags = ", ".join(f"`{f}`" for f in (self.flag, *(self.opposite or ())[:1]))
        env = f"`{self.env}`" if self.env else NONE
        ini = f"`{self.ini}`" if self.ini else NONE
        return flags, env, ini, self.readme_default


OPTIONS: Final[tuple[Option, ...]] = (
    Option(
        "--base-url",
        "base URL of the target, version prefix included, as OPENAI_BASE_URL: https://host/v1 "
        "(default: $PYTEST_BASE_URL; without one, the suite runs against its embedded "
        "reference server).",
        env="PYTEST_BASE_URL",
        ini="base_url",
        readme_default="embedded server",
        owner="pytest-base-url",
    ),
    Option(
        "--api-key",
        "API key of the target (default: $OPENAI_API_KEY); never written to any output.",
        env=KEY_VARIABLE,
        readme_default=f"{NONE} (random for the embedded server)",
    ),
    Option(
        "--second-api-key",
        "a key of another project or organisation, to check that it cannot touch the "
        "suite's completion (default: $CONFORMANCE_SECOND_API_KEY; never written to any output).",
        env=SECOND_KEY_VARIABLE,
        readme_default=f"{NONE} (a second tenant of the embedded server)",
    ),
    Option(
        "--auth-header",
        "the header the API key goes in: Authorization sends 'Bearer KEY' (the default), any "
        "other name the bare key, e.g. api-key for Azure OpenAI (default: "
        "$CONFORMANCE_AUTH_HEADER).",
        env="CONFORMANCE_AUTH_HEADER",
        default=DEFAULT_AUTH_HEADER,
        kind="name",
        readme_default="`Authorization` (Bearer)",
    ),
    Option(
        "--header",
        "NAME:VALUE, a header sent with every request; repeatable. Its value is redacted in "
        "every output when the name says key, token, auth, secret, signature or cookie "
        "(default: $CONFORMANCE_HEADERS, one a line).",
        env="CONFORMANCE_HEADERS",
        kind="header",
    ),
    Option(
        "--secret-header",
        "NAME:VALUE, like --header, its value a secret whatever the name: never written to any "
        "output; curl lines name $UCC_HEADER_<NAME> instead (default: "
        "$CONFORMANCE_SECRET_HEADERS, one a line).",
        env="CONFORMANCE_SECRET_HEADERS",
        kind="secret-header",
    ),
    Option(
        "--query",
        "NAME=VALUE, a query parameter sent with every request, e.g. api-version=2024-10-21; "
        "repeatable (default: $CONFORMANCE_QUERY, one a line).",
        env="CONFORMANCE_QUERY",
        kind="query",
    ),
    Option(
        "--create-extra",
        "a JSON object of fields merged into every create the suite makes (never into "
        "updates), e.g. '{\"max_completion_tokens\": 64}' (default: $CONFORMANCE_CREATE_EXTRA).",
        env="CONFORMANCE_CREATE_EXTRA",
        kind="json",
    ),
    Option(
        "--model",
        "model for the completions the suite creates (default: $CONFORMANCE_MODEL).",
        env="CONFORMANCE_MODEL",
        ini="conformance_model",
        ini_help="model for the completions the suite creates",
        readme_default="`reference-echo-1` (embedded)",
    ),
    Option(
        "--completion-id",
        "an existing stored completion to update instead of creating one; "
        "its metadata is restored at the end.",
    ),
    Option(
        "--no-create",
        "create no completion; cases that need one are skipped with the reason.",
        kind="switch",
        default=False,
        readme_default="off",
    ),
    Option(
        "--strict",
        "; the conformance suite also fails the run on SHOULD requirements (otherwise they warn)",
        ini="strict",
        kind="switch",
        default=False,
        readme_default="off",
        owner="pytest",
    ),
    Option(
        "--consistency-timeout",
        "seconds to wait for a write to become readable; a write not visible by then "
        "fails its requirement, and later waits of that kind read once; 0 demands "
        f"read-your-writes (default {DEFAULT_CONSISTENCY_TIMEOUT:g}).",
        ini="consistency_timeout",
        ini_help="seconds to wait for a write to become readable",
        default=DEFAULT_CONSISTENCY_TIMEOUT,
        kind="number",
        valid=lambda seconds: seconds >= 0,
        invalid="must be 0 or more",
        readme_default=f"{DEFAULT_CONSISTENCY_TIMEOUT:g}",
    ),
    Option(
        "--timeout",
        f"seconds to wait for each answer (default {DEFAULT_TIMEOUT:g}).",
        ini="conformance_timeout",
        ini_help="seconds to wait for each answer",
        default=DEFAULT_TIMEOUT,
        kind="number",
        valid=lambda seconds: seconds > 0,
        invalid="must be more than 0",
        readme_default=f"{DEFAULT_TIMEOUT:g}",
    ),
    Option(
        "--rate-limit-wait",
        "seconds the whole run may spend waiting out rate limits (429 and 503 answers); "
        "past it a rate-limited answer stands, and what it decided is INCONCLUSIVE "
        f"(default {DEFAULT_RATE_LIMIT_WAIT:g}).",
        ini="rate_limit_wait",
        ini_help="seconds the run may spend waiting out rate limits",
        default=DEFAULT_RATE_LIMIT_WAIT,
        kind="number",
        valid=lambda seconds: seconds >= 0,
        invalid="must be 0 or more",
        readme_default=f"{DEFAULT_RATE_LIMIT_WAIT:g}",
    ),
    Option(
        "--reports-dir",
        "where report.html, junit.xml and compliance.json go (default: reports/).",
        ini="conformance_reports_dir",
        ini_help="where the reports go",
        readme_default="`reports`",
    ),
    Option(
        "--profile",
        "a vendor profile (profiles/<vendor>.toml): base URL, model, capabilities and "
        "known deviations (default: $CONFORMANCE_PROFILE).",
        env="CONFORMANCE_PROFILE",
        ini="conformance_profile",
        ini_help="the vendor profile (profiles/<vendor>.toml)",
    ),
    Option(
        "--history",
        "a JSON Lines file to append a compact record of this run to; the reports then "
        "show each requirement's recent verdicts.",
        ini="conformance_history",
        ini_help="the JSON Lines file each run appends its record to",
    ),
    Option(
        "--baseline",
        "a previous run's compliance.json: fail only on requirements that passed there "
        "and fail now, and print the difference.",
    ),
    Option(
        "--fuzz-examples",
        "generated inputs per fuzz case, besides Schemathesis's boundary cases "
        f"(default: $CONFORMANCE_FUZZ_EXAMPLES, or {DEFAULT_FUZZ_EXAMPLES}).",
        env="CONFORMANCE_FUZZ_EXAMPLES",
        ini="fuzz_examples",
        ini_help="generated inputs per fuzz case",
        default=DEFAULT_FUZZ_EXAMPLES,
        kind="integer",
        valid=lambda examples: examples >= 1,
        invalid="must be 1 or more",
        readme_default=str(DEFAULT_FUZZ_EXAMPLES),
    ),
    Option(
        "--fuzz-seed",
        "seed of the generated inputs, to reproduce a run (default: $CONFORMANCE_FUZZ_SEED; "
        "0 when $CI is set; random otherwise, and printed).",
        env="CONFORMANCE_FUZZ_SEED",
        kind="integer",
        readme_default="random, printed (0 when `CI` is set)",
    ),
    Option(
        "--fuzz-stateful",
        "run the stateful fuzz case at a vendor too; each of its steps may create a "
        f"billable completion (at most {STATEFUL_CREATION_BUDGET} a run).",
        kind="switch",
        default=False,
        readme_default="off at a vendor",
    ),
    Option(
        "--no-fuzz",
        "leave the fuzz cases out (as -m 'not fuzz' does, without collecting them).",
        kind="switch",
        default=True,
        readme_default="fuzz cases run",
        dest="fuzz",
        opposite=(
            "--fuzz",
            "run the fuzz cases even if an earlier --no-fuzz said not to (the default).",
        ),
    ),
    Option(
        "--max-rps",
        "send at most this many fuzz requests a second (default: $CONFORMANCE_MAX_RPS; no limit).",
        env="CONFORMANCE_MAX_RPS",
        ini="max_rps",
        ini_help="at most this many fuzz requests a second",
        kind="number",
        valid=lambda rate: rate > 0,
        invalid="must be more than 0",
        readme_default="no limit",
    ),
)


def register(parser: pytest.Parser) -> None:
    """The suite's flags in its --help group, in row order, and their ini keys (the other
    owners register theirs; `adopt` gives them the rows' help)."""
    group = parser.getgroup(GROUP, GROUP_TITLE)
    for option in OPTIONS:
        if option.owner != "suite":
            continue
        if option.kind == "switch":
            # --no-fuzz sets `fuzz` False; any other switch (--no-create too) sets its own True.
            negative = option.flag == "--no-" + option.dest.replace("_", "-")
            action = "store_false" if negative else "store_true"
            group.addoption(option.flag, action=action, dest=option.dest, help=option.help)
        elif option.kind in REPEATED:
            group.addoption(option.flag, action="append", dest=option.dest, help=option.help)
        else:
            group.addoption(option.flag, dest=option.dest, help=option.help)
        if option.opposite is not None:
            flag, text = option.opposite
            group.addoption(flag, action="store_true", dest=option.dest, help=text)
        if option.ini is not None:
            parser.addini(option.ini, option.ini_help)


def adopt(config: pytest.Config) -> None:
    """The other owners' flags shown as rows of the suite: --base-url (pytest-base-url's)
    moved to the top of the suite's --help group with the row's help; --strict (pytest's)
    keeps its place, its help says what the suite adds.

    Called once, at configure: every plugin has added its flags by then (pytest-base-url adds
    its own after this plugin's when the command loads this one with -p), and pytest prints
    --help after configure. pytest has no public way to move an option or change its help
    (`Parser.getgroup` and `OptionGroup.addoption` only add; pytest's own `getgroup` reaches
    into argparse for its ordering too), so this goes through the parser's `_groups`, each
    group's `_arggroup` and argparse's `_group_actions`. Best effort: if their shape changes,
    nothing is moved and the options still work, with their owners' help."""
    parser = getattr(config, "_parser", None)
    if not isinstance(parser, pytest.Parser):
        return
    group = parser.getgroup(GROUP, GROUP_TITLE)
    target = getattr(getattr(group, "_arggroup", None), "_group_actions", None)
    for option in OPTIONS:
        if option.owner == "suite":
            continue
        for owner in getattr(parser, "_groups", []):
            for found in list(getattr(owner, "options", [])):
                if option.flag not in found.names():
                    continue
                action = found.attrs()  # the argparse action's own attributes
                if option.owner == "pytest":
                    if option.help not in str(action.get("help")):
                        action["help"] = f"{action.get('help') or ''}{option.help}"
                    continue
                if owner is group:
                    continue
                action["help"] = option.help
                actions = getattr(getattr(owner, "_arggroup", None), "_group_actions", None)
                if isinstance(actions, list) and isinstance(target, list):
                    owner.options.remove(found)
                    group.options.insert(0, found)
                    argument = next(a for a in actions if option.flag in a.option_strings)
                    actions.remove(argument)
                    target.insert(0, argument)


# --- reading values ---------------------------------------------------------------------------
def _number(raw: Any, kind: Kind, source: str) -> float | int:
    """The one number reader: a flag's, a variable's and an ini value's text alike."""
    try:
        return int(raw) if kind == "integer" else float(raw)
    except (TypeError, ValueError):
        what = "a whole number" if kind == "integer" else "a number"
        raise pytest.UsageError(f"{source} must be {what}, got {raw!r}") from None


def _switch(raw: Any, source: str) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise pytest.UsageError(f"{source} must be true or false, got {raw!r}")


def _repeated(option: Option, raw: Any, source: str) -> tuple[Extra, ...]:
    """Every NAME:VALUE or NAME=VALUE of a repeatable option: a flag's list, a variable's
    lines, or a profile's entries (read already)."""
    if isinstance(raw, tuple):
        return raw
    texts = raw if isinstance(raw, list) else [t for t in str(raw).splitlines() if t.strip()]
    if option.kind == "query":
        return tuple(parse_query(text, source) for text in texts)
    secret = option.kind == "secret-header"
    return tuple(parse_header(text, source, secret=secret) for text in texts)


def read(option: Option, raw: Any, source: str) -> Any:
    """A raw value of `option` (from `source`), read as its kind and checked."""
    if option.kind == "switch":
        return _switch(raw, source)
    if option.kind == "text":
        return str(raw)
    if option.kind in REPEATED:
        return _repeated(option, raw, source)
    if option.kind == "name":
        return parse_auth_header(str(raw), source)
    if option.kind == "json":
        return parse_create_extra(raw, source)
    value = _number(raw, option.kind, source)
    if option.valid is not None and not option.valid(value):
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        raise pytest.UsageError(f"{option.flag} {option.invalid}, got {shown}")
    return value


def _given(value: Any) -> bool:
    return value is not None and value != ""


class Options:
    """A run's option values, each resolved on first use over the sources in the README's
    order. A bad value is a one-line usage error naming where it came from.

    Built once per run (conformance.run.start), the vendor profile's values added as soon as
    the profile is read; the settings, the fuzz plugin, the reports and the cases all read
    that one object."""

    def __init__(self, config: pytest.Config, profile: Mapping[str, Any] | None = None) -> None:
        self._config = config
        self._rows = {row.dest: row for row in OPTIONS}
        self._profile = dict(profile or {})
        self._values: dict[str, Any] = {}
        self._sources: dict[str, str] = {}  # dest -> where its value came from, as read
        self._lent: str | None = None  # the profile's base URL, lent to pytest-base-url

    def add_profile(self, profile: Mapping[str, Any]) -> None:
        """A vendor profile's values of the options, by destination (the profile is itself an
        option, so it is read after the options that name it). What was resolved before is
        resolved again, the profile in its place."""
        self._profile = dict(profile)
        self._values.clear()

    def get(self, dest: str) -> Any:
        if dest not in self._values:
            option = self._rows[dest]
            if option.kind in REPEATED:
                self._values[dest] = merge(self.layers(dest), fold_case=option.kind != "query")
            else:
                self._values[dest] = self._resolve(option)
        return self._values[dest]

    def layers(self, dest: str) -> list[tuple[Extra, ...]]:
        """A repeatable option's values from the profile, the environment and the command line,
        in that order (lowest precedence first; empty where a source gives none)."""
        option = self._rows[dest]
        sources = [
            (self._profile.get(option.dest), "the profile's " + option.dest),
            (os.environ.get(option.env) if option.env else None, f"${option.env}"),
            (self._config.getoption(option.dest, None), option.flag),
        ]
        return [read(option, raw, source) if _given(raw) else () for raw, source in sources]

    def flags_given(self, *dests: str) -> list[str]:
        """The flags among `dests` (the suite's own, which have no default on the command
        line) that the command line gave: what the user typed for this run."""
        return [
            self._rows[dest].flag for dest in dests if _given(self._config.getoption(dest, None))
        ]

    def empty(self, dest: str) -> str | None:
        """Where an option was given as empty text (`--base-url=` or `PYTEST_BASE_URL=`, an
        unset variable in a CI file, say), which resolves as not given; None otherwise."""
        option = self._rows[dest]
        if option.env and os.environ.get(option.env) == "":
            return f"${option.env}"
        if self._config.getoption(dest, None) == "":
            return option.flag
        return None

    def on_ci(self) -> bool:
        """The run is on CI (`CI` set to anything, as Hypothesis itself decides): --fuzz-seed's
        default is then 0 instead of a random seed."""
        return bool(os.environ.get("CI"))

    def lend_base_url(self, url: str) -> None:
        """pytest-base-url's own option takes the run's base URL (a profile's, the embedded
        server's) where neither the command line nor its variable gave one: its header line
        and `base_url` fixture read that option, not the suite's settings."""
        if not _given(self._config.getoption("base_url", None)):
            self._config.option.base_url = self._lent = url

    def source(self, dest: str) -> str:
        """Where the value of `dest` came from, as its messages name it: the flag, `$VARIABLE`,
        "the profile's dest" or the ini key (resolving it first)."""
        self.get(dest)
        return self._sources.get(dest, self._rows[dest].flag)

    def _resolve(self, option: Option) -> Any:
        cli = self._config.getoption(option.dest, None)
        env = os.environ.get(option.env) if option.env else None
        profile = self._profile.get(option.dest)
        ini = self._config.getini(option.ini) if option.ini else None
        for raw, source in (
            (cli, self._command_line_source(option, cli, env, profile)),
            (env, f"${option.env}"),
            (profile, "the profile's " + option.dest),
            (ini, f"ini option {option.ini}"),
        ):
            if _given(raw):
                self._sources[option.dest] = source
                return read(option, raw, source)
        return option.default

    def _command_line_source(self, option: Option, cli: Any, env: Any, profile: Any) -> str:
        """Another owner's option holds more than the command line: pytest-base-url's
        --base-url defaults to $PYTEST_BASE_URL, and holds the profile's base URL once lent."""
        if option.owner == "suite" or cli is None:
            return option.flag
        if self._lent is not None and cli == self._lent and cli == profile:
            return "the profile's " + option.dest
        if env is not None and cli == env:
            return f"${option.env}"
        return option.flag


# --- options that are no row: pytest's own and its plugins' ----------------------------------
def read_pytest_option(config: pytest.Config, dest: str) -> Any:
    """The value of an option of pytest's (-k, -m, --collect-only) or of one of its plugins'
    (pytest-html's --html) as pytest parsed it; None where no plugin registered it. They are
    not rows: the suite only reads them, their owners resolve them."""
    return getattr(config.option, dest, None)


def point_reports_at(config: pytest.Config, reports_dir: Path) -> None:
    """pytest-html's and JUnit's files go to the reports directory unless the command line
    names them: their own options are set as if given, before either plugin reads them."""
    if getattr(config.option, "htmlpath", "") is None:  # pytest-html may be disabled
        config.option.htmlpath = str(reports_dir / "report.html")
        config.option.self_contained_html = True
    if getattr(config.option, "xmlpath", "") is None:
        config.option.xmlpath = str(reports_dir / "junit.xml")
