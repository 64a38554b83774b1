"""The round-trip corpus: metadata pairs chosen to expose each mechanism of the fault model.

Each probe is a pair a real storage or serving layer is documented to change (the fault
model, tests/faults/README.md, and conformance/mechanisms.py): keys that merge under a
case-insensitive collation, trailing spaces a CHAR column drops, values an index drops past
256 characters, characters a utf8mb3 column cannot hold... Probes travel in batches of at
most 16 pairs, so one update exercises many mechanisms, and a pair that does not come back
exactly is traced to the mechanism that explains what came back instead.

The page lets a target refuse two kinds of valid value (never with a 5xx): a NUL character
and a lone surrogate, which many stores cannot hold. Those probes go one per update, in
`OPEN`, so a refusal of one never hides what the target does with another.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from conformance.classes import CLASSES, CharClass
from conformance.client import Client, Exchange, encode_json
from conformance.countings import over
from conformance.failures import ConformanceFailure, Inconclusive
from conformance.invariants import Rule
from conformance.jsontext import as_json
from conformance.mechanisms import explain_pairs, explain_pairs_by_key, explain_refused_pair
from conformance.samples import MAX_KEY, MAX_PAIRS, MAX_VALUE, VALUE_KEYS
from conformance.steps import accepted, read_back, rule_out_lack_of_room, stored_keys
from conformance.target import Completion, Target

# Longer than a VARCHAR(255) column and than Elasticsearch's default ignore_above (256).
LONG_VALUE = ("a 300-character value: " + "0123456789" * 30)[:296] + " END"


@dataclass(frozen=True)
class Probe:
    """A pair, and the mechanisms of the fault model it is chosen to expose (or the class of
    characters it carries: conformance.classes)."""

    key: str
    value: str
    exposes: tuple[str, ...]
    carries: str | None = None


@dataclass(frozen=True)
class Batch:
    """Probes sent together in one update. Key probes go to a completion of their own
    (`own_completion`): their keys are many and fixed, and a target that merges updates and
    caps the merged map (the page leaves both open) must still have room for the other cases'
    planned keys on the shared one."""

    name: str
    probes: tuple[Probe, ...]
    own_completion: bool = False

    @property
    def pairs(self) -> dict[str, str]:
        return {probe.key: probe.value for probe in self.probes}

    @property
    def exposes(self) -> frozenset[str]:
        return frozenset(m for probe in self.probes for m in probe.exposes)


def _on_value_keys(*probes: tuple[str, tuple[str, ...]]) -> tuple[Probe, ...]:
    """Value probes on the planned value keys (samples.VALUE_KEYS): the values are under
    test, and the keys stay within the shared completion's plan."""
    return tuple(
        Probe(key, value, exposes)
        for key, (value, exposes) in zip(VALUE_KEYS, probes, strict=False)
    )


CORPUS: tuple[Batch, ...] = (
    Batch(
        "keys",
        (
            Probe("MixedCase_Key", "mixed case", ("M1",)),
            Probe("Content-Type", "header-like key", ("M1",)),
            Probe("Ab", "capital A", ("M1", "M2")),
            Probe("ab", "small a", ("M1", "M2")),
            Probe("resume", "plain e", ("M2",)),
            Probe("résumé", "accented e", ("M2", "M10", "M12", "M13")),
            Probe("pad", "no trailing space", ("M3",)),
            Probe("pad ", "one trailing space", ("M3", "M6")),
            Probe("customer_id", "snake_case key", ("M4",)),
            Probe("planName", "camelCase key", ("M4",)),
            Probe("app.version", "dotted key", ("M5",)),
            Probe("$ref", "dollar key", ("M5",)),
        ),
        own_completion=True,
    ),
    Batch(
        "text",
        _on_value_keys(
            ("trail  ", ("M3", "M6")),
            ("  lead", ("M6",)),
            (" ", ("M3", "M6")),
            ("", ("M20",)),
            ("a\tb\nc", ("M7",)),
            ("line1\r\nline2\rline3", ("M7",)),
            ("C:\\temp\\new\\q", ("M16",)),
            ('say "hi", it\'s', ("M16",)),
            ("<b>bold</b> &amp; 'x'", ("M17",)),
            ('{"nested": [1, 2]}', ("M18",)),
            (LONG_VALUE, ("M8", "M9")),
        ),
    ),
    Batch(
        "characters",
        _on_value_keys(
            ("日本語のテキスト", ("M10", "M12")),
            ("Ödön Ünnepély", ("M10", "M12")),
            ("🎉 ok ✅", ("M10", "M11")),
            ("Cafe\u0301", ("M13",)),
            ("\ufb01 \u2460 \uff21\u00a0!", ("M13",)),  # ﬁ ① fullwidth A, NBSP
            ("0.10", ("M18",)),
            ("1e3", ("M18",)),
            ("true", ("M18",)),
            ("null", ("M18",)),
            ("-9007199254740993", ("M18", "M19")),
        ),
    ),
)


