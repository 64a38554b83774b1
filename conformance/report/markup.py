"""HTML pieces shared by the run report (pytest-html's summary) and the vendor matrix: verdict
colours, the recent-verdict strip, and the run's own summary section, all rendered from a
compliance.json document.
"""

from __future__ import annotations

from html import escape
from typing import Any

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
.ucc-banner-INCONCLUSIVE { background: #ffe0b2; color: #8a4b00; border: 2px solid #fd7e14; }
.ucc-flag { color: #856404; }
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


def badge(verdict: str, title: str | None = None) -> str:
    tip = f" title='{escape(title, quote=True)}'" if title else ""
    css = verdict.replace(" ", "-")
    return f"<span class='ucc-v ucc-v-{css}'{tip}>{escape(verdict)}</span>"


def strip(history: dict[str, Any] | None) -> str:
    """The recent verdicts, oldest first, as coloured squares; and since when it fails."""
    if not history:
        return ""
    squares = "".join(
        f"<span style='background:{STRIP_COLOURS.get(h['verdict'], '#fff')}' "
        f"title='{escape(h['started_at'])}: {escape(h['verdict'])}'></span>"
        for h in history["recent"]
    )
    since = history.get("failing_since")
    note = f" <span class='ucc-since'>failing since {escape(since[:10])}</span>" if since else ""
    return f"<span class='ucc-strip'>{squares}</span>{note}"


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
    became readable within 30 s (setting up UCC-RESP-STATUS); 12 updates never became
    visible: the first within 30 s (in UCC-META-ROUNDTRIP-RETRIEVE), 11 more on a single read
    (waits cut short after the first)"."""
    lost = document.get("writes_never_visible") or []
    parts = []
    for kind, noun, verb in (
        ("create", "new stored completion", "became readable"),
        ("update", "update", "became visible"),
    ):
        mine = [w for w in lost if w["kind"] == kind]
        if not mine:
            continue
        first = mine[0]
        text = (
            f"{len(mine)} {noun}{'s' if len(mine) > 1 else ''} never {verb}: "
            f"the first within {first['bound_s']:g} s (in {first['requirement']})"
        )
        if len(mine) > 1:
            text += f", {len(mine) - 1} more on a single read (waits cut short after the first)"
        parts.append(text)
    return "; ".join(parts) or None


def cost_line(document: dict[str, Any]) -> str:
    delay = document["max_storage_delay_s"]
    line = (
        f"requests sent: {document['requests_sent']}; completions created: "
        f"{document['completions_created']}"
        + (f"; slowest write to become readable: {delay:.2f} s" if delay is not None else "")
    )
    if document.get("rate_limit_retries"):
        line += (
            f"; rate-limited answers retried: {document['rate_limit_retries']} "
            f"(waited {document.get('rate_limit_wait_s', 0):.1f} s)"
        )
    if document.get("connection_retries"):
        line += f"; connection retries: {document['connection_retries']}"
    return line


# pytest-html puts its Environment table first; the verdicts matter more, so it goes last.
REPORT_CSS = """
body { display: flex; flex-direction: column; }
#environment-header, #environment { order: 1; }
.logwrapper .log { overflow-wrap: anywhere; }
"""


def run_summary(document: dict[str, Any]) -> list[str]:
    """The top of a run's HTML report: target, headline, profile, baseline, verdict table."""
    parts = [f"<style>{CSS}{REPORT_CSS}</style>", banner(document)]
    if not document["complete"]:
        parts.append(
            f"<p class='ucc-incomplete' id='incomplete'>INCOMPLETE: {escape(document['stopped'])}"
            " — the verdicts cover only the cases that ran</p>"
        )
    parts += [
        f"<p><b>Target:</b> {escape(target_label(document))}; model "
        f"{escape(str(document['model']))}</p>",
        f"<p>{escape(cost_line(document))}; started {escape(document['started_at'])}, "
        f"{document['duration_s']:.1f} s</p>",
    ]
    parts += _profile(document.get("profile")) + _baseline(document.get("baseline"))
    parts.append(_verdict_table(document))
    parts += _failing_cases(document)
    spec = document["spec"]
    parts.append(
        f"<p style='font-size:85%'>spec sha256 {spec['openapi']['sha256'][:16]}…, requirements "
        f"sha256 {spec['requirements']['sha256'][:16]}…; compliance.json digest "
        f"{escape(document.get('digest', {}).get('value', '')[:16])}…</p>"
    )
    return parts


def grounds(requirement: dict[str, Any]) -> str:
    """The page's words in italics, then the basis: what the requirement rests on."""
    parts = [f"<i>“{escape(requirement['quote'])}”</i>"] if requirement.get("quote") else []
    if requirement.get("basis"):
        parts.append(escape(requirement["basis"]))
    return " ".join(parts)


def banner(document: dict[str, Any]) -> str:
    """The overall verdict, coloured, first thing on the page: the headline a reader quotes."""
    verdict = document.get("verdict", "PASSED")
    css = verdict.replace(" ", "-")
    return (
        f"<p class='ucc-banner ucc-banner-{css}' id='run-verdict'>"
        f"{escape(document['headline'])}</p>"
    )


def _profile(profile: dict[str, Any] | None) -> list[str]:
    if not profile:
        return []
    waived = sum(1 for d in profile["deviations"] if d["status"] == "xfail")
    parts = [
        f"<p><b>Profile:</b> {escape(profile['name'])}: {len(profile['deviations'])} known "
        f"deviation(s), {waived} reported as XFAIL</p>"
    ]
    if profile["flags"]:
        items = "".join(f"<li>{escape(f['message'])}</li>" for f in profile["flags"])
        parts.append(f"<ul id='profile-flags' class='ucc-flag'>{items}</ul>")
    return parts


def _baseline(baseline: dict[str, Any] | None) -> list[str]:
    if not baseline:
        return []
    rows = "".join(
        f"<tr><th>{title}</th><td>{escape(', '.join(baseline[key]) or '-')}</td></tr>"
        for title, key in (
            ("new failures", "regressions"),
            ("fixed", "fixed"),
            ("still failing", "still_failing"),
        )
    )
    return [
        f"<p><b>Baseline:</b> run of {escape(baseline['started_at'])}"
        + ("" if baseline["same_target"] else " (another target)")
        + "</p>",
        f"<table class='ucc' id='baseline-diff'>{rows}</table>",
    ]


def _verdict_table(document: dict[str, Any]) -> str:
    with_history = document.get("history") is not None
    numbers = _case_numbers(document)
    rows = []
    for r in document["requirements"]:
        if r["verdict"] == "NOT RUN":
            continue
        links = " ".join(
            f"<a href='#case-{numbers[c['nodeid']]}'>case {numbers[c['nodeid']]}</a>"
            for c in r["cases"]
            if c["nodeid"] in numbers
        )
        rows.append(
            f"<tr id='req-{escape(r['id'])}' class='verdict-{r['verdict'].lower()}'>"
            f"<td>{escape(r['id'])}</td><td>{r['level']}</td>"
            f"<td>{badge(r['verdict'])}</td><td>{escape(detail(r))}</td>"
            + (f"<td>{strip(r.get('history'))}</td>" if with_history else "")
            + f"<td>{links}</td><td>{grounds(r)}</td></tr>"
        )
    head = (
        "<th>Requirement</th><th>Level</th><th>Verdict</th><th>Observation / failure</th>"
        + ("<th>Recent runs</th>" if with_history else "")
        + "<th>Failing cases</th><th>The page says (and the basis)</th>"
    )
    return (
        f"<table class='ucc' id='requirement-verdicts'><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _case_numbers(document: dict[str, Any]) -> dict[str, int]:
    """Each case with a transcript gets a number, its anchor in the failing-cases section."""
    ids = [c["nodeid"] for r in document["requirements"] for c in r["cases"] if "transcript" in c]
    return {nodeid: i for i, nodeid in enumerate(dict.fromkeys(ids), 1)}


def _failing_cases(document: dict[str, Any]) -> list[str]:
    numbers = _case_numbers(document)
    if not numbers:
        return []
    parts = ["<h3 id='failing-cases'>Failing cases</h3>"]
    for r in document["requirements"]:
        for c in r["cases"]:
            if "transcript" not in c:
                continue
            parts.append(
                f"<details id='case-{numbers[c['nodeid']]}'><summary>{badge(c['verdict'])} "
                f"{escape(c['nodeid'])}</summary>"
                f"<pre class='ucc-transcript'>{escape(c['transcript'])}</pre></details>"
            )
    return parts
