"""The run's settings, resolved from the command line, the environment and the ini file (in
that order), and the one request that checks the target can be talked to before any case.

Every problem here is a one-line usage error: a vendor's typo must read as one sentence, not
as a traceback or a wall of failed cases.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conformance.client import DEFAULT_TIMEOUT, Exchange
from conformance.reference import BackgroundServer, create_app
from conformance.target import Settings, Target

EMBEDDED_MODEL = "reference-echo-1"


def _number(config: pytest.Config, option: str, ini: str, default: float) -> float:
    value = config.getoption(option)
    if value is None:
        raw = config.getini(ini)
        try:
            value = float(raw) if raw else default
        except ValueError:
            raise pytest.UsageError(f"ini option {ini} must be a number, got {raw!r}") from None
    if value < 0:
        raise pytest.UsageError(f"--{option.replace('_', '-')} must be 0 or more, got {value:g}")
    return float(value)


def _check_base_url(url: str) -> str:
    """A clear one-line usage error for a base URL no request could be sent to."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise pytest.UsageError(
            f"--base-url {url!r} is not an http(s) URL; give it as https://host/v1 "
            "(the base URL including the version prefix, as OPENAI_BASE_URL)"
        )
    if parts.username or parts.password:
        raise pytest.UsageError(
            "--base-url must not carry credentials; pass the key with --api-key or OPENAI_API_KEY"
        )
    if parts.query or parts.fragment:
        raise pytest.UsageError(f"--base-url {url!r} must not have a query or fragment")
    return url.rstrip("/")


def resolve_settings(
    config: pytest.Config, reports_dir: Path
) -> tuple[Settings, BackgroundServer | None]:
    consistency = _number(config, "consistency_timeout", "consistency_timeout", 30.0)
    timeout = _number(config, "timeout", "conformance_timeout", DEFAULT_TIMEOUT)
    if timeout == 0:
        raise pytest.UsageError("--timeout must be more than 0")
    # pytest-base-url merges its ini value in its own configure, which runs after this one.
    base_url = config.getoption("base_url") or config.getini("base_url")
    completion_id = config.getoption("completion_id")
    no_create = bool(config.getoption("no_create"))
    # pytest's own --strict (ini `strict`): the suite reads it too, failing SHOULD requirements.
    strict = bool(config.getini("strict"))
    if not base_url:
        key, other = f"ref-{secrets.token_hex(16)}", f"ref-{secrets.token_hex(16)}"
        server = BackgroundServer(create_app({key: "suite", other: "other-tenant"})).start()
        config.option.base_url = server.base_url
        settings = Settings(
            base_url=server.base_url,
            api_key=key,
            second_api_key=other,
            model=EMBEDDED_MODEL,
            completion_id=completion_id,
            no_create=no_create,
            strict=strict,
            consistency_timeout=consistency,
            timeout=timeout,
            embedded=True,
        )
        return settings, server
    base_url = _check_base_url(base_url)
    api_key = config.getoption("api_key") or os.environ.get("OPENAI_API_KEY")
    if not api_key:
        raise pytest.UsageError(f"no API key for {base_url}: pass --api-key or set OPENAI_API_KEY")
    model = (
        config.getoption("model")
        or os.environ.get("CONFORMANCE_MODEL")
        or config.getini("conformance_model")
        or None
    )
    if model is None and not no_create:
        raise pytest.UsageError(
            "no model to create test completions with: pass --model (or set "
            "CONFORMANCE_MODEL), or pass --no-create with --completion-id"
        )
    # The ids the suite created and has not deleted yet: swept by the next run if this one dies.
    ledger = reports_dir / "created-completions.json"
    second_api_key = config.getoption("second_api_key") or os.environ.get(
        "CONFORMANCE_SECOND_API_KEY"
    )
    if second_api_key and second_api_key == api_key:
        raise pytest.UsageError("--second-api-key must be another project's key, not --api-key")
    settings = Settings(
        base_url=base_url,
        api_key=api_key,
        second_api_key=second_api_key,
        model=model,
        completion_id=completion_id,
        no_create=no_create,
        strict=strict,
        consistency_timeout=consistency,
        timeout=timeout,
        ledger=ledger,
    )
    return settings, None


def preflight(target: Target) -> str | None:
    """Two requests before any case: a target nobody can talk to is a usage error, in one line.

    Only what no case could ever get past is refused here, each saying what to change: no
    connection, a TLS mismatch, a key the target refuses, a base URL that serves no
    chat-completions API (a missing version prefix, a proxy's HTML page), a --completion-id that
    does not exist. A target that answers like the API but misbehaves is for the cases to judge.
    The second request is a create with a malformed body, which no server can take for a
    completion to bill: it tells a wrong base URL (404, 405, an HTML page) from the API's own
    400, which the retrieve probe alone cannot (an unknown id is a 404 there too).
    """
    settings = target.settings
    probe = target.client.retrieve(settings.completion_id or f"chatcmpl-ucc-probe-{target.nonce}")
    error = probe.error or ""
    if error.startswith("could not connect"):
        hint = ""
        if "SSL" in error or "TLS" in error or "record layer" in error:
            hint = " (TLS failed: is it a plain-HTTP port? try http://)"
        return f"cannot reach {settings.base_url}: {error}{hint}"
    if probe.error is not None:
        return None  # it connects but does not answer: the cases judge that, fast (the breaker)
    problem = _refused_key(probe) or (
        _not_the_api(settings.base_url, probe) if _html(probe) else None
    )
    if problem:
        return problem
    unknown_path = probe.status in (404, 405) and not _has_error_object(probe)
    if settings.completion_id and probe.status == 404 and not unknown_path:
        return (
            f"--completion-id {settings.completion_id}: {settings.base_url} has no such stored "
            "completion (retrieve answered 404)"
        )
    if settings.no_create:
        return _not_the_api(settings.base_url, probe) if unknown_path else None
    # A 404 without the API's error object may be the API's own (a deviation the cases judge):
    # only a missing create path tells a wrong base URL for sure.
    create = target.client.send("POST", "/chat/completions", content=b"{")
    if create.error is not None:
        return None
    if create.status in (404, 405) or _html(create):
        return _refused_key(create) or _not_the_api(settings.base_url, create)
    return _refused_key(create)


def _refused_key(probe: Exchange) -> str | None:
    if probe.status in (401, 403):
        return f"the API key was refused: {probe.method} {probe.url} answered {probe.status}"
    return None


def _html(probe: Exchange) -> bool:
    media = probe.content_type.split(";", 1)[0].strip().lower()
    return media in ("text/html", "application/xhtml+xml")


def _not_the_api(base_url: str, probe: Exchange) -> str:
    """One line: the base URL serves no chat-completions API, and what to try instead."""
    what = f"HTTP {probe.status}" + (" with an HTML page" if _html(probe) else "")
    path = urlsplit(base_url).path.rstrip("/")
    if not re.search(r"/v\d+[a-z0-9]*$", path):
        hint = f"did you mean {base_url.rstrip('/')}/v1?"
    else:
        hint = "check the base URL (it must be the one the API's own clients use)"
    return (
        f"{base_url} serves no chat-completions API: {probe.method} {probe.url} answered "
        f"{what}; {hint}"
    )


def _has_error_object(exchange: Exchange) -> bool:
    error = (exchange.json_object() or {}).get("error")
    return isinstance(error, dict) and isinstance(error.get("message"), str)
