"""One run's verdicts as Markdown, for a CI job summary (`$GITHUB_STEP_SUMMARY`): the headline,
the target, the root cause, the regression gate's outcome and the verdict table, from its
compliance.json.

GitHub renders the summary as Markdown with HTML allowed, so every text of the document goes
through `cell`: no pipe ends a cell early, no newline ends a row, no tag or link is rendered.
"""

from __future__ import annotations

import html
import re
from typing import Any

from conformance.report.markup import cost_line, detail, target_label
from conformance.report.matrix import EMOJI

TITLE = "Update chat completion conformance"
# What Markdown would read as markup inside a line: code, emphasis, links, strikethrough and
# the cell separator; tags and entities are HTML-escaped first.
MARKDOWN = re.compile(r"([\\`*_\[\]|~])")


def cell(text: str) -> str:
    """Text on one line, shown literally by GitHub's Markdown (inside a table cell too)."""
    return MARKDOWN.sub(r"\\\1", html.escape(" ".join(text.split()), quote=False))


def render(doc: dict[str, Any], title: str = TITLE) -> str:
    lines = [f"## {cell(title)}", "", f"**{cell(doc['headline'])}**", ""]
    lines.append(f"Target: {cell(target_label(doc))}; model {cell(str(doc['model']))}  ")
    lines.append(cell(cost_line(doc)))
    cause = doc.get("cause")
    if cause:
        lines += ["", f"**Root cause** ({cause['cases']} cases): {cell(cause['summary'])}"]
    if not doc["complete"]:
        stopped = cell(str(doc["stopped"]))
        lines += ["", f"**INCOMPLETE**: {stopped}; the verdicts cover only the cases that ran"]
    gate = (doc.get("baseline") or {}).get("gate")
    if gate:
        outcome = f"FAILS: {gate['reason']}" if gate["fails"] else "no regression"
        lines += ["", f"Regression gate: {cell(outcome)}"]
    lines += ["", "| Requirement | Level | Verdict | Observation / failure |", "|---|---|---|---|"]
    for r in doc["requirements"]:
        if r["verdict"] == "NOT RUN":
            continue
        mark = EMOJI.get(r["verdict"], "")
        lines.append(
            f"| {cell(r['id'])} | {cell(r['level'])} | {mark} {cell(r['verdict'])} "
            f"| {cell(detail(r))} |"
        )
    return "\n".join(lines) + "\n"
