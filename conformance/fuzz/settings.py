"""The run's fuzz settings: budgets and the seed, fixed before the fuzz cases are collected."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Final

DEFAULT_EXAMPLES: Final = 20
# A stateful run against a vendor (--fuzz-stateful) creates at most this many completions.
STATEFUL_CREATION_BUDGET: Final = 30


@dataclass(frozen=True)
class FuzzSettings:
    """The run's fuzz options, resolved (CLI > environment > ini > default)."""

    enabled: bool = True
    examples: int = DEFAULT_EXAMPLES
    seed: int = 0
    seed_origin: str = "random"  # "--fuzz-seed", "CI" or "random"
    stateful: bool = False  # --fuzz-stateful: stateful runs at a vendor too
    max_rps: float | None = None
    # The header the run's key goes in (--auth-header): the one the auth probes drop.
    auth_header: str = "authorization"

    @property
    def auth_examples(self) -> int:
        """The auth probes send three requests a case and vary little with the body."""
        return max(1, self.examples // 8)

    @property
    def stateful_scenarios(self) -> int:
        return max(2, self.examples // 2)


def in_ci() -> bool:
    """CI runs are derandomized: Hypothesis's own test (`CI` set to anything) decides."""
    return bool(os.environ.get("CI"))
