"""The benchmark's figures as text: what `make bench` prints.

One function per part of the printout, each reading only the figures (the dict run.py also
writes as bench.json), so a part can be changed without touching the measurements.
"""

from __future__ import annotations

from typing import Any

from compare import COLUMNS, rows, settings_differences


def _cell(value: Any, spec: str = "") -> str:
    if value is None:
        return "-"
    return format(value, spec) if spec else str(value)


def _figure(value: Any) -> str:
    """A target's figure: seconds and ratios to two decimals, counts as they are."""
    return _cell(value, ".2f" if isinstance(value, float) else "")


def _yes(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "no")


def table(
    result: dict[str, Any], previous: dict[str, Any] | None = None, why_not: str | None = None
) -> str:
    """The figures as text, and beside them the previous file's (or why there are none)."""
    runs = list(result["runs"].values())
    parts = [
        _preamble(result),
        _runs_table(runs),
        _phases_table(runs),
        _startup(result["startup"]),
        _notes(result, runs),
        _requests_at_latency(result),
        _scaling(result.get("scaling", []), result["settings"]),
        _reference_load(result["reference_load"]),
        _targets(result["targets"], previous),
        _compared(result, previous, why_not),
    ]
    return "\n".join(line.rstrip() for part in parts for line in part)


def _preamble(result: dict[str, Any]) -> list[str]:
    """The machine, the repetitions and the bare request latency the ratios divide by."""
    m, s = result["machine"], result["settings"]
    lat = result["bare_request_latency"]
    return [
        f"machine: {m['nproc']} cores, {m['cpu_model']}, Python {m['python']}, {m['date']} "
        f"(commit {m['git_commit']}, {m['git_dirty_files']} uncommitted files)",
        f"up to {s['repeat']} runs each (n; medians), within the time budget; fuzz budget: "
        f"{s['fuzz_examples']} examples ({s['fuzz_examples_source']})",
        "bare httpx request, median: "
        + ", ".join(
            f"{k.removeprefix('loopback_')} server {v['median_s'] * 1000:.2f} ms"
            for k, v in lat.items()
        ),
    ]


def _runs_table(runs: list[dict[str, Any]]) -> list[str]:
    """One row per scenario: time, requests, completions, overhead, exit codes."""
    header = (
        f"{'run':<34} {'n':>2} {'wall s':>7} {'CPU s':>6} {'requests':>8} {'floor':>6} "
        f"{'created':>7} {'overhead':>8} {'vs floor':>8} {'exit':>6}"
    )
    lines = ["", header, "-" * len(header)]
    for figures in runs:
        floor = figures.get("floor", {}).get("floor")
        rcs = ",".join(str(rc) for rc in figures["exit_codes"])
        lines.append(
            f"{figures['label']:<34} {figures['repetitions']:>2} "
            f"{figures['wall_s']:>7.2f} {figures['cpu_s']:>6.1f} "
            f"{_cell(figures['requests']):>8} {_cell(floor):>6} "
            f"{_cell(figures['completions_created']):>7} "
            f"{_cell(figures.get('overhead_ratio'), '.2f'):>8} "
            f"{_cell(figures.get('overhead_vs_floor'), '.2f'):>8} {rcs:>6}"
        )
    return lines


def _phases_table(runs: list[dict[str, Any]]) -> list[str]:
    """Where each scenario's wall time goes, and when xdist workers were ready."""
    header = (
        f"{'where the wall time goes (s)':<34} {'start-up':>8} {'collect':>7} {'cases':>6} "
        f"{'reports':>7} {'1st case':>8}  xdist workers ready at"
    )
    lines = ["", header, "-" * len(header)]
    for figures in runs:
        if "phases_s" not in figures:
            continue
        p = figures["phases_s"]
        workers = ", ".join(
            f"{name} {w.get('start_up', 0) + w.get('collection', 0):.1f}"
            for name, w in figures.get("worker_phases_s", {}).items()
        )
        lines.append(
            f"{figures['label']:<34} {_cell(p.get('start_up'), '.2f'):>8} "
            f"{_cell(p.get('collection'), '.2f'):>7} {_cell(p.get('cases'), '.2f'):>6} "
            f"{_cell(p.get('reports_and_exit'), '.2f'):>7} "
            f"{_cell(p.get('to_first_case'), '.2f'):>8}  {workers}"
        )
    lines.append("(1st case: from the spawn of the process to the first case starting)")
    return lines


