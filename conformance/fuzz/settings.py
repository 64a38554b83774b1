"""The run's fuzz settings: budgets and the seed, fixed before the fuzz cases are collected."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FuzzSettings:
    """The run's fuzz options, resolved (conformance.options), with the seed the run uses."""

    enabled: bool
    examples: int
    seed: int
    seed_origin: str  # "--fuzz-seed", "CI" or "random"
    stateful: bool  # --fuzz-stateful: stateful runs at a vendor too
    max_rps: float | None
    # The header the run's key goes in (--auth-header): the one the auth probes drop.
    auth_header: str

    @property
    def auth_examples(self) -> int:
        """The auth probes send three requests a case and vary little with the body."""
        return max(1, self.examples // 8)

    @property
    def stateful_scenarios(self) -> int:
        return max(2, self.examples // 2)
