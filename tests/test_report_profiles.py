"""Vendor profiles: settings, known deviations (XFAIL until they expire, XPASS when they pass
again), the core MUST requirements nobody can waive, and declared capabilities checked against
what the run saw.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from starlette.requests import Request
from starlette.responses import Response

from conformance.profiles import CORE_AREAS, ProfileError, load_profile
from conformance.reference import BackgroundServer, ReferenceApi
from conformance.reference.app import ApiError
from conformance.requirements import Level, catalogue
from tests.conftest import API_KEY, SuiteRun
from tests.faults.catalogue import UsageTotalOffByOne

Run = Callable[..., SuiteRun]
Serve = Callable[[type[ReferenceApi]], BackgroundServer]
ROOT = Path(__file__).resolve().parents[1]
BROKEN = "UCC-SHAPE-USAGE-TOTAL"  # what UsageTotalOffByOne breaks: area shape, waivable


def write_profile(tmp_path: Path, text: str, name: str = "vendor.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def deviation(rid: str = BROKEN, expires: str = "2099-12-31") -> str:
    return (
        f'[[deviation]]\nrequirement = "{rid}"\nreason = "known"\n'
        f'link = "https://vendor.test/1"\nexpires = {expires}\n'
    )


def test_sample_profile_is_valid() -> None:
    """The committed sample is what vendors copy; it must load as it stands."""
    profile = load_profile(ROOT / "profiles" / "example-vendor.toml", catalogue())
    assert profile.name == "example-vendor" and profile.model == "example-chat-1"
    assert profile.capabilities == frozenset({"list", "delete"})
    assert [d.requirement for d in profile.deviations] == [BROKEN, "UCC-ERR-OBJECT-FIELDS"]


def test_core_areas_hold_musts_and_leave_some_waivable() -> None:
    """The rule must bite (core MUSTs exist) and leave room (non-core MUSTs exist)."""
    musts = [r for r in catalogue().values() if r.level is Level.MUST]
    assert {r.area for r in musts} & CORE_AREAS == CORE_AREAS
    assert any(r.area not in CORE_AREAS for r in musts)


BAD_PROFILES = {
    "core-must": (deviation("UCC-LIMIT-PAIRS-17"), "core update behaviour (area limits)"),
    "core-must-response": (deviation("UCC-RESP-STATUS"), "cannot be waived"),
    "info": (deviation("UCC-INFO-MERGE-SEMANTICS"), "INFO requirement never fails"),
    "unknown-requirement": (deviation("UCC-NO-SUCH"), "names no entry"),
    "duplicate": (deviation() + deviation(), "more than once"),
    "bad-date": (deviation(expires='"next year"'), "expires must be a date"),
    "datetime": (deviation(expires="2026-01-01T00:00:00"), "expires must be a date"),
    "no-reason": (
        f'[[deviation]]\nrequirement = "{BROKEN}"\nexpires = 2099-01-01\n',
        "reason must be a non-empty string",
    ),
    "bad-link": (deviation().replace("https://vendor.test/1", "ticket 1"), "http(s) URL"),
    "unknown-key": ('modle = "x"\n', "unknown key(s) modle"),
    "unknown-capability": ('capabilities = ["list", "stream"]\n', "unknown capability stream"),
    "not-toml": ("name = \n", "not valid TOML"),
}


@pytest.mark.parametrize(("text", "says"), BAD_PROFILES.values(), ids=BAD_PROFILES.keys())
def test_bad_profile_is_refused_with_the_entry_named(tmp_path: Path, text: str, says: str) -> None:
    with pytest.raises(ProfileError, match=None) as caught:
        load_profile(write_profile(tmp_path, text), catalogue())
    assert says in str(caught.value) and "vendor.toml" in str(caught.value)


def test_waiving_a_core_must_is_a_usage_error_before_any_case(
    run_suite: Run, tmp_path: Path
) -> None:
    profile = write_profile(tmp_path, deviation("UCC-META-ROUNDTRIP-RETRIEVE"))
    run = run_suite(f"--profile={profile}")
    text = f"{run.result.stdout}\n{run.result.stderr}"
    assert run.result.ret == pytest.ExitCode.USAGE_ERROR, text
    errors = [line for line in text.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1 and "cannot be waived" in errors[0], text


def test_known_deviation_is_xfail_and_does_not_fail_the_run(
    run_against: Run, tmp_path: Path
) -> None:
    profile = write_profile(tmp_path, deviation())
    run = run_against(UsageTotalOffByOne, f"--profile={profile}", "-m", "shape")
    assert run.result.ret == 0, run.result.stdout
    assert run.verdicts[BROKEN] == "XFAIL" and not run.flagged
    assert "1 xfailed" in run.result.stdout.lines[-1]
    doc = run.compliance
    assert [d["status"] for d in doc["profile"]["deviations"]] == ["xfail"]
    assert doc["profile"]["flags"] == []
    assert "1 known deviation(s) (UCC-SHAPE-USAGE-TOTAL)" in doc["headline"]


def test_expired_deviation_fails_the_run_again(run_against: Run, tmp_path: Path) -> None:
    """A waiver is a promise to fix by a date; after it the failure counts again."""
    profile = write_profile(tmp_path, deviation(expires=str(date(2020, 1, 31))))
    run = run_against(UsageTotalOffByOne, f"--profile={profile}", "-m", "shape")
    assert run.result.ret == 1
    assert run.verdicts[BROKEN] == "FAIL"
    assert [f["kind"] for f in run.compliance["profile"]["flags"]] == ["expired"]
    assert f"EXPIRED {BROKEN}: the known deviation expired on 2020-01-31" in str(run.result.stdout)


def test_deviation_that_passes_now_is_flagged_for_cleaning(
    run_against: Run, tmp_path: Path
) -> None:
    profile = write_profile(tmp_path, deviation())
    run = run_against(ReferenceApi, f"--profile={profile}", "-m", "shape")
    assert run.result.ret == 0 and run.verdicts[BROKEN] == "PASS"
    flags = run.compliance["profile"]["flags"]
    assert [(f["kind"], f["subject"]) for f in flags] == [("xpass", BROKEN)]
    assert f"profile: XPASS {BROKEN}: the known deviation now passes; clean the profile" in (
        run.result.stdout.lines
    )


class NoListing(ReferenceApi):
    """Offers no list endpoint: GET /chat/completions answers 405."""

    async def list_endpoint(self, request: Request) -> Response:
        raise ApiError(405, "Method not allowed.")


class NoDelete(ReferenceApi):
    """Offers no delete: DELETE /chat/completions/{id} answers 405."""

    async def delete_endpoint(self, request: Request) -> Response:
        raise ApiError(405, "Method not allowed.")


def test_declared_capability_missing_and_undeclared_one_working_are_reported(
    run_against: Run, tmp_path: Path
) -> None:
    """The profile says list and not delete; the target offers delete and not list."""
    profile = write_profile(tmp_path, 'capabilities = ["list"]\n')
    run = run_against(NoListing, f"--profile={profile}", "-m", "listing or lifecycle")
    doc = run.compliance
    assert doc["capabilities"] == {"list": False, "delete": True}
    flags = [(f["kind"], f["subject"]) for f in doc["profile"]["flags"]]
    assert flags == [("capability-undeclared", "delete"), ("capability-missing", "list")]
    assert run.verdicts["UCC-LIST-METADATA-FILTER"] == "SKIP"


def test_missing_delete_is_detected(run_against: Run, tmp_path: Path) -> None:
    profile = write_profile(tmp_path, 'capabilities = ["list", "delete"]\n')
    run = run_against(NoDelete, f"--profile={profile}", "-m", "lifecycle")
    assert run.compliance["capabilities"]["delete"] is False
    assert [f["subject"] for f in run.compliance["profile"]["flags"]] == ["delete"]


@pytest.mark.parametrize(
    ("env", "model"),
    [(None, "profile-model"), ("env-model", "env-model")],
    ids=["profile", "env-over-profile"],
)
def test_profile_supplies_target_and_model_below_the_environment(
    serve: Serve,
    run_suite: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    env: str | None,
    model: str,
) -> None:
    server = serve(ReferenceApi)
    text = f'base_url = "{server.base_url}"\nmodel = "profile-model"\n'
    profile = write_profile(tmp_path, text)
    if env:
        monkeypatch.setenv("CONFORMANCE_MODEL", env)
    else:
        monkeypatch.delenv("CONFORMANCE_MODEL", raising=False)
    monkeypatch.delenv("PYTEST_BASE_URL", raising=False)
    run = run_suite(f"--profile={profile}", f"--api-key={API_KEY}", "-k", "LIMIT-PAIRS-16")
    assert run.result.ret == 0, run.result.stdout
    doc = run.compliance
    assert doc["target"]["base_url"] == server.base_url and not doc["target"]["embedded"]
    assert doc["model"] == model
    assert doc["profile"]["name"] == "vendor"