def _notes(result: dict[str, Any], runs: list[dict[str, Any]]) -> list[str]:
    """What the ratios mean, the machine's load, xdist and the fuzz cases' own cost."""
    m, s = result["machine"], result["settings"]
    lines = [
        "",
        "overhead = wall / (requests x median bare request latency of that server), 1.0 = the "
        "limit of a sequential run;\nvs floor = the same with the floor of requests instead; "
        "embedded rows use the 0 ms loopback server's latency",
    ]
    worst = max(f["load_avg_max"] for f in runs)
    if worst > m["nproc"]:
        lines.append(
            f"NOTE: load average up to {worst:.1f} on {m['nproc']} cores during the runs: other "
            "work competed for the CPU; wall times are inflated, CPU seconds much less"
        )
    for name, check in result.get("xdist", {}).items():
        lines.append(
            f"-n 2 vs sequential ({name}): speed-up x{check['speed_up']}, "
            f"{'works' if check['works'] else 'BROKEN'} (exit 0: {check['exit_0']}, one "
            f"compliance.json: {check['one_compliance_json']}, all cases merged: "
            f"{check['all_cases_merged']}, request totals agree: {check['request_totals_agree']}"
            f"), completions created {check['completions_created']}"
        )
    alone = result.get("fuzz_cases_alone")
    if alone:
        lines.append(
            f"fuzz cases alone at the {s['delay_ms']:g} ms server (default - --no-fuzz): "
            f"+{alone['wall_s']:.2f} s for +{alone['requests']} requests, overhead "
            f"{_cell(alone['overhead_ratio'], '.2f')}; schemathesis run: "
            f"{_cell(result['runs']['schemathesis'].get('overhead_ratio'), '.2f')}"
        )
    return lines


def _requests_at_latency(result: dict[str, Any]) -> list[str]:
    """The requests the vendor-like run sent against its floor, and where its time went."""
    late, delay = result["runs"]["latency"], result["settings"]["delay_ms"]
    if "floor" not in late:
        return []
    f = late["floor"]
    lines = [
        f"requests at the {delay:g} ms server: {f['sent']} sent, floor {f['floor']} "
        f"= {f['floor_cases']} hand-written cases + {f['floor_fixtures']} creates/deletes + "
        f"{f['floor_fuzz']} distinct fuzz inputs and read-backs (fuzz sent {f['fuzz_sent']})",
        "  by kind: " + ", ".join(f"{k} {v}" for k, v in f["by_kind"].items()),
    ]
    for group, c in late.get("case_costs", {}).items():
        lines.append(
            f"  {group}: {c['count']} cases, {c['time_s']:.2f} s = {c['requests']} requests "
            f"{c['wire_s']:.2f} s on the wire ({_cell(c['wire_per_request_ms'], '.1f')} "
            f"ms each) + {c['own_s']:.2f} s in the suite"
        )
    return lines


def _reference_load(load: dict[str, Any]) -> list[str]:
    return [
        "",
        f"reference server: {load['updates_per_s']:.0f} updates/s ({load['threads']} threads x "
        f"{load['updates_each']}), p50 {load['p50_ms']:.2f} ms, p99 {load['p99_ms']:.2f} ms, "
        f"errors {load['errors']}",
        f"  server busy {_cell(load['server_cpu_share'], '.0%')} of one core, "
        f"{_cell(load['server_cpu_ms_per_update'])} ms CPU per update: about "
        f"{_cell(load['server_updates_per_core_s'], '.0f')} updates/s per core if saturated",
    ]


