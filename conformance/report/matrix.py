"""The vendor matrix: many runs' compliance.json side by side, targets as columns against
requirements as rows, as a self-contained HTML page or a Markdown summary (a CI job summary,
with a badge line per target).

It only reads files, so each vendor's CI job runs on its own and a last step merges their JSON.
Each column links to the run's report.html when one sits next to its compliance.json, with
each cell pointing at the requirement's row there.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from conformance.report import markup
from conformance.report.schema import digest_ok, load_document

TITLE = "Update chat completion conformance: vendor matrix"
EMOJI = {
    "PASS": "✅",
    "FAIL": "❌",
    "WARN": "⚠️",
    "XFAIL": "🟣",
    "INFO": "🔵",
    "SKIP": "⏭️",
    "INCONCLUSIVE": "❔",
    "ERROR": "💥",
    "NOT RUN": "·",
}


@dataclass
class Column:
    """One run: its document, its label and where its HTML report is (relative)."""

    path: Path
    doc: dict[str, Any]
    label: str
    report: str | None  # href of report.html, relative to the matrix file
    digest_ok: bool

    def verdict(self, rid: str) -> dict[str, Any] | None:
        return next((r for r in self.doc["requirements"] if r["id"] == rid), None)


def columns(paths: list[Path], out_dir: Path) -> list[Column]:
    """Load and check every file (ReportError for one that is not a compliance.json)."""
    found = []
    for path in paths:
        doc = load_document(path, check_digest=False)
        report = path.parent / "report.html"
        href = Path(os.path.relpath(report, out_dir)).as_posix() if report.exists() else None
        found.append(Column(path, doc, _label(doc), href, digest_ok(doc)))
    labels = [c.label for c in found]
    for column in found:
        if labels.count(column.label) > 1:
            column.label = f"{column.label} ({column.path.parent.name or column.path.name})"
    return found


def _label(doc: dict[str, Any]) -> str:
    if doc.get("profile"):
        return str(doc["profile"]["name"])
    if doc["target"]["embedded"]:
        return "embedded reference"
    return str(urlsplit(doc["target"]["base_url"]).netloc)


def score(doc: dict[str, Any]) -> str:
    """`MUST 33/33 · SHOULD 8/8`: passed of judged (not skipped, not run) per level."""
    parts = []
    for level in ("MUST", "SHOULD"):
        judged = [
            r
            for r in doc["requirements"]
            if r["level"] == level and r["verdict"] not in ("SKIP", "NOT RUN")
        ]
        passed = sum(1 for r in judged if r["verdict"] == "PASS")
        parts.append(f"{level} {passed}/{len(judged)}")
    return " · ".join(parts)


def standing(doc: dict[str, Any]) -> str:
    """The score cell's colour: PASS only when every MUST that ran passed (or is a known
    deviation) and nothing broke; INCONCLUSIVE (amber) when the run was interrupted or judged
    nothing, whatever it found before; FAIL when something failed or broke; INCONCLUSIVE when a
    MUST could not be judged. A document without a run verdict is judged from its rows."""
    verdicts = {r["verdict"] for r in doc["requirements"]}
    must = {r["verdict"] for r in doc["requirements"] if r["level"] == "MUST"}
    if doc.get("verdict") in ("INTERRUPTED", "NOTHING JUDGED"):
        return "INCONCLUSIVE"
    if doc.get("verdict") in ("FAILED", "ERROR", "SETUP FAILED") or verdicts & {"FAIL", "ERROR"}:
        return "FAIL"
    if doc.get("verdict") == "INCONCLUSIVE" or "INCONCLUSIVE" in must:
        return "INCONCLUSIVE"
    return "PASS"


def _rows(cols: list[Column]) -> list[tuple[str, str, str]]:
    """(id, level, tooltip) of every requirement of any run, in catalogue order."""
    rows: dict[str, tuple[str, str, str]] = {}
    for column in cols:
        for r in column.doc["requirements"]:
            grounds = f"“{r['quote']}”" if r.get("quote") else str(r.get("basis") or "")
            rows.setdefault(r["id"], (r["id"], r["level"], f"{r['summary']} — {grounds}"))
    return list(rows.values())


def _notes(column: Column) -> list[str]:
    notes = []
    if not column.doc["complete"]:
        notes.append("INCOMPLETE")
    if not column.digest_ok:
        notes.append("DIGEST MISMATCH")
    if column.doc["target"]["embedded"]:
        notes.append("not a vendor result")
    return notes


def render_html(cols: list[Column], title: str = TITLE) -> str:
    return markup.render(
        "matrix.html",
        title=title,
        cols=cols,
        rows=_rows(cols),
        legend=list(EMOJI),
        generated=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        score=score,
        score_class=standing,
        notes=_notes,
    )


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _badge(column: Column) -> str:
    def field(text: str) -> str:
        return quote(text.replace("-", "--").replace("_", "__"), safe="")

    colours = {"FAIL": "red", "INCONCLUSIVE": "orange", "PASS": "brightgreen"}
    colour = colours[standing(column.doc)]
    url = f"https://img.shields.io/badge/{field(column.label)}-{field(score(column.doc))}-{colour}"
    return f"![{_md(column.label)}: {_md(score(column.doc))}]({url})"


def render_md(cols: list[Column], title: str = TITLE) -> str:
    header = "| | " + " | ".join(_md(c.label) for c in cols) + " |"
    rule = "|---|" + "---|" * len(cols)
    lines = [f"## {title}", "", header, rule]
    lines.append("| model | " + " | ".join(_md(str(c.doc["model"])) for c in cols) + " |")
    lines.append(
        "| score | "
        + " | ".join(f"**{_md(score(c.doc))}**" + "".join(f" {n}" for n in _notes(c)) for c in cols)
        + " |"
    )
    lines.append("| headline | " + " | ".join(_md(c.doc["headline"]) for c in cols) + " |")
    lines.append(
        "| report | "
        + " | ".join(f"[report.html]({c.report})" if c.report else "-" for c in cols)
        + " |"
    )
    lines += ["", "| Requirement | Level | " + " | ".join(_md(c.label) for c in cols) + " |"]
    lines.append("|---|---|" + "---|" * len(cols))
    for rid, level, _ in _rows(cols):
        cells = []
        for c in cols:
            r = c.verdict(rid)
            cells.append(f"{EMOJI[r['verdict']]} {r['verdict']}" if r else "")
        lines.append(f"| {rid} | {level} | " + " | ".join(cells) + " |")
    lines += ["", " ".join(_badge(c) for c in cols), ""]
    return "\n".join(lines)
