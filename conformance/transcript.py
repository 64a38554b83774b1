"""How an exchange is shown to a vendor: redacted, truncated, with a curl line to reproduce it.

Redaction happens here, at the one place text about requests is made, and again over the whole
failure report in the plugin, so a key the server echoes back is caught as well. A verdict's
text (`Frame`, `failure_text`) is made here too: heading, one factual line, the exchanges.
The run's `Access` (conformance.access) says which request headers carry a credential (shown
redacted; a curl line names an environment variable instead) and which extra ones are shown.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.access import (
    KEY_VARIABLE,
    MADE_UP_KEY_PREFIX,
    REDACTED,
    Access,
    Extra,
    query_pair,
)
from conformance.client import Exchange, decode_json

__all__ = ["REDACTED", "Frame", "Redactor", "curl_command", "failure_text", "format_exchange"]
BODY_PREVIEW_CHARS = 2000
# A request body longer than this goes to a file beside the reports, and the curl line reads
# it from there (`--data-binary @file`): a curl line stays short enough to copy.
CURL_INLINE_BODY_CHARS = 300
SHOWN_RESPONSE_HEADERS = (
    "content-type",
    "content-length",
    "location",
    "retry-after",
    "retry-after-ms",
    "www-authenticate",
)
# Shown too: the rate limits a target announces (OpenAI's x-ratelimit-limit-requests, ...).
SHOWN_RESPONSE_HEADER_PREFIX = "x-ratelimit-"


class Redactor:
    """Replaces every secret (API keys, secret headers and parameters) in a text; secrets
    shorter than 4 characters are kept. `access` says which request headers carry one;
    `variables` which environment variable holds a key other than the main one (the second
    key's), so that a curl line replays an exchange with the key it was sent with."""

    def __init__(
        self,
        secrets: Iterable[str | None] = (),
        access: Access | None = None,
        variables: Mapping[str | None, str] | None = None,
    ) -> None:
        self.secrets: list[str] = []
        self.access = access or Access()
        self.variables: dict[str, str] = {k: v for k, v in (variables or {}).items() if k}
        for secret in (*secrets, *self.access.secrets(), *self.variables):
            self.add(secret)

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 4 and secret not in self.secrets:
            self.secrets.append(secret)
            self.secrets.sort(key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text


def _scheme(authorization: str) -> str:
    """The scheme of an Authorization value ("Bearer "), shown; anything else never is."""
    scheme, _, credentials = authorization.partition(" ")
    return f"{scheme} " if credentials and scheme.lower() in ("bearer", "basic") else ""


def _preview(data: bytes | None, truncated: bool = False) -> str:
    if data is None:
        return "(no body)"
    if not data:
        return "(empty body)"
    text = data.decode("utf-8", errors="backslashreplace")
    if len(text) > BODY_PREVIEW_CHARS and not truncated:
        shortened = _with_short_arrays(data)
        if shortened is not None and len(shortened) <= BODY_PREVIEW_CHARS:
            return f"{shortened} (long arrays shortened; {len(data)} bytes in all)"
    if len(text) > BODY_PREVIEW_CHARS:
        text = f"{text[:BODY_PREVIEW_CHARS]}… ({len(data)} bytes in all)"
    elif truncated:
        text = f"{text}… (cut at {len(data)} bytes)"
    return text


ARRAY_PREVIEW_ITEMS = 2


def _with_short_arrays(data: bytes) -> str | None:
    """A long JSON answer with each array past a few items cut to its first ones (log
    probabilities, many choices), so that what follows them (usage, metadata) stays in the
    preview; None when the body is no JSON the suite can read."""

    def short(value: Any) -> Any:
        if isinstance(value, list):
            kept = [short(item) for item in value[:ARRAY_PREVIEW_ITEMS]]
            more = len(value) - len(kept)
            return [*kept, f"… {more} more"] if more > 0 else kept
        if isinstance(value, dict):
            return {key: short(item) for key, item in value.items()}
        return value

    try:
        value = decode_json(data)
    except ValueError:
        return None
    text = json.dumps(short(value), ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8", "backslashreplace").decode("utf-8")  # a lone surrogate as \\ud800


def _extras(access: Access) -> dict[str, Extra]:
    return {extra.name.lower(): extra for extra in access.headers}


def _curl_url(url: str, access: Access) -> str:
    """The URL, a secret query parameter's value replaced by its environment variable."""
    swaps = [(query_pair(q.name, q.value), q) for q in access.query if q.secret]
    swaps = [(encoded, q) for encoded, q in swaps if encoded in url]
    if not swaps:
        return shlex.quote(url)
    text = url
    for encoded, _ in swaps:
        text = text.replace(encoded, f"\x00{encoded}\x00")
    for char in ("\\", '"', "$", "`"):
        text = text.replace(char, "\\" + char)
    for encoded, q in swaps:
        text = text.replace(f"\x00{encoded}\x00", f"{query_pair(q.name, '')}${{{q.variable}}}")
    return f'"{text}"'


def _key_variable(credential: str, access: Access, variables: Mapping[str, str]) -> str:
    """How a curl line writes the key a request presented: `$` and the variable holding it (the
    one of `variables` whose credential it is, the second key's, else the main key's), or a
    key the auth cases made up, as it was sent."""
    made_up = credential.removeprefix("Bearer ")
    if made_up.startswith(MADE_UP_KEY_PREFIX):
        return made_up
    found = (name for key, name in variables.items() if access.credential(key)[1] == credential)
    return "$" + next(found, KEY_VARIABLE)


def curl_command(
    exchange: Exchange,
    bodies: Path | None = None,
    access: Access | None = None,
    variables: Mapping[str, str] | None = None,
) -> str:
    """A shell line that sends the same request; the key stays a reference to the variable
    that holds it ($OPENAI_API_KEY, or `variables`' name for another key: the second key's
    $CONFORMANCE_SECOND_API_KEY), a secret header or query parameter its own variable's (the
    profile's, or UCC_HEADER_<NAME>).

    A body longer than CURL_INLINE_BODY_CHARS is written to `bodies` (named by its hash) and
    read from there; without a `bodies` folder it is cut, and the line says so.
    """
    access = access or Access()
    extras = _extras(access)
    parts = ["curl", "-X", exchange.method, _curl_url(exchange.url, access)]
    for name, value in exchange.request_headers.items():
        extra = extras.get(name)
        if name == access.auth_header:
            variable = _key_variable(value, access, variables or {})
            shown = f"{_scheme(value)}{variable}" if access.bearer else variable
            parts += ["-H", f'"{"Authorization" if access.bearer else name}: {shown}"']
        elif extra is not None and extra.secret:
            parts += ["-H", f'"{extra.name}: ${extra.variable}"']
        elif name == "content-type" or extra is not None:
            parts += ["-H", shlex.quote(f"{extra.name if extra else name}: {value}")]
    data = exchange.request_body
    if data is not None:
        body = data.decode("utf-8", errors="backslashreplace")
        if len(body) <= CURL_INLINE_BODY_CHARS:
            parts += ["--data-binary", shlex.quote(body)]
        elif bodies is not None:
            path = bodies / f"body-{hashlib.sha256(data).hexdigest()[:16]}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            parts += ["--data-binary", shlex.quote(f"@{path}")]
        else:
            cut = body[:CURL_INLINE_BODY_CHARS]
            parts += ["--data-binary", shlex.quote(cut), f"# body cut at {len(cut)} of {len(body)}"]
    return " ".join(parts)


def format_exchange(exchange: Exchange, redact: Redactor, bodies: Path | None = None) -> str:
    """The request and the response (or transport error) as a few readable lines."""
    access = redact.access
    extras = _extras(access)
    lines = [f"> {exchange.method} {exchange.url}"]
    for name, value in exchange.request_headers.items():
        extra = extras.get(name)
        if name == access.auth_header:
            lines.append(f"> {name}: {_scheme(value) if access.bearer else ''}{REDACTED}")
        elif extra is not None and extra.secret:
            lines.append(f"> {name}: {REDACTED}")
        elif name == "content-type" or extra is not None:
            lines.append(f"> {name}: {value}")
    if exchange.request_body is not None:
        lines.append(f"> {_preview(exchange.request_body)}")
    if exchange.note is not None:
        lines.append(f"  ({exchange.note})")
    if exchange.error is not None:
        lines.append(f"< {exchange.error} (after {exchange.elapsed:.2f} s)")
    else:
        lines.append(f"< HTTP {exchange.status} ({exchange.elapsed * 1000:.0f} ms)")
        headers = exchange.response_headers
        announced = [n for n in headers if n.startswith(SHOWN_RESPONSE_HEADER_PREFIX)][:12]
        for name in [*(n for n in SHOWN_RESPONSE_HEADERS if n in headers), *announced]:
            lines.append(f"< {name}: {headers[name][:200]}")
        lines.append(f"< {_preview(exchange.response_body, exchange.truncated)}")
    lines.append(f"reproduce: {curl_command(exchange, bodies, access, redact.variables)}")
    return redact("\n".join(lines))


@dataclass(frozen=True)
class Frame:
    """What a vendor reads for a verdict: a heading, one factual line, the exchanges."""

    heading: str
    message: str
    exchanges: tuple[Exchange, ...] = ()


def failure_text(frame: Frame, redact: Redactor, bodies: Path | None = None) -> str:
    """The frame as text: each exchange with a curl line (a long body written to `bodies`),
    all redacted."""
    parts = [frame.heading, "", frame.message]
    for exchange in frame.exchanges:
        parts += ["", format_exchange(exchange, redact, bodies)]
    return redact("\n".join(parts))
