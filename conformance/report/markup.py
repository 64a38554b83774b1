"""HTML shared by the run report (pytest-html's summary) and the vendor matrix: the templates
(conformance/report/templates, Jinja2 with autoescape), the verdict colours, and the plain
functions that turn a compliance.json document into the texts they show.

Every value of a document is text from a target or a vendor's files, so it is escaped
wherever a template puts it; only the CSS constants here go in as they are.
"""

from __future__ import annotations

import functools
from typing import Any

import jinja2
from markupsafe import Markup

from conformance.access import describe
from conformance.report.compliance import lost_writes

CSS = """
.ucc-v { font-weight: bold; padding: 1px 6px; border-radius: 3px; white-space: nowrap; }
.ucc-v-PASS { background: #d4edda; color: #155724; }
.ucc-v-FAIL { background: #f5c6cb; color: #721c24; }
.ucc-v-WARN { background: #ffeeba; color: #856404; }
.ucc-v-XFAIL { background: #e2d9f3; color: #4a2a7a; }
.ucc-v-INFO { background: #d1ecf1; color: #0c5460; }
.ucc-v-SKIP { background: #e9ecef; color: #495057; }
.ucc-v-INCONCLUSIVE { background: #ffe0b2; color: #8a4b00; }
.ucc-v-ERROR { background: #343a40; color: #ffffff; }
.ucc-v-NOT-RUN { background: #fafafa; color: #999999; }
.ucc-strip span { display: inline-block; width: 9px; height: 12px; margin-right: 1px;
  border: 1px solid #bbb; vertical-align: middle; }
.ucc-since { font-size: 85%; color: #721c24; }
.ucc-incomplete { background: #721c24; color: #fff; padding: 6px 10px; font-weight: bold; }
.ucc-banner { padding: 10px 14px; font-size: 120%; font-weight: bold; border-radius: 4px; }
.ucc-banner-PASSED { background: #d4edda; color: #155724; border: 2px solid #28a745; }
.ucc-banner-FAILED, .ucc-banner-ERROR, .ucc-banner-SETUP-FAILED {
  background: #f5c6cb; color: #721c24; border: 2px solid #dc3545; }
.ucc-banner-INCONCLUSIVE, .ucc-banner-INTERRUPTED, .ucc-banner-NOTHING-JUDGED {
  background: #ffe0b2; color: #8a4b00; border: 2px solid #fd7e14; }
.ucc-flag { color: #856404; }
.ucc-cause { padding: 8px 14px; margin: 4px 0; border-left: 6px solid #dc3545;
  background: #fdf0f1; }
table.ucc { border-collapse: collapse; margin: 8px 0; }
table.ucc th, table.ucc td { border: 1px solid #ddd; padding: 3px 6px; text-align: left;
  vertical-align: top; }
table.ucc th { background: #f3f3f3; }
pre.ucc-transcript { white-space: pre-wrap; background: #f8f8f8; padding: 6px; font-size: 85%; }
"""
STRIP_COLOURS = {
    "PASS": "#28a745",
    "FAIL": "#dc3545",
    "WARN": "#ffc107",
    "XFAIL": "#8e6cc7",
    "INFO": "#17a2b8",
    "SKIP": "#ced4da",
    "INCONCLUSIVE": "#fd7e14",
    "ERROR": "#343a40",
    "NOT RUN": "#ffffff",
}


def target_label(document: dict[str, Any]) -> str:
    url = document["target"]["base_url"]
    if document["target"]["embedded"]:
        return f"EMBEDDED REFERENCE SERVER at {url} (not a vendor result)"
    return str(url)


