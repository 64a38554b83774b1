"""Vendor profiles (profiles/<vendor>.toml): a vendor's settings and its known deviations,
read and checked at the start of a run.

A profile names the target (base URL, model), how its requests reach it (`auth_header`, the
`[headers]` and `[query]` every request carries, the `[create_extra]` fields of every create;
conformance.access), the optional capabilities the vendor says it offers (`list`, `delete`)
and the requirements it knowingly breaks, each with a reason, a link
and an expiry date. A known deviation turns its requirement's FAIL or WARN into XFAIL, which
does not fail the run, until the day after it expires. The end of the run checks the profile
against what was seen (conformance.report.profiles), so the profile gets cleaned.

The MUST requirements of the core update behaviour (the areas in CORE_AREAS: what a valid update
answers, what it stores, the limits and the validation of the body) cannot be waived: a vendor
that breaks them does not implement "Update chat completion", and a profile that tries is a
usage error.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from conformance.access import (
    Extra,
    parse_auth_header,
    parse_create_extra,
    parse_header,
    parse_query,
    says_secret,
)
from conformance.requirements import Level, Requirement

CORE_AREAS = frozenset({"response", "metadata", "limits", "validation"})

# Optional operations a vendor may not offer, and how a run sees them.
CAPABILITIES = {
    "list": "GET /chat/completions, listing stored completions (filtered by metadata)",
    "delete": "DELETE /chat/completions/{completion_id}",
}
_KEYS = {
    "name",
    "base_url",
    "model",
    "capabilities",
    "deviation",
    "auth_header",
    "headers",
    "query",
    "create_extra",
}
_DEVIATION_KEYS = {"requirement", "reason", "link", "expires"}


class ProfileError(ValueError):
    """A profile the suite cannot use; the message names the file and the entry."""


def today() -> date:
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class Deviation:
    requirement: str
    reason: str
    expires: date
    link: str | None = None

    def live(self, on: date) -> bool:
        """A deviation holds up to and including its expiry date."""
        return on <= self.expires


@dataclass(frozen=True)
class Profile:
    name: str
    sha256: str
    base_url: str | None = None
    model: str | None = None
    capabilities: frozenset[str] | None = None  # None: the profile declares none
    deviations: tuple[Deviation, ...] = ()
    auth_header: str | None = None
    headers: tuple[Extra, ...] = ()
    query: tuple[Extra, ...] = ()
    create_extra: Mapping[str, Any] | None = field(default=None)

    def option_values(self) -> dict[str, Any]:
        """The profile's values of the options, by destination: one of the sources
        conformance.options resolves them from."""
        return {
            "base_url": self.base_url,
            "model": self.model,
            "auth_header": self.auth_header,
            "header": self.headers,
            "query": self.query,
            "create_extra": self.create_extra,
        }

    def deviation(self, requirement: str) -> Deviation | None:
        return next((d for d in self.deviations if d.requirement == requirement), None)

    def waives(self, requirement: str, on: date | None = None) -> bool:
        """True when a live known deviation covers the requirement."""
        found = self.deviation(requirement)
        return found is not None and found.live(on or today())

    def live_ids(self, on: date | None = None) -> set[str]:
        return {d.requirement for d in self.deviations if d.live(on or today())}


def load_profile(path: Path, catalogue: Mapping[str, Requirement]) -> Profile:
    """Read and check a profile; every problem is a ProfileError naming the file and entry."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProfileError(f"cannot read profile {path}: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"profile {path} is not valid TOML: {exc}") from None
    where = f"profile {path}"
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise ProfileError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {_known(_KEYS)}")
    capabilities = data.get("capabilities")
    if capabilities is not None:
        if not isinstance(capabilities, list) or not all(isinstance(c, str) for c in capabilities):
            raise ProfileError(f"{where}: capabilities must be a list of names")
        strange = sorted(set(capabilities) - set(CAPABILITIES))
        if strange:
            raise ProfileError(
                f"{where}: unknown capability {', '.join(strange)}; known: {_known(CAPABILITIES)}"
            )
    entries = data.get("deviation", [])
    if not isinstance(entries, list):
        raise ProfileError(f"{where}: known deviations are [[deviation]] tables")
    deviations = [_deviation(where, i, e, catalogue) for i, e in enumerate(entries, 1)]
    seen = [d.requirement for d in deviations]
    twice = sorted({rid for rid in seen if seen.count(rid) > 1})
    if twice:
        raise ProfileError(f"{where}: {', '.join(twice)} listed as a deviation more than once")
    auth_header = _text(where, data, "auth_header", required=False)
    try:
        return Profile(
            name=_text(where, data, "name", required=False) or path.stem,
            sha256=hashlib.sha256(raw).hexdigest(),
            base_url=_text(where, data, "base_url", required=False),
            model=_text(where, data, "model", required=False),
            capabilities=frozenset(capabilities) if capabilities is not None else None,
            deviations=tuple(deviations),
            auth_header=parse_auth_header(auth_header, f"{where}: auth_header")
            if auth_header
            else None,
            headers=_extras(where, data, "headers"),
            query=_extras(where, data, "query"),
            create_extra=_create_extra(where, data),
        )
    except pytest.UsageError as exc:
        raise ProfileError(str(exc)) from None


