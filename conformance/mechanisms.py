"""The fault model's mechanisms, and how a round-trip failure is traced back to one of them.

A vendor's metadata passes through databases, ORMs, serializers, caches and gateways, each
with documented ways of changing a string on the way through (tests/faults/README.md lists
them with their sources). When a pair does not come back as sent, `explain_pairs` tries each
documented change on what was sent and names the mechanisms that reproduce what came back,
so a failure reads "key 'Ab' came back as 'ab': keys lowercased ... (fault model M1)"
instead of a bare difference. A change no mechanism reproduces is shown as it is. The
`explain_*` functions return that text; what to make of it (a failure, a skip) is the caller's.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from conformance.jsontext import as_json

# JavaScript numbers are IEEE-754 doubles: integers are exact up to 2^53.
JS_SAFE_INTEGER = 2**53
# Elasticsearch's dynamic mapping gives strings a keyword field with ignore_above: 256.
IGNORE_ABOVE = 256


@dataclass(frozen=True)
class Mechanism:
    """One documented way a storage or serving layer changes data (tests/faults/README.md)."""

    id: str
    title: str  # what happens, as a failure line says it
    where: str  # the systems documented to do it, in a few words


_ALL = (
    # --- keys ----------------------------------------------------------------------------
    Mechanism("M1", "keys re-cased", "HTTP-header-style maps: Node.js http, Go net/http"),
    Mechanism(
        "M2",
        "keys compared case- or accent-insensitively, so distinct keys merge",
        "unique key under a MySQL/MariaDB *_ci collation, SQLite NOCASE",
    ),
    Mechanism(
        "M3",
        "trailing spaces insignificant",
        "SQL CHAR(n) columns and PAD SPACE collations",
    ),
    Mechanism(
        "M4",
        "keys converted between snake_case and camelCase",
        "camel-case JSON middleware such as djangorestframework-camel-case",
    ),
    Mechanism(
        "M5",
        "keys with '.' or a leading '$' taken as paths or operators",
        "MongoDB dot notation and field-name rules",
    ),
    # --- whitespace, lengths ---------------------------------------------------------------
    Mechanism(
        "M6",
        "surrounding whitespace trimmed",
        "serializer defaults such as Django REST framework CharField(trim_whitespace=True)",
    ),
    Mechanism(
        "M7",
        "line ends or whitespace normalized",
        "XML 1.0 end-of-line and attribute-value normalization, HTML form submission",
    ),
    Mechanism(
        "M8",
        "values cut to a column width",
        "VARCHAR(255) columns: MySQL non-strict mode, PostgreSQL casts to varchar(n)",
    ),
    Mechanism(
        "M9",
        f"values longer than {IGNORE_ABOVE} characters dropped",
        f"Elasticsearch keyword fields, ignore_above: {IGNORE_ABOVE} in dynamic mappings",
    ),
    # --- characters ------------------------------------------------------------------------
    Mechanism(
        "M10",
        "characters outside the column's character set replaced by '?'",
        "latin1 or ascii columns in MySQL/MariaDB",
    ),
    Mechanism(
        "M11",
        "characters outside the Basic Multilingual Plane lost",
        "MySQL/MariaDB utf8mb3 ('utf8') columns",
    ),
    Mechanism(
        "M12",
        "UTF-8 decoded as Latin-1 (mojibake)",
        "a latin1 database connection, WSGI's ISO-8859-1 native strings",
    ),
    Mechanism(
        "M13",
        "Unicode normalization applied",
        "NFC/NFKC normalizers: Django's normalize_username, ICU normalizers in search indexes",
    ),
    Mechanism(
        "M14",
        "NUL characters cut or dropped",
        "C strings, SQLite length(); PostgreSQL text and jsonb cannot hold NUL",
    ),
    Mechanism(
        "M15",
        "lone surrogates replaced",
        "Go encoding/json decodes them to U+FFFD; Python fails to encode them as UTF-8",
    ),
    # --- escaping --------------------------------------------------------------------------
    Mechanism(
        "M16",
        "backslash escapes interpreted",
        "values pasted into MySQL string literals by hand",
    ),
    Mechanism(
        "M17",
        "HTML entities escaped or unescaped",
        "input sanitizers such as validator.js escape(), PHP htmlspecialchars",
    ),
    # --- types -----------------------------------------------------------------------------
    Mechanism(
        "M18",
        "strings that look like numbers, booleans, null or JSON change type",
        "PHP json_encode(JSON_NUMERIC_CHECK), YAML 1.1 implicit typing",
    ),
    Mechanism(
        "M19",
        "integers beyond 2^53 rounded",
        "IEEE-754 doubles: JavaScript Number and JSON.parse",
    ),
    Mechanism(
        "M20",
        "empty strings stored as NULL or dropped",
        "Oracle (a zero-length string is NULL), MariaDB EMPTY_STRING_IS_NULL",
    ),
    Mechanism(
        "M21",
        "an empty map serialized as an empty list",
        "PHP: json_decode(..., true) then json_encode turns {} into []",
    ),
    # --- documented fields of the chat completion object -----------------------------------
    Mechanism(
        "M22", "created in milliseconds", "JavaScript Date.now() in OpenAI-compatible servers"
    ),
    Mechanism("M23", "created serialized as a string", "datetime and numeric-string encoders"),
    Mechanism(
        "M24",
        "finish_reason of another backend passed through",
        "TGI 'eos_token', 'eos' and 'end' from OpenAI-compatible gateways",
    ),
    Mechanism("M25", "choice index not its position", "servers that number choices otherwise"),
    Mechanism(
        "M26",
        "usage counts that do not add up",
        "gateways that leave reasoning tokens out of completion_tokens",
    ),
    Mechanism("M27", "object type of another endpoint", "'text_completion' from chat endpoints"),
    Mechanism(
        "M28", "id minted by a gateway", "proxies that answer with their own chatcmpl-<uuid>"
    ),
    Mechanism(
        "M29",
        "service_tier of another provider",
        "Groq 'on_demand', OpenRouter 'standard'",
    ),
    Mechanism(
        "M30",
        "metadata dropped from the answer",
        "typed re-serialization without a metadata field",
    ),
    Mechanism("M31", "logprobs given as probabilities", "llama.cpp server before its fix"),
)
MECHANISMS: dict[str, Mechanism] = {m.id: m for m in _ALL}


# --- transformations the mechanisms apply ----------------------------------------------------
Change = Callable[[str], str]


def _astral(replacement: Callable[[str], str]) -> Change:
    return lambda text: "".join(replacement(ch) if ord(ch) > 0xFFFF else ch for ch in text)


def _surrogates(replacement: str) -> Change:
    return lambda text: "".join(replacement if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text)


def _normalized(form: Literal["NFC", "NFD", "NFKC", "NFKD"]) -> Change:
    return lambda text: unicodedata.normalize(form, text)


def _latin1_column(text: str) -> str:
    """A latin1 column in non-strict mode (MariaDB): '?' per character it cannot hold, and
    '????' for a 4-byte one."""
    return "".join(ch if ord(ch) < 256 else "????" if ord(ch) > 0xFFFF else "?" for ch in text)


def _mojibake(text: str) -> str:
    return text.encode("utf-8", "surrogatepass").decode("latin-1")


def _mojibake_cp1252(text: str) -> str:
    return text.encode("utf-8", "surrogatepass").decode("cp1252", errors="replace")


_MYSQL_ESCAPES = {"0": "\x00", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}


def mysql_unescape(text: str) -> str:
    """What a MySQL string literal makes of the text pasted between its quotes: \\n, \\t,
    \\0 ... are interpreted, \\% and \\_ kept, and any other backslash dropped."""

    def one(match: re.Match[str]) -> str:
        ch = match.group(1)
        if ch in "%_":
            return "\\" + ch
        return _MYSQL_ESCAPES.get(ch, ch)

    return re.sub(r"\\(.)", one, text, flags=re.DOTALL)


def validator_escape(text: str) -> str:
    """validator.js escape(): &, <, >, ", ', / and backslash and backtick as HTML entities."""
    table = {
        "&": "&amp;",
        '"': "&quot;",
        "'": "&#x27;",
        "<": "&lt;",
        ">": "&gt;",
        "/": "&#x2F;",
        "\\": "&#x5C;",
        "`": "&#96;",
    }
    return "".join(table.get(ch, ch) for ch in text)


