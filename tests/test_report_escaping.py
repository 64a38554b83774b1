"""A hostile compliance document cannot inject markup into the run report or the matrix.

Everything a document holds is text that came from a target (observations, failure messages,
transcripts) or from files anyone can edit (profile names, deviation reasons, a forged
compliance.json handed to the matrix). The templates escape it all; this checks every place a
document's text reaches the HTML, by parsing what was rendered: no element and no attribute
came from the document, and its text is still shown (escaped, not dropped).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from conformance.report import job_summary, markup, matrix
from conformance.report.compliance import build
from conformance.requirements import catalogue
from conformance.settings import Settings
from conformance.verdicts import CaseResult, Verdict, summarize

HOSTILE = """<script>alert(1)</script>"' onmouseover="alert(2)" x='<img src=x onerror=alert(3)>"""


# Where the document's text reaches each page (the names label the text put in each field).
SUMMARY_FIELDS = ["stopped", "url", "model", "headline", "profile", "flag", "baseline"]
SUMMARY_FIELDS += ["regression", "message", "observation", "reason", "quote", "run", "verdict"]
SUMMARY_FIELDS += ["nodeid", "transcript", "id"]
MATRIX_FIELDS = ["title", "label", "href", "model", "headline", "suite_version", "id", "summary"]
MATRIX_FIELDS += ["quote", "message", "observation", "reason", "run", "verdict"]


def h(field: str) -> str:
    """HOSTILE, labelled with the field it is put in, to find it again on the page."""
    return f"[{field}]{HOSTILE}"


class Elements(HTMLParser):
    """The tags and attribute names of a page, and its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)
        self.text += [value for _, value in attrs if value]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> Elements:
    elements = Elements()
    elements.feed(page)
    elements.close()
    return elements


def hostile_document() -> dict[str, Any]:
    """A document whose every free text is HOSTILE: one failing requirement with a transcript,
    an observation, a profile with a flag and a deviation, a baseline and a history strip."""
    ids = list(catalogue())
    failing, observed, waived = ids[0], ids[1], ids[2]
    cases = [
        CaseResult(
            f"case::{rid}::{h('nodeid')}",
            rid,
            Verdict.FAIL if rid == failing else Verdict.PASS,
            message=h("message") if rid == failing else None,
            observation=h("observation") if rid == observed else None,
            transcript=h("transcript") if rid == failing else None,
        )
        for rid in ids
    ]
    settings = Settings(base_url=f"http://vendor.test/v1/{h('url')}", api_key="k", model=h("model"))
    doc = build(
        run_id="0123456789abcdef",
        settings=settings,
        totals={"requests_sent": 1, "completions_created": 1, "max_storage_delay_s": None},
        started=1_790_000_000,
        duration=1.0,
        results=summarize(catalogue(), cases),
        stopped=h("stopped"),
    )
    doc["headline"] = h("headline")
    doc["suite_version"] = h("suite_version")
    doc["profile"] = {
        "name": h("profile"),
        "deviations": [{"requirement": waived, "status": "xfail"}],
        "flags": [{"message": h("flag")}],
    }
    doc["baseline"] = {
        "started_at": h("baseline"),
        "same_target": False,
        "regressions": [h("regression")],
        "fixed": [],
        "still_failing": [],
    }
    doc["history"] = {"window": 10}
    for requirement in doc["requirements"]:
        requirement["quote"], requirement["summary"] = h("quote"), h("summary")
        requirement["history"] = {
            "recent": [{"started_at": h("run"), "verdict": h("verdict")}],
            "failing_since": h("failing_since")[:10],
        }
    doc["requirements"][2]["verdict"] = "XFAIL"
    doc["requirements"][2]["deviation"] = {
        "status": "xfail",
        "expires": h("expires"),
        "reason": h("reason"),
    }
    doc["requirements"][3]["id"] = h("id")  # a forged file: even an ID is text
    return doc


def assert_escaped(page: str, fields: list[str]) -> None:
    """No element or attribute came from the document, and each field's text is shown."""
    elements = parse(page)
    assert elements.tags.isdisjoint({"script", "img"}), elements.tags
    assert not {a for a in elements.attributes if a.startswith("on") or a == "x"}
    shown = "\n".join(elements.text)
    assert [f for f in fields if h(f) not in shown] == []


def test_run_summary_escapes_every_field() -> None:
    page = "".join(markup.run_summary(hostile_document()))

    assert_escaped(page, SUMMARY_FIELDS)
    assert "failing since [failing_" in "\n".join(parse(page).text)


def test_matrix_escapes_every_field(tmp_path: Path) -> None:
    column = matrix.Column(
        tmp_path / "c.json", hostile_document(), h("label"), f"{h('href')}/report.html", True
    )

    page = matrix.render_html([column], title=h("title"))

    assert_escaped(page, MATRIX_FIELDS)


def test_job_summary_keeps_hostile_text_inside_its_cells() -> None:
    """GitHub renders the job summary as Markdown with HTML: a pipe must not end a cell, a
    tag must not become an element."""
    text = job_summary.render(hostile_document())

    assert "<script>" not in text and "<img" not in text
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(rows) > 3
    assert all(len(re.findall(r"(?<!\\)\|", row)) == 5 for row in rows)
    assert "&lt;script&gt;" in text
