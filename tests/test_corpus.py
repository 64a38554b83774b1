"""The round-trip corpus and the naming of mechanisms, without a server.

The corpus is only worth its requests if it stays within the page's limits, probes every
mechanism of the fault model, and a difference is traced to the right mechanism and to no
other; the fault matrix proves the same end to end, one suite run per server, so the cheap
checks of every mechanism live here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance.classes import CLASSES, categories
from conformance.corpus import CORPUS, OPEN, class_batches, expect_batch_held, request_body
from conformance.failures import ConformanceFailure
from conformance.fuzz.runner import open_for_a_valid_update
from conformance.mechanisms import MECHANISMS, explain_pairs, explain_refused_pair
from conformance.samples import MAX_PAIRS, is_valid_metadata

FAULT_MODEL = Path(__file__).resolve().parent / "faults" / "README.md"
# Mechanisms of the metadata map that no pair can probe: judged by a case of their own.
PROBED_ELSEWHERE = {"M21": "UCC-META-EMPTY-ACCEPTED"}
# Mechanisms of the chat completion object's documented fields (the shape cases judge them).
FIELD_MECHANISMS = {f"M{n}" for n in range(22, 32)}


def test_batches_are_valid_updates_within_the_documented_limits() -> None:
    for batch in CORPUS + OPEN:
        assert len(batch.probes) <= MAX_PAIRS, batch.name
        assert len(batch.pairs) == len(batch.probes), f"{batch.name}: a key is sent twice"
        assert is_valid_metadata(batch.pairs), batch.name


def test_only_the_open_probes_are_values_the_page_lets_a_target_refuse() -> None:
    """A refusal of a batch is a failure; so a batch must hold only values the page decides."""
    assert all(open_for_a_valid_update({"metadata": b.pairs}) is None for b in CORPUS)
    nul, surrogate = OPEN
    assert open_for_a_valid_update({"metadata": nul.pairs})
    assert any(0xD800 <= ord(ch) <= 0xDFFF for ch in "".join(surrogate.pairs.values()))
    assert all(len(batch.probes) == 1 for batch in OPEN)


def test_the_corpus_probes_every_mechanism_of_the_metadata_map() -> None:
    probed = {mid for batch in CORPUS + OPEN for mid in batch.exposes}
    assert probed | set(PROBED_ELSEWHERE) | FIELD_MECHANISMS == set(MECHANISMS)
    assert probed <= set(MECHANISMS)


def test_the_open_probes_are_sent_as_valid_json() -> None:
    body = request_body({"metadata": OPEN[1].pairs})
    assert b"\\ud800" in body
    body.decode("ascii")


def test_the_fault_model_document_lists_every_mechanism_as_the_suite_names_it() -> None:
    text = FAULT_MODEL.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (M\d+) \| ([^|]+) \|", text, re.M))
    assert {mid: title.strip() for mid, title in rows.items()} == {
        mid: mechanism.title for mid, mechanism in MECHANISMS.items()
    }


# --- naming ----------------------------------------------------------------------------------
def _keys(change: Callable[[str], str]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda sent: {change(k): v for k, v in sent.items()}


def _values(change: Callable[[str], Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda sent: {k: change(v) for k, v in sent.items()}


def _merge_under(fold: Callable[[str], str]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A unique key under a collation: the first spelling stays, the last value wins."""

    def merged(sent: dict[str, Any]) -> dict[str, Any]:
        rows: dict[str, tuple[str, Any]] = {}
        for key, value in sent.items():
            rows[fold(key)] = (rows.get(fold(key), (key, None))[0], value)
        return dict(rows.values())

    return merged


def _numeric(value: str) -> Any:
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() else number


