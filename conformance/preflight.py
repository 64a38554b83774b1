"""The requests before any case that tell whether the target can be talked to at all: two for
the base URL and the key, one more for the second key when there is one.

Every problem here is a one-line usage error: a vendor's typo must read as one sentence, not
as a traceback or a wall of failed cases.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from conformance.access import SECOND_KEY_VARIABLE
from conformance.client import Exchange
from conformance.target import Target


def preflight(target: Target) -> str | None:
    """The requests before any case: a target nobody can talk to, or a key it refuses, is a
    usage error in one line; None when the cases can start."""
    return _reach(target) or _second_key_refused(target)


def _reach(target: Target) -> str | None:
    """Two requests: a target nobody can talk to is a usage error, in one line.

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


def _second_key_refused(target: Target) -> str | None:
    """The second key, sent with the main key's cheap probe (a retrieve of an id nobody
    owns, --completion-id never: that one the second key must not read), is refused with 401.

    401 says the key itself is not valid at the target (RFC 9110: no valid credentials), so
    UCC-AUTH-TENANT-ISOLATION could not judge anything with it: its 401s would read as the
    vendor's failure. A 403 is not refused here, unlike the main key's: it is one of the two
    answers that case accepts for what another tenant does not own, and a vendor may give it
    for an id it does not know. Anything else the case meets (a target whose probe answers
    before it checks the key) the case itself tells apart: a 401 there is INCONCLUSIVE.
    """
    key = target.settings.second_api_key
    if not key:
        return None
    probe = target.client.retrieve(f"chatcmpl-ucc-probe-{target.nonce}", key=key)
    if probe.status != 401:
        return None
    return (
        f"the second API key (--second-api-key or ${SECOND_KEY_VARIABLE}) was refused: "
        f"{probe.method} {probe.url} answered 401; pass a valid key of another project or "
        "organisation, or none to leave out UCC-AUTH-TENANT-ISOLATION"
    )


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
        if _has_error_object(probe) and "?" not in probe.url:
            # Azure OpenAI answers its own 404 to a request without api-version.
            hint += (
                ", and whether the target wants a query parameter on every request "
                "(Azure OpenAI's api-version: --query api-version=VERSION)"
            )
    return (
        f"{base_url} serves no chat-completions API: {probe.method} {probe.url} answered "
        f"{what}; {hint}"
    )


def _has_error_object(exchange: Exchange) -> bool:
    error = (exchange.json_object() or {}).get("error")
    return isinstance(error, dict) and isinstance(error.get("message"), str)
