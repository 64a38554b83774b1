"""The run's settings: what the suite talks to and how, built from the run's options as
conformance.options resolved them.

Two kinds of run: against the embedded reference server (no base URL given: the suite starts
it and makes up its keys) and against a vendor, where a missing key or model, or a base URL no
request could be sent to, is a one-line usage error before anything is sent. Both take the
headers, query parameters and create fields of conformance.access; only a vendor's key may go
in another header than Authorization.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from conformance.access import Access, merge
from conformance.options import (
    DEFAULT_CONSISTENCY_TIMEOUT,
    DEFAULT_RATE_LIMIT_WAIT,
    DEFAULT_TIMEOUT,
    Options,
)
from conformance.reference import BackgroundServer, create_app

EMBEDDED_MODEL = "reference-echo-1"


@dataclass(frozen=True)
class Settings:
    """The run's options, resolved (conformance.options); a Settings built by hand (tests,
    benchmarks) takes the options' defaults."""

    base_url: str
    api_key: str
    model: str | None
    completion_id: str | None = None
    no_create: bool = False
    strict: bool = False
    consistency_timeout: float = DEFAULT_CONSISTENCY_TIMEOUT
    timeout: float = DEFAULT_TIMEOUT
    rate_limit_wait: float = DEFAULT_RATE_LIMIT_WAIT
    embedded: bool = False
    ledger: Path | None = None
    second_api_key: str | None = None
    access: Access = field(default_factory=Access)

    def shared(self) -> dict[str, Any]:
        """The settings as plain data for an xdist worker (the ledger is each worker's own)."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "ledger"}
        data["access"] = self.access.as_dict()
        return data

    @classmethod
    def from_shared(cls, data: dict[str, Any], ledger: Path) -> Settings:
        return cls(**{**data, "access": Access.from_dict(data["access"]), "ledger": ledger})


def resolve_settings(
    options: Options, reports_dir: Path
) -> tuple[Settings, BackgroundServer | None]:
    """The run's settings, and the embedded server when no base URL is given (started here)."""
    common = _common(options)
    base_url = options.get("base_url")
    if base_url:
        url = check_base_url(base_url, options.source("base_url"))
        return _vendor(options, url, reports_dir, common), None
    _no_vendor_options(options)
    if not common["access"].bearer:
        raise pytest.UsageError(
            "--auth-header is for a target given with --base-url: the embedded reference "
            "server takes its key as Authorization: Bearer"
        )
    key, other = f"ref-{secrets.token_hex(16)}", f"ref-{secrets.token_hex(16)}"
    server = BackgroundServer(create_app({key: "suite", other: "other-tenant"})).start()
    settings = Settings(
        base_url=server.base_url,
        api_key=key,
        second_api_key=other,
        model=EMBEDDED_MODEL,
        embedded=True,
        **common,
    )
    return settings, server


def _no_vendor_options(options: Options) -> None:
    """Without a base URL the run tests the embedded server: a vendor's key or model typed on
    the command line, or a base URL given empty (an unset variable in a CI file), means the
    user meant a vendor, and a PASS of the embedded server would stand in for its result."""
    empty = options.empty("base_url")
    if empty is not None:
        raise pytest.UsageError(
            f"{empty} is empty: give the target's base URL (https://host/v1), or leave it out "
            "to test the embedded reference server"
        )
    given = options.flags_given("api_key", "second_api_key", "model")
    if given:
        raise pytest.UsageError(
            f"{', '.join(given)} given without a base URL: pass --base-url=https://host/v1 "
            "(or set PYTEST_BASE_URL) to test a vendor; the embedded reference server makes "
            "up its own keys and model"
        )


def _common(options: Options) -> dict[str, Any]:
    """What both kinds of run take from the options as given."""
    return {
        "consistency_timeout": options.get("consistency_timeout"),
        "timeout": options.get("timeout"),
        "rate_limit_wait": options.get("rate_limit_wait"),
        "completion_id": options.get("completion_id"),
        "no_create": options.get("no_create"),
        # pytest's own --strict (ini `strict`): the suite reads it too, failing SHOULDs.
        "strict": options.get("strict"),
        "access": access(options),
    }


def access(options: Options) -> Access:
    """How the requests reach the target: --header and --secret-header merged by name over
    their sources, --query, --auth-header, --create-extra."""
    headers = [
        plain + secret
        for plain, secret in zip(
            options.layers("header"), options.layers("secret_header"), strict=True
        )
    ]
    return Access(
        auth_header=options.get("auth_header"),
        headers=merge(headers, fold_case=True),
        query=options.get("query"),
        create_extra=options.get("create_extra") or {},
    )


def _vendor(options: Options, base_url: str, reports_dir: Path, common: dict[str, Any]) -> Settings:
    """A vendor's target: its key and a model are required, a second key must differ."""
    api_key = options.get("api_key")
    if not api_key:
        raise pytest.UsageError(f"no API key for {base_url}: pass --api-key or set OPENAI_API_KEY")
    model = options.get("model")
    if model is None and not common["no_create"]:
        raise pytest.UsageError(
            "no model to create test completions with: pass --model (or set "
            "CONFORMANCE_MODEL), or pass --no-create with --completion-id"
        )
    second_api_key = options.get("second_api_key")
    if second_api_key and second_api_key == api_key:
        raise pytest.UsageError("--second-api-key must be another project's key, not --api-key")
    return Settings(
        base_url=base_url,
        api_key=api_key,
        second_api_key=second_api_key,
        model=model,
        # The ids the suite created and has not deleted yet: swept by the next run if this
        # one dies.
        ledger=reports_dir / "created-completions.json",
        **common,
    )


def check_base_url(url: str, source: str = "--base-url") -> str:
    """A clear one-line usage error for a base URL no request could be sent to, naming where
    it came from (`source`: the flag, $PYTEST_BASE_URL or the profile). The URL itself is never
    repeated: what is wrong with it may be a secret put in the wrong place."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise pytest.UsageError(
            f"{source} is not an http(s) URL; give it as https://host/v1 "
            "(the base URL including the version prefix, as OPENAI_BASE_URL)"
        )
    if parts.username or parts.password:
        raise pytest.UsageError(
            f"{source} must not carry credentials; pass the key with --api-key or OPENAI_API_KEY"
        )
    if parts.query:
        # Its values may be secrets (a signature, a key): named, never repeated.
        names = list(dict.fromkeys(name for name, _ in parse_qsl(parts.query, True))) or ["NAME"]
        if source.startswith("the profile"):
            given = "its [query] table: " + ", ".join(f'{name} = "..."' for name in names)
        else:
            given = "--query NAME=VALUE (" + " ".join(f"--query={n}=..." for n in names) + ")"
        raise pytest.UsageError(
            f"{source} must not have a query (?{'&'.join(names)}): pass its parameters "
            f"with {given}; they then go with every request"
        )
    if parts.fragment:
        raise pytest.UsageError(f"{source} must not have a fragment (#...); the URL ends at /v1")
    return url.rstrip("/")
