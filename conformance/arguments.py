"""Every argument is checked before the run sends a request or writes a file.

pytest reads part of its command line only while it collects, after the session started: a
path that does not exist, a `file::name` that names no case, a -k or -m expression that does
not parse. The suite's session start sends requests (the preflight requests, the sweep of
an earlier run's leftovers) and its session end writes the reports, so such a typo used to
cost requests and leave reports (PASSED ones, when nothing ran) behind its usage error.
`check` refuses it first, with pytest's own words. An option pytest does not know is refused
by argparse before anything runs, except one whose text holds a space (`--header="a: b"`):
argparse takes that for a path, and it is refused here as one that does not exist.

Whatever usage error still comes later (a marker that names no catalogue entry, a -k call
that only evaluating it against the cases reveals) is kept from writing reports by
`silence_reports`.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from _pytest import junitxml
from _pytest.main import resolve_collection_argument
from _pytest.mark import _parse_expression, _validate_marker_names

from conformance.options import read_pytest_option


def check(config: pytest.Config) -> None:
    """A pytest.UsageError for the first argument the run would refuse while collecting."""
    for index, arg in enumerate(config.args):
        _path(config, arg, index)
    keyword = (read_pytest_option(config, "keyword") or "").lstrip()
    if keyword:
        expression = _parse_expression(keyword, "Wrong expression passed to '-k'")
        for constant in (False, True):  # each side of `and` / `or` is evaluated under one
            expression.evaluate(_keyword_matcher(constant))
    mark = read_pytest_option(config, "markexpr") or ""
    if mark:
        _validate_marker_names(_parse_expression(mark, "Wrong expression passed to '-m'"), config)


def _path(config: pytest.Config, arg: str, index: int) -> None:
    """The path must exist (pytest's own check), and a `::name` must be written in its file."""
    if arg.startswith("-"):
        # argparse took it for a path because its text holds a space: an unknown option.
        raise pytest.UsageError(
            f"unrecognized option: {arg} (no option has that name, and no file or directory)"
        )
    found = resolve_collection_argument(
        config.invocation_params.dir,
        arg,
        index,
        as_pypath=bool(read_pytest_option(config, "pyargs")),
        consider_namespace_packages=config.getini("consider_namespace_packages"),
    )
    if not found.parts or not found.path.is_file():
        return
    # A case's node name is its function's (or class's) name as written in the module, so a
    # name that is not in the file's text names no case. (pytest says so only after the
    # session started.)
    text = found.path.read_text(encoding="utf-8", errors="replace")
    for part in found.parts:
        if not re.search(rf"\b{re.escape(part)}\b", text):
            raise pytest.UsageError(f"not found: {arg} (no case named {part} in {found.path})")


def _keyword_matcher(constant: bool) -> Any:
    def match(name: str, /, **kwargs: Any) -> bool:
        if kwargs:  # pytest's KeywordMatcher refuses these, but only while deselecting
            raise pytest.UsageError("Keyword expressions do not support call parameters.")
        return constant

    return match


def silence_reports(config: pytest.Config) -> None:
    """After a usage error raised during the session, pytest still ends it (and pytest-html
    and JUnit write their files then): unregister both, so a usage error leaves no report."""
    xml = config.stash.get(junitxml.xml_key, None)
    if xml is not None:
        del config.stash[junitxml.xml_key]
        config.pluginmanager.unregister(xml)
    for plugin in config.pluginmanager.get_plugins():
        if type(plugin).__module__.startswith("pytest_html.") and hasattr(plugin, "_report"):
            config.pluginmanager.unregister(plugin)
