"""Fixtures the conformance cases use: the client, the completions, observations.

Each is a thin view of the run's Target (conformance.target), which creates completions
lazily and at most once, so a run that selects no case needing one creates nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from conformance.client import Client
from conformance.run import OBSERVATION, state_of
from conformance.target import Completion, Target


def _target(request: pytest.FixtureRequest) -> Target:
    state = state_of(request.config)
    if state is None or state.target is None:
        pytest.fail("the conformance plugin is not active: run the cases under conformance/cases")
    return state.target


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Target:
    """The server under test, with the run's settings and created completions."""
    return _target(request)


@pytest.fixture
def api(target: Target) -> Iterator[Client]:
    """The client, recording the case's exchanges for its transcript."""
    with target.client.recording():
        yield target.client


@pytest.fixture
def stored(target: Target) -> Completion:
    """The stored completion every update case shares (created once per run)."""
    return target.stored()


@pytest.fixture
def unstored_id(target: Target) -> str:
    """The id of a completion created with store=false."""
    return target.unstored_id()


@pytest.fixture
def deleted_id(target: Target) -> str:
    """The id of a stored completion that the suite deleted."""
    return target.deleted_id()


@pytest.fixture
def observe(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Record what an INFO case observed ("merge", "null clears", ...) for the report."""

    def record(observation: str) -> None:
        request.node.stash[OBSERVATION] = observation

    return record
