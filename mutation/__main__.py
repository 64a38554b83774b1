"""make mutation: how many small faults of the reference server the suite notices.

    .venv/bin/python -m mutation [--file=app.py] [--max-mutants=N] [--fuzz] [--fresh]
                                 [--rerun-survivors] [--timeout=S] [--report-only]

Runs what is pending of the campaign (resuming a stopped one), then writes
reports/mutation.json and reports/mutation.md from every result so far. Not part of
`make test`: a full campaign runs the suite once per mutant, several hundred times.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import subprocess
import time
from pathlib import Path
from typing import Any

from mutation import campaign, report

TRIAGE = campaign.ROOT / "tests" / "faults" / "mutants.md"


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=campaign.ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mutation", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--file",
        action="append",
        default=[],
        help="mutate only this file (app.py, store.py); repeatable",
    )
    parser.add_argument(
        "--max-mutants",
        type=int,
        help="run at most N of the pending mutants (a fixed random sample)",
    )
    parser.add_argument(
        "--fuzz", action="store_true", help="run the fuzz cases too (a separate session; slower)"
    )
    parser.add_argument(
        "--fresh", action="store_true", help="forget earlier results and start over"
    )
    parser.add_argument(
        "--rerun-survivors",
        action="store_true",
        help="run the surviving mutants again (after new cases)",
    )
    parser.add_argument(
        "--mutant",
        action="append",
        default=[],
        help="run this mutant again (its id in the report, e.g. app-0a771e64); repeatable",
    )
    parser.add_argument(
        "--timeout", type=float, help="seconds a mutant's run may take (default: cosmic-ray.toml)"
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="run nothing; write the report from the results so far",
    )
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=campaign.ROOT / "reports",
        help="where reports go (default: reports)",
    )
    args = parser.parse_args(argv)
    if args.max_mutants is not None and args.max_mutants < 1:
        parser.error("--max-mutants must be 1 or more")
    if args.timeout is not None and args.timeout <= 0:
        parser.error("--timeout must be more than 0")
    settings = campaign.Settings(
        out_dir=args.out_dir / "mutation",
        files=tuple(args.file),
        fuzz=args.fuzz,
        fresh=args.fresh,
        rerun_survivors=args.rerun_survivors,
        max_mutants=args.max_mutants,
        timeout=args.timeout,
        mutants=tuple(args.mutant),
    )
    started = time.monotonic()
    ran = 0
    if not args.report_only:
        lines: list[str] = []

        def say(line: str) -> None:
            lines.append(line)
            print(line, flush=True)

        campaign.run(settings, say)
        ran = sum(1 for line in lines if line.startswith("["))
    wall = time.monotonic() - started
    meta: dict[str, Any] = {
        "date": report.now(),
        "commit": _commit(),
        "tool_version": importlib.metadata.version("cosmic-ray"),
        "mode": "with fuzz cases" if args.fuzz else "--no-fuzz",
        "ran": ran,
        "wall_s": round(wall, 1),
    }
    doc = report.build(campaign.session_files(settings.out_dir, args.fuzz), TRIAGE, meta)
    name = "mutation-fuzz" if args.fuzz else "mutation"
    (args.out_dir / f"{name}.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")
    (args.out_dir / f"{name}.md").write_text(report.markdown(doc), encoding="utf-8")
    totals = doc["totals"]
    print(
        f"mutants: {totals['generated']} generated, {totals['tested']} tested, "
        f"{totals['killed']} killed ({totals['killed_by_timeout']} by timeout), "
        f"{totals['survived']} survived ({totals['equivalent']} equivalent, "
        f"{totals['untriaged']} untriaged), {totals['pending']} pending; "
        f"score {report._pct(totals['score'])}, target paths {report._pct(doc['target']['score'])}"
    )
    print(f"wall time {wall:.0f} s; reports: {args.out_dir / name}.json, {args.out_dir / name}.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
