"""The classes of characters a key or a value may hold, for the round-trip corpus.

The fault model lists the changes someone has seen a store make; a store nobody has studied
changes something else. So besides the probes of the fault model, the corpus holds at least one
character of each Unicode general category a JSON string can carry, the characters JSON escapes,
and the characters that are syntax somewhere a key or a value may pass through (a URL, SQL, a
shell, a template, a JSON path, a dotted or bracketed path, a JavaScript object), each in a key
and in a value, alone, leading, trailing and repeated (conformance.corpus.class_batches).

Two categories are left to probes of their own: a lone surrogate (Cs) and NUL, which many
stores cannot hold and may refuse (conformance.corpus.OPEN).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class CharClass:
    """A class of characters and the ones the corpus sends for it."""

    name: str
    sample: str  # sent as it is, alone and around a letter


# Every space separator (Zs) Unicode has: each kind, and runs of them.
SPACES: Final = "".join(chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) == "Zs")

CLASSES: Final = (
    # --- letters, marks, numbers (L*, M*, N*) ------------------------------------------------
    CharClass("upper-case letter (Lu)", "\u00c6\u03a9"),
    CharClass("lower-case letter (Ll)", "\u00df\u0131"),  # ß upper-cases to SS; dotless i
    CharClass("title-case letter (Lt)", "\u01c5"),
    CharClass("modifier letter (Lm)", "\u02b0\u3005"),
    CharClass("other letter (Lo)", "\u3042\u05d0"),
    CharClass("non-spacing mark (Mn)", "e\u0301\u0308"),
    CharClass("spacing mark (Mc)", "\u0915\u0903"),
    CharClass("enclosing mark (Me)", "A\u20dd"),
    CharClass("decimal digit, not ASCII (Nd)", "\u0663\uff11"),
    CharClass("letter number (Nl)", "\u216b"),
    CharClass("other number (No)", "\u00bd\u2460"),
    # --- punctuation and symbols (P*, S*) ----------------------------------------------------
    CharClass("connector punctuation (Pc)", "_\u203f"),
    CharClass("dash (Pd)", "-\u2010\u2014"),
    CharClass("brackets (Ps, Pe)", "(\u300c\u300d)"),
    CharClass("quotation marks (Pi, Pf)", "\u00ab\u2018\u2019\u00bb"),
    CharClass("other punctuation (Po)", "!\u00a1\u00b7"),
    CharClass("math symbol (Sm)", "+\u2211<>="),
    CharClass("currency symbol (Sc)", "$\u20ac\u00a5"),
    CharClass("modifier symbol (Sk)", "^`\u00a8"),
    CharClass("other symbol (So)", "\u00a9\u2603"),
    # --- separators (Z*) and whitespace -------------------------------------------------------
    CharClass("space separators, every one (Zs)", SPACES),
    CharClass("ASCII whitespace", " \t\n\x0b\x0c\r"),
    CharClass("line and paragraph separators (Zl, Zp, NEL)", "\u2028\u2029\x85"),
    # --- controls and format characters (Cc, Cf) ---------------------------------------------
    CharClass("C0 controls besides NUL (Cc)", "\x01\x07\x1b\x1f"),
    CharClass("DEL and C1 controls (Cc)", "\x7f\x80\x9f"),
    CharClass("zero width characters (Cf)", "\u200b\u200c\u200d\u2060"),
    CharClass("byte-order mark (Cf)", "\ufeff"),
    CharClass("bidirectional controls (Cf)", "\u200e\u200f\u202e\u2066\u2069"),
    CharClass("soft hyphen and Arabic letter mark (Cf)", "\u00ad\u061c"),
    CharClass("tag characters, outside the BMP (Cf)", "\U000e0001\U000e0041"),
    # --- private use, unassigned, noncharacters (Co, Cn) -------------------------------------
    CharClass("private use, BMP (Co)", "\ue000\uf8ff"),
    CharClass("private use, planes 15 and 16 (Co)", "\U000f0000\U0010fffd"),
    CharClass("noncharacters (Cn)", "\ufdd0\ufffe\uffff"),
    CharClass("noncharacters outside the BMP (Cn)", "\U0001fffe\U0010ffff"),
    CharClass("unassigned code point (Cn)", "\u0378"),
    # --- outside the Basic Multilingual Plane ------------------------------------------------
    CharClass("emoji and ZWJ sequences (So, astral)", "\U0001f389\U0001f469\u200d\U0001f4bb"),
    CharClass("astral letters and symbols (Lo, So)", "\U00020000\U0001d11e"),
    CharClass("emoji with variation selector (Mn)", "\u2764\ufe0f"),
    # --- JSON's escapes -----------------------------------------------------------------------
    CharClass("JSON escapes: quote, backslash, solidus", '"\\/'),
    CharClass("JSON escapes: control characters", "\b\f\n\r\t"),
    # --- syntax somewhere a key or value passes through -------------------------------------
    CharClass("URL path and query syntax", "/?#&=+"),
    CharClass("percent-encoding", "%20%2F%"),
    CharClass("SQL syntax", "';--/*"),
    CharClass("shell syntax", "$(x)`x`|>*~!&&"),
    CharClass("template syntax", "{{x}}{%x%}${x}<%=x%>#{x}"),
    CharClass("JSON path syntax", "$.a[0]..*"),
    CharClass("dotted and bracketed paths", "a.b[0][c]"),
    CharClass("key-value and address separators", ":;=,|@"),
    CharClass("JavaScript object keys", "__proto__"),
    CharClass("HTML and XML markup", "<a>&amp;</a>"),
)


def categories(text: str) -> set[str]:
    """The Unicode general categories of the characters of `text`."""
    return {unicodedata.category(ch) for ch in text}
