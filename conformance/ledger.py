"""The ledger: a file of the completions a run created and has not deleted yet.

Each id is written to it before the completion is used, so the ids of a run that crashed stay
there and the next run against the same base URL deletes them (`Ledger.sweep`). xdist workers
keep ledgers of their own beside the controller's, and a sweep reads them all.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from conformance.client import Exchange


class Ledger:
    """The ledger file of one process (None: no ledger is kept) and the base URL it is for."""

    def __init__(self, path: Path | None, base_url: str) -> None:
        self.path = path
        self.base_url = base_url

    def remember(self, completion_id: str) -> None:
        if self.path is not None:
            entries = _read(self.path)
            entries.append({"base_url": self.base_url, "id": completion_id})
            _write(self.path, entries)

    def forget(self, completion_id: str) -> None:
        if self.path is not None:
            entries = _read(self.path)
            _write(self.path, [e for e in entries if e["id"] != completion_id])

    def sweep(self, delete: Callable[[str], Exchange]) -> int:
        """Delete the completions a previous crashed run left at this base URL (its own ledger
        and those of xdist workers beside it); how many are gone."""
        if self.path is None:
            return 0
        swept = 0
        for path in sorted(self.path.parent.glob(f"{self.path.stem}*{self.path.suffix}")):
            entries = _read(path)
            mine = [e for e in entries if e["base_url"] == self.base_url]
            # Gone (200) or long absent (404): an id whose DELETE failed stays for the next run.
            gone = [e for e in mine if delete(e["id"]).status in (200, 404)]
            if gone:
                _write(path, [e for e in entries if e not in gone])
            swept += len(gone)
        return swept


def _read(ledger: Path) -> list[dict[str, str]]:
    if not ledger.exists():
        return []
    try:
        data = json.loads(ledger.read_text(encoding="utf-8"))
        return [e for e in data.get("completions", []) if {"base_url", "id"} <= set(e)]
    except (OSError, ValueError, AttributeError):
        return []


def _write(ledger: Path, entries: list[dict[str, str]]) -> None:
    if not entries:
        ledger.unlink(missing_ok=True)
        return
    ledger.parent.mkdir(parents=True, exist_ok=True)
    # Written aside, then renamed over the ledger: a Ctrl-C at any moment leaves the old
    # ledger or the new one, never a truncated file that would lose every entry.
    aside = ledger.with_name(ledger.name + ".tmp")
    aside.write_text(json.dumps({"completions": entries}, indent=1), encoding="utf-8")
    aside.replace(ledger)
