"""Servers written blind: by helpers who read only the page, the official OpenAPI document and
the fault model (tests/faults/README.md), never the cases, the catalogue or the corpus.

Each hunt (hunt1/, hunt2/) is kept as it was written (its own style, its own shared modules,
`from base import ...` on its own path; ruff leaves these folders alone), with its MANIFEST.md.
A server module has `create_app(api_keys)`, `KIND` ("fault" or "conformant"), `RATIONALE`,
`SOURCE`, and for a fault `VIOLATES`, the page's sentence it breaks. What the suite must say of
each is in tests/faults/blind/verdicts.py; tests/test_blind_hunts.py runs the suite against
every one. The first hunt measured the suite before the invariants work, the second after it
(its figures before any fix for it are the honest measure of how far the suite generalises).
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
HUNTS = ("hunt1", "hunt2")


@dataclass(frozen=True)
class BlindServer:
    hunt: str
    name: str
    path: Path

    @property
    def id(self) -> str:
        return f"{self.hunt}-{self.name}"

    def load(self) -> ModuleType:
        """The server's module, its hunt's folder on the path for its shared modules."""
        folder = str(self.path.parent)
        if folder not in sys.path:
            sys.path.insert(0, folder)
        spec = importlib.util.spec_from_file_location(f"blind_{self.id}", self.path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def app(self, keys: dict[str, str]) -> Any:
        return self.load().create_app(keys)


def servers(hunt: str) -> list[BlindServer]:
    """The servers of a hunt: every module with a KIND (the shared ones have none)."""
    found = []
    for path in sorted((HERE / hunt).glob("*.py")):
        text = path.read_text(encoding="utf-8")
        if "\nKIND = " in text and "def create_app(" in text:
            found.append(BlindServer(hunt, path.stem, path))
    return found