def camelize(key: str) -> str:
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), key)


def underscoreize(key: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", lambda m: "_" + m.group(1).lower(), key)


def header_case(key: str) -> str:
    """Go's CanonicalMIMEHeaderKey: upper-case the first letter and each after '-'."""
    return "-".join(part[:1].upper() + part[1:].lower() for part in key.split("-"))


# Changes a key or a value may undergo, each with its mechanism and a short description.
CHARACTER_CHANGES: tuple[tuple[str, str, Change], ...] = (
    (
        "M10",
        "non-ASCII characters replaced by '?'",
        lambda t: t.encode("ascii", "replace").decode(),
    ),
    (
        "M10",
        "characters outside Latin-1 replaced by '?'",
        lambda t: t.encode("latin-1", "replace").decode("latin-1"),
    ),
    ("M10", "characters outside Latin-1 replaced by '?', 4-byte ones by '????'", _latin1_column),
    ("M11", "each 4-byte character stored as '????'", _astral(lambda ch: "????")),
    ("M11", "4-byte characters replaced by '?'", _astral(lambda ch: "?")),
    ("M11", "4-byte characters replaced by U+FFFD", _astral(lambda ch: "\ufffd")),
    ("M11", "4-byte characters dropped", _astral(lambda ch: "")),
    ("M12", "UTF-8 bytes read as Latin-1", _mojibake),
    ("M12", "UTF-8 bytes read as Windows-1252", _mojibake_cp1252),
    ("M13", "normalized to NFC", _normalized("NFC")),
    ("M13", "normalized to NFD", _normalized("NFD")),
    ("M13", "normalized to NFKC", _normalized("NFKC")),
    ("M13", "normalized to NFKD", _normalized("NFKD")),
    ("M15", "lone surrogates replaced by U+FFFD", _surrogates("\ufffd")),
    ("M15", "lone surrogates dropped", _surrogates("")),
    ("M15", "lone surrogates replaced by '?'", _surrogates("?")),
)
KEY_CHANGES: tuple[tuple[str, str, Change], ...] = (
    ("M1", "keys lowercased", str.lower),
    ("M1", "keys upper-cased", str.upper),
    ("M1", "keys re-cased like HTTP header names", header_case),
    ("M4", "snake_case keys camelCased", camelize),
    ("M4", "camelCase keys snake_cased", underscoreize),
    ("M6", "keys trimmed", str.strip),
    ("M3", "trailing spaces dropped from keys", lambda k: k.rstrip(" ")),
    *CHARACTER_CHANGES,
)
VALUE_CHANGES: tuple[tuple[str, str, Change], ...] = (
    ("M6", "surrounding whitespace trimmed", str.strip),
    ("M3", "trailing spaces dropped", lambda v: v.rstrip(" ")),
    (
        "M7",
        "CR LF and lone CR turned into LF",
        lambda v: v.replace("\r\n", "\n").replace("\r", "\n"),
    ),
    ("M7", "tab, CR and LF turned into spaces", lambda v: re.sub("[\t\r\n]", " ", v)),
    ("M7", "line ends turned into CR LF", lambda v: re.sub(r"\r\n|\r|\n", "\r\n", v)),
    ("M14", "cut at the first NUL", lambda v: v.split("\x00", 1)[0]),
    ("M14", "NUL characters dropped", lambda v: v.replace("\x00", "")),
    ("M16", "backslash escapes interpreted", mysql_unescape),
    ("M16", "backslashes escaped twice", lambda v: v.replace("\\", "\\\\")),
    ("M17", "HTML-escaped", lambda v: html.escape(v, quote=True)),
    ("M17", "HTML-escaped", lambda v: html.escape(v, quote=False)),
    ("M17", "HTML-escaped", validator_escape),
    ("M17", "HTML entities unescaped", html.unescape),
    *CHARACTER_CHANGES,
)


# --- explaining a map that came back ---------------------------------------------------------
def _fold(key: str) -> str:
    """A key as a case-, accent- and trailing-space-insensitive collation compares it."""
    decomposed = unicodedata.normalize("NFKD", key.rstrip(" ").casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _numeric(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _js_number_string(text: str) -> str | None:
    """What a JavaScript String(Number(text)) makes of a long integer string."""
    if not re.fullmatch(r"[-+]?\d+", text) or abs(int(text)) <= JS_SAFE_INTEGER:
        return None
    return str(int(float(text)))


def _typed(sent: str, got: Any) -> list[tuple[str, str]]:
    """Mechanisms by which a sent string came back as another JSON type (or other digits)."""
    found: list[tuple[str, str]] = []
    if got is None:
        if sent == "":
            found.append(("M20", "the empty string came back as null"))
        elif sent.strip().lower() in ("null", "~", "none"):
            found.append(("M18", "came back as null"))
        return found
    if isinstance(got, bool):
        return [("M18", f"came back as JSON {json.dumps(got)}")]
    if isinstance(got, int | float):
        found.append(("M18", f"came back as the JSON number {as_json(got)}"))
        exact = re.fullmatch(r"[-+]?\d+", sent)
        if exact and abs(int(sent)) > JS_SAFE_INTEGER and got != int(sent):
            found.append(("M19", "losing the digits beyond 2^53"))
        return found
    if isinstance(got, dict | list):
        try:
            parsed = json.loads(sent)
        except ValueError:
            parsed = None
        if parsed == got:
            return [("M18", f"came back parsed into a JSON {type(got).__name__}")]
        return [("M5", "came back as a nested object")] if isinstance(got, dict) else []
    if isinstance(got, str) and _js_number_string(sent) == got:
        return [("M19", "digits beyond 2^53 lost on the way through a number")]
    return []


def value_mechanisms(sent: str, got: Any) -> list[tuple[str, str]]:
    """(mechanism, how) pairs whose documented change turns `sent` into `got`."""
    if not isinstance(got, str):
        return _typed(sent, got)
    found = [(mid, how) for mid, how, change in VALUE_CHANGES if change(sent) == got]
    found += _typed(sent, got)
    if not found and 0 < len(got) < len(sent) and sent.startswith(got):
        found.append(("M8", f"cut to {len(got)} characters"))
    if not found and re.sub(r"\s+", " ", sent).strip() == got:
        found.append(("M7", "whitespace runs collapsed"))
    return _unique(found)


def _unique(found: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(dict.fromkeys(found))


def because(found: list[tuple[str, str]], joiner: str = " or ") -> str:
    """'keys lowercased (Node.js http, Go net/http; see fault model M1) or ...'"""
    parts = [f"{how} ({MECHANISMS[mid].where}; see fault model {mid})" for mid, how in found]
    return joiner.join(dict.fromkeys(parts))


def note(mechanism_id: str, how: str) -> str:
    """': how (where; see fault model Mx)', to end a failure line about a documented field."""
    return ": " + because([(mechanism_id, how)])


def _show(text: Any, width: int = 60) -> str:
    return as_json(text, width)


def explain_pairs(sent: Mapping[str, str], got: Mapping[str, Any]) -> list[str]:
    """One line per sent pair that is not in `got` exactly as sent, naming the mechanisms the
    fault model knows that explain what came back instead."""
    return [line for _, line in explain_pairs_by_key(sent, got)]


def explain_pairs_by_key(sent: Mapping[str, str], got: Mapping[str, Any]) -> list[tuple[str, str]]:
    """explain_pairs, each line with the sent key it is about."""
    confirmed = {
        (mid, how)
        for key in sent
        if key not in got
        for mid, how, new in _renamings(key, got)
        if new not in sent
    }
    return [
        (key, line)
        for key, value in sent.items()
        for line in _explain_one(key, value, sent, got, confirmed)
    ]


def _renamings(key: str, got: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(mechanism, how, new key) for each documented key change that lands on a key of `got`."""
    return [
        (mid, how, change(key))
        for mid, how, change in KEY_CHANGES
        if change(key) != key and change(key) in got
    ]


def _explain_one(
    key: str,
    value: str,
    sent: Mapping[str, str],
    got: Mapping[str, Any],
    confirmed: set[tuple[str, str]],
) -> Iterator[str]:
    """The line for one pair; a key change that lands on another sent key is only named
    when another key of the same map shows it (`confirmed`), else the keys merged."""
    if key in got:
        if got[key] != value:
            into = _merged_into(key, got[key], sent)
            change = _value_change(value, got[key], named=not into)
            yield f"key {_show(key)}: {change}{into}"
        return
    renamed = _renamings(key, got)
    collided = [new for _, _, new in renamed if new in sent]
    if renamed and not collided:
        new = renamed[0][2]
        why = because([(mid, how) for mid, how, other in renamed if other == new])
        line = f"key {_show(key)} came back as {_show(new)}: {why}"
        if got[new] != value:
            line += f"; and its value: {_value_change(value, got[new])}"
        yield line
        return
    twins = [k for k in sent if k != key and k in got and _fold(k) == _fold(key)]
    if twins or collided:
        twin = (twins or collided)[0]
        merged = [
            (mid, how) for mid, how, new in renamed if new == twin and (mid, how) in confirmed
        ]
        merged.append(_merge_reason(key, twin))
        holds = " and holds this key's value" if got[twin] == value else ""
        yield (
            f"key {_show(key)} is missing, and {_show(twin)}, sent in the same update, came "
            f"back in its place{holds}: " + because(_unique(merged))
        )
        return
    head = key.split(".", 1)[0]
    if "." in key and isinstance(got.get(head), dict):
        yield (
            f"key {_show(key)} is missing and {_show(head)} came back as a nested object: "
            + because([("M5", "dotted key expanded into a path")])
        )
    elif len(value) > IGNORE_ABOVE:
        yield (
            f"key {_show(key)} (a {len(value)}-character value) is missing: "
            + because([("M9", f"a value longer than {IGNORE_ABOVE} characters dropped")])
        )
    elif value == "":
        yield f"key {_show(key)} (an empty value) is missing: " + because(
            [("M20", "the empty value dropped")]
        )
    else:
        yield f"key {_show(key)} is missing"


def _merged_into(key: str, got: Any, sent: Mapping[str, str]) -> str:
    """When a kept key holds the value sent for a collation-equal key: the merge named."""
    for other, value in sent.items():
        if other != key and value == got and _fold(other) == _fold(key):
            return f", the value sent for {_show(other)}: " + because([_merge_reason(key, other)])
    return ""


def _merge_reason(key: str, twin: str) -> tuple[str, str]:
    if key.rstrip(" ") == twin.rstrip(" "):
        return ("M3", "keys that differ only in trailing spaces merged")
    if key.casefold() == twin.casefold():
        return ("M2", "keys that differ only in case merged")
    return ("M2", "keys that differ only in accents merged")


def _value_change(sent: str, got: Any, *, named: bool = True) -> str:
    """'sent X, got Y: how (where; see fault model M..)' for one value."""
    shown_sent, shown_got = _show(sent), _show(got)
    if unicodedata.normalize("NFC", shown_sent) == unicodedata.normalize("NFC", shown_got):
        # differences the text does not show (normalization forms): code points shown
        shown_sent, shown_got = json.dumps(sent)[:60], json.dumps(got)[:60]
    head = f"sent {shown_sent}, got {shown_got}"
    if not named:
        return head
    found = value_mechanisms(sent, got)
    if not found:
        return head + " (a change the fault model does not name)"
    joiner = " and " if not isinstance(got, str) else " or "
    return f"{head}: {because(found, joiner)}"


def refusal_mechanisms(key: str, value: str) -> list[tuple[str, str]]:
    """Mechanisms documented to refuse (or crash on) this pair, to name a refused update."""
    found: list[tuple[str, str]] = []
    if key.startswith("$"):
        found.append(("M5", "a key starting with '$'"))
    if "." in key:
        found.append(("M5", "a key holding '.'"))
    text = key + value
    if any(ord(ch) > 0xFFFF for ch in text):
        found.append(
            ("M11", "a 4-byte character (utf8mb3 in strict mode: 'Incorrect string value')")
        )
    elif not text.isascii():
        found.append(("M10", "a character outside the column's character set"))
    if "\x00" in text:
        found.append(("M14", "a NUL character"))
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        found.append(("M15", "a lone surrogate"))
    if "\\" in text or "'" in text or '"' in text:
        found.append(("M16", "a quote or backslash breaking a hand-built literal"))
    if "<" in text or "&" in text:
        found.append(("M17", "markup an input sanitizer refuses"))
    if value == "":
        found.append(("M20", "an empty value (e.g. CharField(allow_blank=False))"))
    if len(value) > 255:
        found.append(("M8", "a value longer than 255 characters (VARCHAR(255) in strict mode)"))
    if _numeric(value) is not None:
        found.append(("M18", "a value that looks like a number"))
    return found


def explain_refused_pair(key: str, value: str) -> str:
    """The pair, and the mechanisms documented to refuse it: text for a refusal's failure."""
    found = refusal_mechanisms(key, value)
    subject = f"the pair {_show(key, 40)}: {_show(value, 40)}"
    if not found:
        return f"{subject} (a refusal the fault model does not name)"
    return f"{subject}, which holds " + because(found)
