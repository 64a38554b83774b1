"""How requests reach a target where it is deployed: the header its key goes in, the headers
and query parameters every request carries, and the fields every create needs.

Real deployments of the endpoint ask for more than `Authorization: Bearer KEY`: Azure OpenAI's
preview API takes the key in `api-key` and wants `api-version` on every request, gateways want
their own headers (Cloudflare AI Gateway's `cf-aig-authorization`, OpenRouter's
`HTTP-Referer`), and some targets create only with fields of their own (a reasoning model's
`max_completion_tokens`). The official SDKs have `default_headers` and `default_query` for
this; the suite has `--header`, `--secret-header`, `--query`, `--auth-header` and
`--create-extra` (conformance.options), read here into one `Access` that the client applies to
every request, the fuzz cases' included.

A value that can carry a secret is never written anywhere: the key in whatever header, a
`--secret-header`, a header or query parameter whose name says key, token, auth, secret,
signature, cookie, password or credential, and a profile's value read from an environment
variable. The transcripts show such a header redacted, and a curl line names an environment
variable in its place (`$OPENAI_API_KEY` for the key, `$CONFORMANCE_SECOND_API_KEY` for the
second key, the profile's variable or `$UCC_HEADER_<NAME>` / `$UCC_QUERY_<NAME>` for the others).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import httpx
import pytest

REDACTED: Final = "[REDACTED]"
# The environment variables the keys are read from (conformance.options), which a curl line
# names in place of the key an exchange was sent with.
KEY_VARIABLE: Final = "OPENAI_API_KEY"
SECOND_KEY_VARIABLE: Final = "CONFORMANCE_SECOND_API_KEY"
# The keys the auth cases make up to be refused start so: no secret, so a curl line writes one
# out as it was sent (naming $OPENAI_API_KEY would replay another request).
MADE_UP_KEY_PREFIX: Final = "sk-ucc-wrong-"
DEFAULT_AUTH_HEADER: Final = "authorization"
# Words in a header's or query parameter's name that say its value is a credential.
SECRET_WORDS: Final = (
    "key",
    "token",
    "auth",
    "secret",
    "signature",
    "cookie",
    "password",
    "credential",
)
# The fields every create of the suite sets itself; --create-extra must leave them alone.
CREATE_FIELDS: Final = ("model", "messages", "store", "metadata")
# Headers the suite's own HTTP stack or its cases set: an extra one would fight them.
RESERVED_HEADERS: Final = frozenset(
    {"content-type", "content-length", "host", "transfer-encoding", "connection"}
)
# RFC 9110 token characters: what a header name may be made of.
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
# A header value: visible ASCII, spaces and tabs (httpx sends ASCII; no line breaks).
_VALUE = re.compile(r"^[\t\x20-\x7e]*$")


# Short names of credentials, matched as a whole part of the name (Azure's SAS `sig`).
SECRET_PARTS: Final = ("sig", "pwd")


def says_secret(name: str) -> bool:
    """True when a header's or parameter's name says its value is a credential."""
    lowered = name.lower()
    parts = re.split(r"[^a-z0-9]+", lowered)
    return any(word in lowered for word in SECRET_WORDS) or any(p in parts for p in SECRET_PARTS)


def variable_for(kind: str, name: str) -> str:
    """The environment variable a curl line names for a secret header or parameter."""
    return f"UCC_{kind.upper()}_" + re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper()


@dataclass(frozen=True)
class Extra:
    """One header or query parameter the suite adds to every request.

    `variable` is the environment variable a curl line names in place of a secret value: the
    one a profile read it from, or UCC_HEADER_<NAME> / UCC_QUERY_<NAME>.
    """

    name: str
    value: str
    secret: bool = False
    variable: str | None = None

    def shown(self) -> str:
        return REDACTED if self.secret else self.value

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "secret": self.secret, "var": self.variable}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Extra:
        return cls(str(data["name"]), str(data["value"]), bool(data["secret"]), data.get("var"))


# --- reading the options' values -------------------------------------------------------------
def parse_header(text: str, source: str, *, secret: bool = False) -> Extra:
    """`NAME:VALUE` (spaces after the colon dropped, as HTTP does); one usage error otherwise.

    The error never repeats the value: it may be a secret."""
    name, colon, value = text.partition(":")
    name, value = name.strip(), value.strip()
    if not colon:
        raise pytest.UsageError(f"{source} must be NAME:VALUE, got no colon in a {_size(text)}")
    _check_header_name(name, source)
    if not _VALUE.match(value):
        raise pytest.UsageError(
            f"{source} {name}: the value must be printable ASCII on one line (no line breaks)"
        )
    secret = secret or says_secret(name)
    return Extra(name, value, secret, variable_for("header", name) if secret else None)


def parse_query(text: str, source: str) -> Extra:
    """`NAME=VALUE` (the value may hold `=`; it is sent percent-encoded as needed)."""
    name, equals, value = text.partition("=")
    if not equals:
        raise pytest.UsageError(f"{source} must be NAME=VALUE, got no '=' in a {_size(text)}")
    if not name.strip():
        raise pytest.UsageError(f"{source} must be NAME=VALUE, got an empty name")
    if name != name.strip() or "\n" in value or "\r" in value:
        raise pytest.UsageError(f"{source} {name.strip()}: no spaces around the name, one line")
    secret = says_secret(name)
    return Extra(name, value, secret, variable_for("query", name) if secret else None)


def _check_header_name(name: str, source: str) -> None:
    if not name:
        raise pytest.UsageError(f"{source} must be NAME:VALUE, got an empty name")
    if not _TOKEN.match(name):
        raise pytest.UsageError(
            f"{source}: {name[:40]!r} is no HTTP header name (letters, digits and -_.!#$%&'*+^`|~)"
        )
    if name.lower() in RESERVED_HEADERS:
        raise pytest.UsageError(f"{source}: the suite sets {name} itself; it cannot be replaced")


def _size(text: str) -> str:
    """What a malformed value was, without repeating it (it may be a secret)."""
    return f"{len(text)}-character value" if text else "empty value"


def parse_auth_header(text: str, source: str) -> str:
    """The name of the header the key goes in (lower-cased, as the transcripts show it)."""
    name = text.strip()
    _check_header_name(name, source)
    return name.lower()


def parse_create_extra(text: Any, source: str) -> dict[str, Any]:
    """A JSON object of create fields (a profile gives a table, the others a JSON text)."""
    if isinstance(text, Mapping):
        extra = dict(text)
        try:
            json.dumps(extra)
        except (TypeError, ValueError):
            raise pytest.UsageError(
                f"{source} must hold JSON values only (strings, numbers, booleans, arrays, "
                "tables), not dates or times"
            ) from None
    else:
        try:
            extra = json.loads(str(text))
        except json.JSONDecodeError as exc:
            raise pytest.UsageError(
                f"{source} must be a JSON object, e.g. '{{\"max_tokens\": 0}}': {exc.msg} "
                f"at character {exc.pos + 1}"
            ) from None
    if not isinstance(extra, dict):
        raise pytest.UsageError(
            f"{source} must be a JSON object, e.g. '{{\"max_tokens\": 0}}', got a JSON "
            f"{_json_kind(extra)}"
        )
    taken = [name for name in CREATE_FIELDS if name in extra]
    if taken:
        raise pytest.UsageError(
            f"{source} must not set {', '.join(taken)}: the suite sets "
            f"{', '.join(CREATE_FIELDS)} itself (the model with --model)"
        )
    return extra


def _json_kind(value: Any) -> str:
    kinds = {list: "array", str: "string", bool: "boolean", type(None): "null"}
    return kinds.get(type(value), "number")


def merge(layers: Iterable[Sequence[Extra]], *, fold_case: bool) -> tuple[Extra, ...]:
    """Layers from lowest to highest precedence (as `Options.layers` gives them): a name given
    again replaces the earlier value (header names compare case-insensitively)."""
    merged: dict[str, Extra] = {}
    for layer in layers:
        for extra in layer:
            merged[extra.name.lower() if fold_case else extra.name] = extra
    return tuple(merged.values())


def query_pair(name: str, value: str) -> str:
    """`name=value` as the client puts it in a URL (httpx's percent-encoding)."""
    return str(httpx.QueryParams({name: value}))


def describe(public: Mapping[str, Any]) -> list[str]:
    """What every request and create carried, from `Access.public()` (compliance.json's
    target section: a document of an older suite has none of it), a line each."""
    lines = []
    auth_header = public.get("auth_header", DEFAULT_AUTH_HEADER)
    if auth_header != DEFAULT_AUTH_HEADER:
        lines.append(f"API key sent as {auth_header}: KEY (not Authorization: Bearer)")
    headers, query = public.get("headers") or {}, public.get("query") or {}
    if headers:
        shown = ", ".join(f"{name}: {value}" for name, value in headers.items())
        lines.append(f"extra headers on every request: {shown}")
    if query:
        shown = "&".join(f"{name}={value}" for name, value in query.items())
        lines.append(f"query parameters on every request: {shown}")
    if public.get("create_extra"):
        lines.append(f"fields added to every create: {json.dumps(public['create_extra'])}")
    return lines


# --- the run's access --------------------------------------------------------------------------
@dataclass(frozen=True)
class Access:
    """How the run's requests reach the target, beyond its base URL and key."""

    auth_header: str = DEFAULT_AUTH_HEADER
    headers: tuple[Extra, ...] = ()
    query: tuple[Extra, ...] = ()
    create_extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        clash = [h.name for h in self.headers if h.name.lower() == self.auth_header]
        if clash:
            raise pytest.UsageError(
                f"--header {clash[0]}: the API key goes in that header (--auth-header "
                f"{self.auth_header}); pass the key with --api-key"
            )

    @property
    def bearer(self) -> bool:
        """The key goes as `Authorization: Bearer KEY` (otherwise bare, in its own header)."""
        return self.auth_header == DEFAULT_AUTH_HEADER

    def credential(self, key: str) -> tuple[str, str]:
        """The header that presents `key` to the target: its name and value."""
        return (self.auth_header, f"Bearer {key}" if self.bearer else key)

    def create(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """A create's body with the run's extra fields merged in."""
        return {**body, **self.create_extra}

    def secrets(self) -> list[str]:
        """Every secret value the run sends besides the keys; a query parameter's also as the
        URL carries it (percent-encoded), so a transcript's URL line is redacted too."""
        found = [extra.value for extra in (*self.headers, *self.query) if extra.secret]
        for q in self.query:
            if q.secret:
                found.append(query_pair(q.name, q.value).partition("=")[2])
        return found

    def describe(self) -> list[str]:
        """Lines for the run's header: what every request and create carries (redacted)."""
        return describe(self.public())

    def public(self) -> dict[str, Any]:
        """What compliance.json's target section says of it (secret values redacted)."""
        return {
            "auth_header": self.auth_header,
            "headers": {h.name: h.shown() for h in self.headers},
            "query": {q.name: q.shown() for q in self.query},
            "create_extra": dict(self.create_extra),
        }

    def as_dict(self) -> dict[str, Any]:
        """Plain data for an xdist worker (execnet sends only built-in types)."""
        return {
            "auth_header": self.auth_header,
            "headers": [h.as_dict() for h in self.headers],
            "query": [q.as_dict() for q in self.query],
            "create_extra": dict(self.create_extra),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Access:
        return cls(
            auth_header=str(data["auth_header"]),
            headers=tuple(Extra.from_dict(h) for h in data["headers"]),
            query=tuple(Extra.from_dict(q) for q in data["query"]),
            create_extra=dict(data["create_extra"]),
        )
