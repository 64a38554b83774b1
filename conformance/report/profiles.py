"""A vendor profile checked against what the run saw: the profile's part of the reports.

Each known deviation's status in this run (xfail, xpass, expired, not judged) and the flags
that ask to clean the profile: a deviation that now passes, an expired one, a declared
capability that is missing and an undeclared one that works. The profile itself (its file,
its checks, what it waives) is conformance.profiles.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from typing import Any

from conformance.profiles import CAPABILITIES, Deviation, Profile
from conformance.verdicts import RequirementResult, Verdict


def _ran(result: RequirementResult | None) -> bool:
    """The requirement's cases reached the operation and judged it (whatever the verdict)."""
    return result is not None and result.verdict in (
        Verdict.PASS,
        Verdict.FAIL,
        Verdict.WARN,
        Verdict.XFAIL,
    )


def _any_case(result: RequirementResult | None, verdict: Verdict, says: str) -> bool:
    return result is not None and any(
        c.verdict is verdict and says in (c.message or "") for c in result.cases
    )


def detect_capabilities(results: Mapping[str, RequirementResult]) -> dict[str, bool | None]:
    """Which optional operations the target offered: True, False, or None (not exercised).

    Read from the cases that need them: the listing case skips saying the target "offers no
    list endpoint" on a 404/405/501 (conformance/cases/test_listing.py), and the deleted-
    completion cases skip saying the target "offers no DELETE" on the same statuses
    (conformance/target.py). tests/test_report_profiles.py pins both sentences.
    """
    listing = results.get("UCC-LIST-METADATA-FILTER")
    deleting = [results.get("UCC-DELETED-REJECTED"), results.get("UCC-DELETED-404")]
    found: dict[str, bool | None] = {"list": None, "delete": None}
    if _any_case(listing, Verdict.SKIP, "offers no list endpoint"):
        found["list"] = False
    elif _ran(listing):
        found["list"] = True
    if any(_any_case(r, Verdict.SKIP, "offers no DELETE") for r in deleting):
        found["delete"] = False
    elif any(_ran(r) for r in deleting):
        found["delete"] = True
    return found


def assess(
    profile: Profile,
    results: Mapping[str, RequirementResult],
    capabilities: Mapping[str, bool | None],
    on: date,
) -> dict[str, Any]:
    """The profile's part of compliance.json: each deviation's status, and what to clean."""
    deviations = []
    flags: list[dict[str, str]] = []
    for d in profile.deviations:
        result = results.get(d.requirement)
        status, flag = _status(d, result.verdict if result is not None else None, on)
        flags += [flag] if flag is not None else []
        deviations.append(
            {
                "requirement": d.requirement,
                "reason": d.reason,
                "link": d.link,
                "expires": d.expires.isoformat(),
                "status": status,
            }
        )
    if profile.capabilities is not None:
        flags += _capability_flags(profile.capabilities, capabilities)
    return {
        "name": profile.name,
        "sha256": profile.sha256,
        "capabilities": sorted(profile.capabilities) if profile.capabilities is not None else None,
        "deviations": deviations,
        "flags": flags,
    }


def _status(
    deviation: Deviation, verdict: Verdict | None, on: date
) -> tuple[str, dict[str, str] | None]:
    """A known deviation's status in this run, and the flag that asks to clean it, if any."""
    rid = deviation.requirement
    if not deviation.live(on):
        return "expired", {
            "kind": "expired",
            "subject": rid,
            "message": f"EXPIRED {rid}: the known deviation expired on "
            f"{deviation.expires.isoformat()} and no longer waives it; renew or remove it",
        }
    if verdict is Verdict.XFAIL:
        return "xfail", None
    if verdict is Verdict.PASS:
        return "xpass", {
            "kind": "xpass",
            "subject": rid,
            "message": f"XPASS {rid}: the known deviation now passes; clean the profile",
        }
    return "not judged", None  # not run, skipped, inconclusive or a suite error


def _capability_flags(
    declared: Collection[str], seen: Mapping[str, bool | None]
) -> list[dict[str, str]]:
    """A declared capability the target lacks, and one it has that the profile does not say."""
    flags = []
    for name in sorted(CAPABILITIES):
        if name in declared and seen.get(name) is False:
            flags.append(
                {
                    "kind": "capability-missing",
                    "subject": name,
                    "message": f"declared capability {name} ({CAPABILITIES[name]}) is "
                    "missing at the target",
                }
            )
        elif name not in declared and seen.get(name) is True:
            flags.append(
                {
                    "kind": "capability-undeclared",
                    "subject": name,
                    "message": f"undeclared capability {name} ({CAPABILITIES[name]}) "
                    "works; add it to the profile",
                }
            )
    return flags