def _extras(where: str, data: Mapping[str, Any], table: str) -> tuple[Extra, ...]:
    """The `[headers]` or `[query]` table: `name = "value"`, or `name = { env = "VAR" }` for
    a secret, read from that environment variable (a profile never holds a secret value)."""
    entries = data.get(table, {})
    if not isinstance(entries, dict):
        raise ProfileError(f"{where}: {table} must be a table ([{table}])")
    found = []
    for name, spec in entries.items():
        source = f"{where}: {table} {name}"
        if isinstance(spec, dict):
            variable = spec.get("env")
            if set(spec) != {"env"} or not isinstance(variable, str) or not variable:
                raise ProfileError(f'{source} must be "value" or {{ env = "VARIABLE" }}')
            value = os.environ.get(variable)
            if not value:
                raise ProfileError(f"{source}: the environment variable {variable} is not set")
        elif isinstance(spec, str):
            if says_secret(name):
                raise ProfileError(
                    f"{source}: its name says it holds a secret, and a profile never does: "
                    f'name the environment variable that holds it, {name} = {{ env = "VAR" }}'
                )
            variable, value = None, spec
        else:
            raise ProfileError(f'{source} must be "value" or {{ env = "VARIABLE" }}')
        if table == "query":
            extra = parse_query(f"{name}={value}", source)
        else:
            extra = parse_header(f"{name}:{value}", source, secret=variable is not None)
        if variable is not None:
            extra = Extra(extra.name, extra.value, secret=True, variable=variable)
        found.append(extra)
    return tuple(found)


def _create_extra(where: str, data: Mapping[str, Any]) -> dict[str, Any] | None:
    extra = data.get("create_extra")
    if extra is None:
        return None
    if not isinstance(extra, dict):
        raise ProfileError(f"{where}: create_extra must be a table ([create_extra])")
    return parse_create_extra(extra, f"{where}: create_extra")


def _known(names: Any) -> str:
    return ", ".join(sorted(names))


def _text(where: str, data: Mapping[str, Any], key: str, *, required: bool) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ProfileError(f"{where}: {key} must be a non-empty string")
    return value.strip()


def _deviation(
    where: str, index: int, entry: Any, catalogue: Mapping[str, Requirement]
) -> Deviation:
    if not isinstance(entry, dict):
        raise ProfileError(f"{where}: deviation {index} is not a table")
    rid = entry.get("requirement")
    where = f"{where}: deviation {index} ({rid})"
    unknown = sorted(set(entry) - _DEVIATION_KEYS)
    if unknown:
        raise ProfileError(f"{where}: unknown key(s) {', '.join(unknown)}")
    requirement = catalogue.get(rid) if isinstance(rid, str) else None
    if requirement is None:
        raise ProfileError(f"{where}: requirement names no entry of specs/requirements.yaml")
    if requirement.level is Level.INFO:
        raise ProfileError(f"{where}: an INFO requirement never fails; there is nothing to waive")
    if requirement.level is Level.MUST and requirement.area in CORE_AREAS:
        raise ProfileError(
            f"{where}: a MUST of the core update behaviour (area {requirement.area}) "
            "cannot be waived"
        )
    expires = entry.get("expires")
    if isinstance(expires, str):
        try:
            expires = date.fromisoformat(expires)
        except ValueError:
            expires = None
    if isinstance(expires, datetime) or not isinstance(expires, date):
        raise ProfileError(f"{where}: expires must be a date such as 2026-06-30")
    link = _text(where, entry, "link", required=False)
    if link is not None and not link.startswith(("https://", "http://")):
        raise ProfileError(f"{where}: link must be an http(s) URL")
    reason = _text(where, entry, "reason", required=True)
    assert reason is not None
    return Deviation(requirement=requirement.id, reason=reason, expires=expires, link=link)