def detail(requirement: dict[str, Any]) -> str:
    """One line: the deviation, the observation, or the first failure message."""
    deviation = requirement.get("deviation")
    cases = requirement["cases"]
    # The message of a case that decided the verdict first (not a skipped sibling's).
    wanted = ("FAIL", "WARN") if requirement["verdict"] == "XFAIL" else (requirement["verdict"],)
    deciding = [c for c in cases if c["verdict"] in wanted]
    message = next((c["message"] for c in [*deciding, *cases] if c.get("message")), None)
    if deviation and requirement["verdict"] == "XFAIL":
        text = f"known deviation until {deviation['expires']}: {deviation['reason']}"
        return text + (f" — {message}" if message else "")
    if deviation and deviation["status"] == "xpass":
        return "XPASS: listed as a known deviation, but passes; clean the profile"
    if deviation and deviation["status"] == "expired":
        text = f"known deviation expired on {deviation['expires']}"
        return text + (f" — {message}" if message else "")
    text = requirement.get("observation") or message or ""
    return text.splitlines()[0] if text else ""


def lost_writes_line(document: dict[str, Any]) -> str | None:
    """The writes that never became visible, per kind, e.g. "1 new stored completion never
    became readable: the first within 30 s (in UCC-RESP-STATUS); 12 updates never became
    visible: the first within 30 s (in UCC-META-ROUNDTRIP-RETRIEVE), 11 more on a single read
    (waits cut short after the first)"."""
    return "; ".join(lost_writes(document.get("writes_never_visible") or []).values()) or None


def cost_line(document: dict[str, Any]) -> str:
    delay = document["max_storage_delay_s"]
    line = (
        f"requests sent: {document['requests_sent']}; completions created: "
        f"{document['completions_created']}"
        + (f"; slowest write to become readable: {delay:.2f} s" if delay is not None else "")
    )
    if document.get("rate_limit_retries") or document.get("rate_limit_gave_up"):
        line += (
            f"; rate-limited answers retried: {document.get('rate_limit_retries', 0)} "
            f"(waited {document.get('rate_limit_wait_s', 0):.1f} s)"
        )
        if document.get("rate_limit_gave_up"):
            line += (
                f", {document['rate_limit_gave_up']} request(s) still rate limited when the "
                "retry bounds ran out"
            )
    if document.get("connection_retries"):
        line += f"; connection retries: {document['connection_retries']}"
    return line


def rate_limit_headers_line(document: dict[str, Any]) -> str | None:
    """The rate limits the target announced, as it last did ("x-ratelimit-* last seen:
    limit-requests 60, remaining-requests 59, reset-requests 1s"); None when it sent none."""
    headers = document.get("rate_limit_headers") or {}
    if not headers:
        return None
    shown = ", ".join(
        f"{name.removeprefix('x-ratelimit-')} {value}" for name, value in sorted(headers.items())
    )
    return f"x-ratelimit-* last seen: {shown}"


# pytest-html puts its Environment table first; the verdicts matter more, so it goes last.
REPORT_CSS = """
body { display: flex; flex-direction: column; }
#environment-header, #environment { order: 1; }
.logwrapper .log { overflow-wrap: anywhere; }
"""


def run_summary(document: dict[str, Any]) -> list[str]:
    """The top of a run's HTML report: target, headline, profile, baseline, verdict table."""
    return [render("summary.html", doc=document, numbers=_case_numbers(document))]


def _case_numbers(document: dict[str, Any]) -> dict[str, int]:
    """Each case with a transcript gets a number, its anchor in the failing-cases section."""
    ids = [c["nodeid"] for r in document["requirements"] for c in r["cases"] if "transcript" in c]
    return {nodeid: i for i, nodeid in enumerate(dict.fromkeys(ids), 1)}


@functools.cache
def environment() -> jinja2.Environment:
    """The templates, with the helpers they call. StrictUndefined: a misspelt name fails the
    render (and a test) instead of leaving a blank in a report."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("conformance.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(
        css=Markup(CSS),
        report_css=Markup(REPORT_CSS),
        strip_colours=STRIP_COLOURS,
        detail=detail,
        target_label=target_label,
        cost_line=cost_line,
        access_lines=describe,
        rate_limit_headers_line=rate_limit_headers_line,
    )
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
