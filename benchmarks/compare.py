"""The previous bench.json beside the new figures, so that a slowdown shows in review.

The previous file is read before the new one overwrites it. Files written by older versions
of the benchmark lack figures this one prints (the start-up to the first case, the scaling
rows): a figure missing on either side prints as "-" and nothing fails, since an old file is
the normal case the first time a figure is added.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

# The figures compared, per row: (column, how to print it).
COLUMNS: Final = (
    ("wall_s", "wall s", ".2f"),
    ("requests", "requests", ""),
    ("floor", "floor", ""),
    ("overhead_ratio", "overhead", ".2f"),
    ("overhead_vs_floor", "vs floor", ".2f"),
    ("to_first_case_s", "1st case s", ".2f"),
)
# Settings that make two files' figures incomparable when they differ.
SETTINGS: Final = ("delay_ms", "fuzz_examples", "repeat")


def load_previous(path: Path | None) -> tuple[dict[str, Any] | None, str | None]:
    """The previous figures, or None and why not (a file that cannot be read is no reason to
    lose a benchmark run: it is reported, not raised)."""
    if path is None:
        return None, "comparison off"
    if not path.exists():
        return None, f"no previous figures ({path} does not exist)"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return None, f"previous figures unreadable ({path}: {exc})"
    if not isinstance(data, dict):
        return None, f"previous figures unreadable ({path}: not a JSON object)"
    return data, None


def provenance(path: Path, previous: dict[str, Any]) -> dict[str, Any]:
    """What the new file records about the one it was compared with."""
    machine = previous.get("machine") or {}
    return {"path": str(path), "git_commit": machine.get("git_commit"), "date": machine.get("date")}


def rows(result: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Every comparable row of a bench.json, by a key stable across runs: label and figures."""
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    for key, figures in (result.get("runs") or {}).items():
        out[key] = (str(figures.get("label", key)), _run_figures(figures))
    for row in result.get("scaling") or []:
        examples = row.get("examples")
        out[f"scaling_{examples}"] = (str(row.get("label", f"{examples} examples")), row)
    return out


def _run_figures(figures: dict[str, Any]) -> dict[str, Any]:
    """A run's compared figures under the column names (some are nested in bench.json)."""
    return {
        **figures,
        "floor": (figures.get("floor") or {}).get("floor"),
        "to_first_case_s": (figures.get("phases_s") or {}).get("to_first_case"),
    }


def settings_differences(result: dict[str, Any], previous: dict[str, Any]) -> list[str]:
    """The settings that differ between the two files (a file without one says nothing)."""
    now, then = result.get("settings") or {}, previous.get("settings") or {}
    return [
        f"{name} differs: now {now.get(name)}, before {then[name]}"
        for name in SETTINGS
        if name in then and then[name] != now.get(name)
    ]