def _nested(sent: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in sent.items():
        head, dot, rest = key.partition(".")
        if dot:
            out.setdefault(head, {})[rest] = value
        else:
            out[key] = value
    return out


def _no_accents(key: str) -> str:
    decomposed = unicodedata.normalize("NFD", key.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


MANGLERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "M1": _keys(str.lower),
    "M2": _merge_under(_no_accents),
    "M3": _values(lambda v: v.rstrip(" ")),
    "M4": _keys(lambda k: re.sub(r"_([a-z])", lambda m: m.group(1).upper(), k)),
    "M5": _nested,
    "M6": _values(str.strip),
    "M7": _values(lambda v: v.replace("\r\n", "\n").replace("\r", "\n")),
    "M8": _values(lambda v: v[:255]),
    "M9": lambda sent: {k: v for k, v in sent.items() if len(v) <= 256},
    "M10": _values(lambda v: v.encode("ascii", "replace").decode()),
    "M11": _values(lambda v: "".join("?" if ord(c) > 0xFFFF else c for c in v)),
    "M12": _values(lambda v: v.encode("utf-8", "surrogatepass").decode("latin-1")),
    "M13": _values(lambda v: unicodedata.normalize("NFC", v)),
    "M14": _values(lambda v: v.replace("\x00", "")),
    "M15": _values(lambda v: "".join("\ufffd" if 0xD800 <= ord(c) < 0xE000 else c for c in v)),
    "M16": _values(lambda v: v.replace("\\t", "\t").replace("\\n", "\n").replace("\\q", "q")),
    "M17": _values(lambda v: v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")),
    "M18": _values(lambda v: {"true": True, "null": None}.get(v, _numeric(v))),
    "M19": _values(lambda v: str(int(float(v))) if re.fullmatch(r"-?\d{16,}", v) else v),
    "M20": _values(lambda v: None if v == "" else v),
}


@pytest.mark.parametrize("mechanism", sorted(MANGLERS, key=lambda m: int(m[1:])))
def test_a_change_by_the_mechanism_is_named_after_it(mechanism: str) -> None:
    lines = [
        line
        for batch in CORPUS + OPEN
        if mechanism in batch.exposes
        for line in explain_pairs(batch.pairs, MANGLERS[mechanism](batch.pairs))
    ]
    assert lines, f"no probe of the corpus shows {mechanism}"
    assert any(f"see fault model {mechanism})" in line for line in lines), lines


def test_pairs_that_came_back_exactly_are_not_explained() -> None:
    for batch in CORPUS + OPEN:
        assert explain_pairs(batch.pairs, {**batch.pairs, "older": "pair"}) == []


def test_a_change_no_mechanism_explains_is_shown_as_it_is() -> None:
    (line,) = explain_pairs({"k": "value"}, {"k": "other"})
    assert line == 'key "k": sent "value", got "other" (a change the fault model does not name)'
    assert explain_pairs({"k": "value"}, {}) == ['key "k" is missing']


def test_a_key_change_is_named_for_a_collision_only_when_another_key_shows_it() -> None:
    """'Ab' and 'ab' in one map: a merge under a collation, unless the map also shows keys
    lowercased elsewhere."""
    merged = explain_pairs({"Ab": "1", "ab": "2"}, {"ab": "2"})
    assert "M2" in merged[0] and "M1" not in merged[0]
    lowered = explain_pairs({"Ab": "1", "ab": "2", "Key": "3"}, {"ab": "2", "key": "3"})
    assert "M1" in lowered[0] and "M2" in lowered[0]


@pytest.mark.parametrize(
    ("key", "value", "mechanism"),
    [("$ref", "v", "M5"), ("k", "a\x00b", "M14"), ("k", "", "M20"), ("k", "🎉", "M11")],
)
def test_a_refused_pair_is_named_after_the_mechanisms_that_refuse_it(
    key: str, value: str, mechanism: str
) -> None:
    assert f"see fault model {mechanism})" in explain_refused_pair(key, value)


# --- the classes of characters (conformance/classes.py) --------------------------------------
# Every general category a JSON string can hold. Cs (a lone surrogate) and NUL are sent alone
# (OPEN): many stores cannot hold them, and the page lets a target refuse them.
CATEGORIES = {
    *("Lu", "Ll", "Lt", "Lm", "Lo"),
    *("Mn", "Mc", "Me"),
    *("Nd", "Nl", "No"),
    *("Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po"),
    *("Sm", "Sc", "Sk", "So"),
    *("Zs", "Zl", "Zp"),
    *("Cc", "Cf", "Co", "Cn"),
}
# The characters that are syntax somewhere a key or value may pass through, and JSON's escapes.
SYNTAX = set("\"\\/\b\f\n\r\t?#&=+%';*$`|>~!{}<[].:_,@") | {"--", "/*", "{{", "${", "__proto__"}


def _class_probes() -> list[Any]:
    return [p for batch in CORPUS for p in batch.probes if p.carries]


@pytest.mark.parametrize("where", ["key", "value"])
def test_the_corpus_holds_every_general_category_in_keys_and_values(where: str) -> None:
    texts = [getattr(p, where) for p in _class_probes()]
    held = set().union(*(categories(text) for text in texts))
    assert held >= CATEGORIES, f"missing in {where}s: {sorted(CATEGORIES - held)}"
    assert "Cs" not in held and not any("\x00" in text for text in texts)


def test_the_corpus_holds_every_space_characters_astral_and_noncharacters() -> None:
    text = "".join(p.key + p.value for p in _class_probes())
    spaces = {chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) == "Zs"}
    assert spaces <= set(text)
    assert any(ord(ch) > 0xFFFF for ch in text)
    assert {"\ufffe", "\uffff", "\ufeff", "\u200b", "\u200d"} <= set(text)
    assert any(unicodedata.category(ch) == "Co" and ord(ch) > 0xFFFF for ch in text)


def test_the_corpus_holds_the_syntax_of_urls_sql_shells_templates_and_paths() -> None:
    text = "".join(p.key + p.value for p in _class_probes())
    assert not {s for s in SYNTAX if s not in text}


def test_each_class_is_sent_alone_and_leading_trailing_and_repeated() -> None:
    for klass in CLASSES:
        probes = [p for p in _class_probes() if p.carries == klass.name]
        alone, around = probes
        assert alone.key == alone.value == klass.sample
        for text in (around.key, around.value):
            assert text.startswith(klass.sample) and text.endswith(klass.sample)
            assert text.count(klass.sample) >= 2


def test_dropping_a_class_is_seen() -> None:
    """The checks above are not vacuous: without the private use classes, Co is missing."""
    kept = tuple(k for k in CLASSES if "(Co)" not in k.name)
    texts = [p.key for b in class_batches(kept) for p in b.probes]
    assert "Co" not in set().union(*(categories(t) for t in texts))


def test_a_changed_class_probe_is_named_with_its_class() -> None:
    """A store that strips zero width characters: the failure names the class."""
    batch = next(b for b in CORPUS if any("\u200b" in p.value for p in b.probes if p.carries))
    sent = batch.pairs
    got = {k: v.replace("\u200b", "") for k, v in sent.items()}
    with pytest.raises(ConformanceFailure) as failure:
        expect_batch_held(sent, got, (), "later retrieve")
    assert "[zero width characters (Cf)]" in failure.value.message
