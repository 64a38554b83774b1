"""How long a string is, counted the ways a store might count it, and text at the limits built
so that every other counting disagrees with the page's.

The page counts characters: "Keys are strings with a maximum length of 64 characters. Values are
strings with a maximum length of 512 characters." A character is a Unicode code point, as a
JSON string holds them. Stores count otherwise: UTF-8 bytes (a VARCHAR(n) of bytes, a byte
limit in a gateway), the length of the JSON-escaped text (a check on the raw body), decomposed or
compatibility-normalized text (a normalizer ahead of the check), or fewer: grapheme clusters, the
normalized composed form, the text trimmed or without its invisible format characters.

`heavy` text is longer than its characters under every counting that counts more, `light` text
shorter under every counting that counts less; at the limit and one past it, they tell whether a
store counts characters. A character outside the Basic Multilingual Plane is one character, as
any other: two UTF-16 code units (JavaScript's String length) is another counting.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Mapping
from typing import Final

Counting = Callable[[str], int]


def _escaped(text: str, *, ascii_only: bool) -> int:
    return len(json.dumps(text, ensure_ascii=ascii_only)) - 2


def _normalized(form: str) -> Counting:
    return lambda text: len(unicodedata.normalize(form, text))  # type: ignore[arg-type]


def graphemes(text: str) -> int:
    """User-perceived characters, for the text this module builds: a combining mark or a zero
    width joiner belongs to the character before it, and CR LF is one (UAX #29's rules for
    these; the suite does not need the rest)."""
    count, previous = 0, ""
    for ch in text:
        joins = unicodedata.combining(ch) or ch in "\u200d\ufe0f" or previous == "\u200d"
        if not (joins or (previous == "\r" and ch == "\n")):
            count += 1
        previous = ch
    return count


def _visible(text: str) -> int:
    """Characters but the invisible format ones (zero width space, joiners, BOM)."""
    return sum(1 for ch in text if unicodedata.category(ch) != "Cf")


# Countings that count more than characters, for some text.
MORE: Final[Mapping[str, Counting]] = {
    "UTF-8 bytes": lambda text: len(text.encode("utf-8")),
    "UTF-16 code units": lambda text: len(text.encode("utf-16-le")) // 2,
    "JSON-escaped text with \\u escapes": lambda text: _escaped(text, ascii_only=True),
    "JSON-escaped text": lambda text: _escaped(text, ascii_only=False),
    "NFD (decomposed) characters": _normalized("NFD"),
    "NFKD characters": _normalized("NFKD"),
    "NFKC characters": _normalized("NFKC"),
}
# Countings that count fewer than characters, for some text.
FEWER: Final[Mapping[str, Counting]] = {
    "grapheme clusters": graphemes,
    "NFC (composed) characters": _normalized("NFC"),
    "characters after trimming": lambda text: len(text.strip()),
    "characters but invisible format ones": _visible,
}

# é (2 UTF-8 bytes, 2 in NFD), 日 (3 bytes), a quote and a backslash (2 escaped), ﬁ (2 in
# NFKC/NFKD), 한 (3 bytes, 3 in NFD), a tab (2 escaped), 𝄞 (2 UTF-16 code units, 4 bytes):
# heavier than one, each some way.
_HEAVY_CYCLE: Final = '\u00e9\u65e5"\\\ufb01\ud55c\t\U0001d11e'
# e + combining acute (one grapheme, one NFC character), CR LF (one grapheme), a zero width
# space (invisible), between spaces that trimming drops.
_LIGHT_CYCLE: Final = "e\u0301\r\n\u200b"


# The same without ASCII: heavier under every counting of MORE but the JSON-escaped text (the
# largest update: a quote, a backslash or a tab is the limit cases' and the round trip's).
_WIDE_CYCLE: Final = "\u00e9\u65e5\ufb01\ud55c\U0001d11e"


def heavy(length: int, start: int = 0, *, ascii_too: bool = True) -> str:
    """`length` characters, each longer than one under some counting of MORE (with
    `ascii_too` False, no ASCII character: not the JSON escapes)."""
    base = _HEAVY_CYCLE if ascii_too else _WIDE_CYCLE
    cycle = base[start % len(base) :] + base[: start % len(base)]
    return (cycle * (length // len(cycle) + 1))[:length]


def light(length: int) -> str:
    """`length` characters that count fewer under every counting of FEWER: spaces at both ends
    around combining sequences, CR LF and zero width spaces."""
    core = (_LIGHT_CYCLE * (length // len(_LIGHT_CYCLE) + 1))[: length - 2]
    return f" {core} "


def over(text: str, limit: int, countings: Mapping[str, Counting] = MORE) -> dict[str, int]:
    """The countings under which `text` is longer than `limit`, with the length each gives."""
    return {name: n for name, count in countings.items() if (n := count(text)) > limit}


def within(text: str, limit: int, countings: Mapping[str, Counting] = FEWER) -> dict[str, int]:
    """The countings under which `text` fits within `limit`, with the length each gives."""
    return {name: n for name, count in countings.items() if (n := count(text)) <= limit}


# One character per kind of counting: which of them a store refuses at the limit tells how it
# counts (a refusal of the HEAVY text alone cannot).
PURE: Final[Mapping[str, str]] = {
    "CJK": "\u65e5",
    "quote": '"',
    "accented": "\u00e9",
    "ligature": "\ufb01",
    "astral": "\U0001d11e",
}


def suggested(refused: Mapping[str, bool], limit: int) -> list[str]:
    """The countings of MORE that explain which PURE texts, `limit` characters long, a store
    refused (True) and accepted (False)."""
    return [
        name
        for name, count in MORE.items()
        if all((count(PURE[probe] * limit) > limit) == was for probe, was in refused.items())
    ]