def _around(sample: str, filler: str, limit: int) -> str:
    """The sample leading, trailing and repeated around `filler`, as long as the limit allows."""
    for text in (f"{sample}{filler}{sample}{sample}", f"{sample}{filler}{sample}"):
        if len(text) <= limit:
            return text
    return f"{sample}{filler}"[:limit]


def class_batches(classes: tuple[CharClass, ...] = CLASSES) -> tuple[Batch, ...]:
    """Two pairs per class of characters: the sample alone as key and as value, then leading,
    trailing and repeated in both; in batches of at most 16, on a completion of their own."""
    probes = [
        probe
        for klass in classes
        for probe in (
            Probe(klass.sample, klass.sample, (), klass.name),
            Probe(
                _around(klass.sample, "k", MAX_KEY),
                _around(klass.sample, "v", MAX_VALUE),
                (),
                klass.name,
            ),
        )
    ]
    count = -(-len(probes) // MAX_PAIRS)
    size = -(-len(probes) // count)
    return tuple(
        Batch(f"classes-{n + 1}", tuple(probes[n * size : (n + 1) * size]), own_completion=True)
        for n in range(count)
    )


CORPUS += class_batches()
# The class of characters each class probe's key carries, to name it in a failure.
CARRIES: dict[str, str] = {
    probe.key: probe.carries for batch in CORPUS for probe in batch.probes if probe.carries
}

# Valid values the page lets a target refuse (4xx, never 5xx): one per update.
OPEN = (
    Batch("nul", _on_value_keys(("before\x00after", ("M14",)))),
    Batch("lone-surrogate", _on_value_keys(("lone \ud800 surrogate", ("M15",)))),
)


def request_body(body: Any) -> bytes:
    """The update's JSON as a client sends it: UTF-8, with \\u escapes only where UTF-8
    cannot carry the text (a lone surrogate)."""
    try:
        return encode_json(body)
    except UnicodeEncodeError:
        return json.dumps(body, separators=(",", ":")).encode("ascii")


def expect_batch_held(
    sent: Mapping[str, str],
    metadata: Any,
    exchanges: Exchange | tuple[Exchange, ...],
    where: str,
) -> None:
    """Every sent pair is in `metadata` exactly as sent; a failure names the mechanism of the
    fault model behind each difference. Extra pairs are allowed (merge semantics)."""
    shown = exchanges if isinstance(exchanges, tuple) else (exchanges,)
    if not isinstance(metadata, dict):
        raise ConformanceFailure(
            f"{where}: expected metadata to be a map holding the sent pairs, got "
            f"{as_json(metadata, 200)}",
            shown,
        )
    lines = [
        f"{line} [{CARRIES[key]}]" if key in CARRIES else line
        for key, line in explain_pairs_by_key(sent, metadata)
    ]
    if lines:
        told = lines[:8] + ([f"and {len(lines) - 8} more"] if len(lines) > 8 else [])
        raise ConformanceFailure(
            f"{where}: {len(lines)} of the {len(sent)} sent pairs did not come back as sent: "
            + "; ".join(told),
            shown,
        )


def holder(target: Target, batch: Batch) -> Completion:
    """The completion a batch is written to: the shared one, or for key probes their own,
    with room made for the batch's keys on a target that merges."""
    if not batch.own_completion:
        return target.stored()
    completion = target.scratch()
    _make_room(target, completion, batch.pairs)
    return completion


def _make_room(target: Target, completion: Completion, sent: dict[str, str]) -> None:
    """On a target that merges updates (the page allows it, and a cap of 16 on the merged map),
    the keys of the previous batch may leave no room: an empty map clears them where the target
    lets it (UCC-INFO-EMPTY-MAP); where it does not, the batch cannot be sent, which is a skip
    with the reason, not a verdict."""
    if target.invariants.rule is not Rule.MERGE:
        return
    _, keys = stored_keys(target, completion)
    if len(set(keys) | set(sent)) <= MAX_PAIRS:
        return
    target.client.update(completion.id, {"metadata": {}})
    _, keys = stored_keys(target, completion)
    if len(set(keys) | set(sent)) > MAX_PAIRS:
        pytest.skip(
            f"the target merges updates and keeps every pair (an empty map leaves them): the "
            f"{len(keys)} keys earlier batches stored leave no room for this batch's "
            f"{len(set(sent) - set(keys))} new keys"
        )


def expect_batch_accepted(
    api: Client, target: Target, completion: Completion, exchange: Exchange, sent: dict[str, str]
) -> dict[str, Any]:
    """conformance.steps.accepted for a batch: the answer to a batch the case needs accepted. A
    refusal the suite's own earlier pairs explain (a merging target's full map) is INCONCLUSIVE;
    any other names the pairs refused alone, with the mechanisms documented to refuse them."""
    if exchange.status in (400, 422):  # refused as invalid: which pairs, and why
        rule_out_lack_of_room(target, completion, exchange, sent)
        raise refused_batch_failure(api, completion.id, sent, exchange)
    return accepted(target, completion, exchange, sent)


def expect_batch_read_back(
    target: Target, completion: Completion, write: Exchange, sent: dict[str, str]
) -> None:
    """conformance.steps.read_back for a batch, with a failure that names the fault model's
    mechanisms."""
    try:
        read_back(target, completion, write, sent)
    except ConformanceFailure as failure:
        last = failure.exchanges[-1] if failure.exchanges else None
        body = last.json_object() if last is not None else None
        metadata = body.get("metadata") if body is not None else None
        if last is None or not isinstance(metadata, dict) or not explain_pairs(sent, metadata):
            raise
        expect_batch_held(sent, metadata, failure.exchanges, "later retrieve")


def _counted_otherwise(key: str, value: str) -> str:
    """', over the limit as N UTF-8 bytes, ...' when the pair is, under another counting."""
    longer = {
        **over(key, MAX_KEY),
        **{f"{k} (value)": n for k, n in over(value, MAX_VALUE).items()},
    }
    if not longer:
        return ""
    return ", over the limits counted as " + ", ".join(f"{n} {name}" for name, n in longer.items())


def expect_accepted_or_refused(exchange: Exchange, sent: Mapping[str, str]) -> bool:
    """For a value the page lets a target refuse: True when accepted (200), False when
    refused with a 4xx; anything else (a 5xx, no answer) is a failure naming the mechanism."""
    if exchange.status == 200:
        return True
    if exchange.status is not None and 400 <= exchange.status < 500:
        return False
    named = "; ".join(explain_refused_pair(key, value) for key, value in sent.items())
    raise ConformanceFailure(
        f"expected the value accepted (200) or refused with a 4xx, got {exchange.answer}: {named}",
        (exchange,),
    )


def refused_batch_failure(
    api: Client, completion_id: str, sent: dict[str, str], refused: Exchange
) -> ConformanceFailure | Inconclusive:
    """The failure that says why a valid batch was refused: each pair is sent alone (only after
    a refusal), and the pairs refused alone are named with the mechanisms documented to refuse
    them; INCONCLUSIVE when none is refused alone."""
    alone = [
        (key, api.update(completion_id, {"metadata": {key: value}})) for key, value in sent.items()
    ]
    singled = [(key, exchange) for key, exchange in alone if exchange.status != 200]
    if not singled:
        return Inconclusive(
            f"a valid update of {len(sent)} pairs was refused ({refused.answer}) though each "
            "pair alone is accepted; a target that merges updates may refuse one that takes the "
            "stored map past 16 pairs (UCC-INFO-MERGE-SEMANTICS)"
        )
    named = "; ".join(
        explain_refused_pair(key, sent[key])
        + (f" [{CARRIES[key]}]" if key in CARRIES else "")
        + _counted_otherwise(key, sent[key])
        for key, _ in singled[:4]
    )
    return ConformanceFailure(
        f"a valid update of {len(sent)} pairs was refused ({refused.answer}); sent alone, "
        f"{len(singled)} of them are refused too: {named}",
        (refused, *(exchange for _, exchange in singled[:3])),
    )
