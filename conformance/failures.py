"""The outcomes a case can raise besides passing.

Kept apart on purpose: a ConformanceFailure is the target's fault and is reported under the
case's requirement; Inconclusive means the suite could not decide (a consistency or budget
bound ran out) and is never a pass; SetupFailed means the target could not be set up for the
case at all (no verdict on anything); anything else raised by a case is the suite's own error.
Each carries the exchanges that made it so, because a vendor must be able to see why.
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
    """The suite could not reach a verdict, e.g. a precondition could not be established."""

    def __init__(self, reason: str, exchanges: tuple[Exchange, ...] = ()) -> None:
        super().__init__(f"INCONCLUSIVE: {reason}")
        self.reason = reason
        self.exchanges = exchanges


NOT_RUN = "not run: setup failed (see above)"


class SetupFailed(pytest.skip.Exception):  # type: ignore[name-defined,misc]
    """The target could not be set up for the case (a completion could not be created).

    The first case that meets it carries the cause and its exchanges; every later case that
    needs the same setup gets `again()`, one line, so the cause is printed once.
    """

    def __init__(
        self, cause: str, exchanges: tuple[Exchange, ...] = (), *, first: bool = True
    ) -> None:
        super().__init__(NOT_RUN)
        self.cause = cause
        self.exchanges = exchanges
        self.first = first

    def again(self) -> SetupFailed:
        return SetupFailed(self.cause, first=False)
