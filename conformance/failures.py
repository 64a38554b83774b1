"""The outcomes a case can raise besides passing.

Kept apart on purpose: a ConformanceFailure is the target's fault and is reported under the
case's requirement; Inconclusive means the suite could not decide (a consistency or budget
bound ran out) and is never a pass; anything else raised by a case is the suite's own error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conformance.client import Exchange


class ConformanceFailure(AssertionError):
    """The target broke the requirement of the running case; carries the exchanges to show."""

    def __init__(self, message: str, exchanges: tuple[Exchange, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.exchanges = exchanges


class Inconclusive(pytest.skip.Exception):  # type: ignore[name-defined,misc]
    """The suite could not reach a verdict, e.g. a write never became visible in time."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"INCONCLUSIVE: {reason}")
        self.reason = reason