def _startup(startup: dict[str, Any]) -> list[str]:
    """Start-up as its own figure: the wait before anything is checked, and the heavy
    imports already paid for by then (each of them needed by some cases only)."""
    loaded = [row["modules_loaded_at_first_case"] or {} for row in startup.values()]
    names = list(dict.fromkeys(name for modules in loaded for name in modules))
    header = f"{'run':<34} {'s':>6}  " + "  ".join(f"{name:>12}" for name in names)
    lines = [
        "",
        "start-up: from the spawn of the process to the first case starting (s), and whether "
        "each heavy module was imported by then",
        header,
        "-" * len(header),
    ]
    for row, modules in zip(startup.values(), loaded, strict=True):
        lines.append(
            f"{row['label']:<34} {_cell(row['to_first_case_s'], '.2f'):>6}  "
            + "  ".join(f"{_yes(modules.get(name)):>12}" for name in names)
        )
    return lines


def _scaling(scaling: list[dict[str, Any]], settings: dict[str, Any]) -> list[str]:
    """The cost of more power: the vendor-like run at growing example budgets, and what each
    added example cost since the row before (constant if the cost grows linearly)."""
    if not scaling:
        return []
    header = (
        f"{'examples':>8} {'n':>2} {'wall s':>7} {'requests':>8} {'floor':>6} {'req/floor':>9} "
        f"{'overhead':>8} {'vs floor':>8} {'+requests/ex':>12} {'+s/ex':>6} {'exit':>5}"
    )
    lines = [
        "",
        f"cost of more power: the {settings['delay_ms']:g} ms server run by --fuzz-examples "
        "(n: runs); the default budget's row (*) is the default run above,",
        "+requests/ex and +s/ex: what each example added since the row before cost",
        header,
        "-" * len(header),
    ]
    for row in scaling:
        added = row["per_added_example"]
        star = "*" if row["examples"] == settings["fuzz_examples"] else ""
        lines.append(
            f"{str(row['examples']) + star:>8} {row['repetitions']:>2} {row['wall_s']:>7.2f} "
            f"{_cell(row['requests']):>8} {_cell(row['floor']):>6} "
            f"{_cell(row['requests_per_floor'], '.2f'):>9} "
            f"{_cell(row['overhead_ratio'], '.2f'):>8} {_cell(row['overhead_vs_floor'], '.2f'):>8} "
            f"{_cell(added['requests'], '.1f'):>12} {_cell(added['wall_s'], '.3f'):>6} "
            f"{','.join(map(str, row['exit_codes'])):>5}"
        )
    return lines


def _targets(targets: dict[str, Any], previous: dict[str, Any] | None) -> list[str]:
    """Figure, target and whether it is met, never asserted; the previous figure beside."""
    before = (previous or {}).get("targets") or {}
    header = (
        f"{'targets (printed, not asserted)':<44} {'figure':>7} {'before':>7} {'target':>8}  met"
    )
    lines = ["", header, "-" * len(header)]
    for name, t in targets.items():
        then = (before.get(name) or {}).get("figure")
        lines.append(
            f"{t['label']:<44} {_figure(t['figure']):>7} {_figure(then):>7} {t['target']:>8}  "
            f"{'met' if t['met'] else 'NOT met'}"
        )
    return lines


def _compared(
    result: dict[str, Any], previous: dict[str, Any] | None, why_not: str | None
) -> list[str]:
    """The main figures beside the previous file's: each cell "now (before)"."""
    if previous is None:
        return ["", f"compared with: nothing; {why_not}"]
    since = result.get("compared_with") or {}
    lines = [
        "",
        f"compared with {since.get('path')} (commit {since.get('git_commit') or '-'}, "
        f"{since.get('date') or '-'}); each cell: now (before)",
        *(f"NOTE: {difference}" for difference in settings_differences(result, previous)),
    ]
    before = rows(previous)
    grid = [["run", *(title for _, title, _ in COLUMNS)]]
    for key, (label, now) in rows(result).items():
        then = before.get(key, ("", {}))[1]
        grid.append(
            [label, *(f"{_cell(now.get(n), f)} ({_cell(then.get(n), f)})" for n, _, f in COLUMNS)]
        )
    return lines + _aligned(grid)


def _aligned(grid: list[list[str]]) -> list[str]:
    """Columns padded to their widest cell: labels to the left, figures to the right."""
    widths = [max(len(row[i]) for row in grid) for i in range(len(grid[0]))]
    lines = []
    for row in grid:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells))
    lines.insert(1, "-" * len(lines[0]))
    return lines
