"""The blind hunts: servers written from the page alone (tests/faults/blind/), run at the user's
default settings but for the fuzz cases (left out to keep `make test` short; the README's
"before" figures were measured with them, its "now" figures as here).

A fault must be flagged under one of the requirements its verdict names, and fail the run when
one of those is a MUST (or, where said, end SETUP FAILED); a conformant server must pass, warning
on no SHOULD but the ones it names. The faults the suite does not catch are listed with why, as
strict xfails: when one is caught, the test says so and the list must be updated. The servers
whose runs took over 5 s (most wait out the consistency bound or a rate limit) are marked
`blind_slow`: `make test` leaves them out, `make blind` runs every server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from conformance.reference import BackgroundServer
from conformance.requirements import Level, catalogue
from tests.conftest import API_KEY, OTHER_KEY, SuiteRun
from tests.faults.blind import HUNTS, BlindServer, servers
from tests.faults.blind.verdicts import CONFORMANT_WARNS, FAULTS, MISSED, SETUP_FAILED, SLOW

ALL = [server for hunt in HUNTS for server in servers(hunt)]
MUST = {rid for rid, r in catalogue().items() if r.level is Level.MUST}


def _param(server: BlindServer) -> object:
    marks = [pytest.mark.blind_slow] if server.id in SLOW else []
    if server.id in MISSED:
        marks.append(pytest.mark.xfail(strict=True, reason=MISSED[server.id]))
    return pytest.param(server, id=server.id, marks=marks)


@pytest.fixture
def served() -> Iterator[Callable[[BlindServer], BackgroundServer]]:
    started: list[BackgroundServer] = []

    def serve(server: BlindServer) -> BackgroundServer:
        app = server.app({API_KEY: "suite", OTHER_KEY: "other"})
        started.append(BackgroundServer(app, log_level="critical").start())
        return started[-1]

    yield serve
    for server in started:
        server.stop()


def test_every_blind_server_has_its_verdict() -> None:
    named = set(FAULTS) | set(MISSED) | set(SETUP_FAILED) | set(CONFORMANT_WARNS)
    kinds = {s.id: s.load().KIND for s in ALL}
    assert {s for s, kind in kinds.items() if kind == "conformant"} == set(CONFORMANT_WARNS)
    assert named == set(kinds)
    assert named >= SLOW


@pytest.mark.parametrize("server", [_param(s) for s in ALL])
def test_blind_server_is_judged_as_what_it_is(
    served: Callable[[BlindServer], BackgroundServer],
    run_suite: Callable[..., SuiteRun],
    server: BlindServer,
) -> None:
    target = served(server)
    run = run_suite(
        f"--base-url={target.base_url}",
        f"--api-key={API_KEY}",
        f"--second-api-key={OTHER_KEY}",
        "--model=test-model",
    )
    errors = run.with_verdict("ERROR")
    assert not errors, errors
    if server.id in CONFORMANT_WARNS:
        assert run.flagged <= CONFORMANT_WARNS[server.id], run.flagged
        assert not run.with_verdict("FAIL", "INCONCLUSIVE"), run.verdicts
        assert run.result.ret == 0
        return
    if server.id in SETUP_FAILED:
        assert run.result.ret == 1
        assert run.compliance["verdict"] == "SETUP FAILED"
        return
    expected = FAULTS.get(server.id, frozenset())
    assert run.flagged & expected, f"flagged {sorted(run.flagged)}, expected one of {expected}"
    if expected & MUST:
        assert run.result.ret == 1
