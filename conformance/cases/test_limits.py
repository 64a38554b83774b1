"""The documented limits: 16 pairs, 64-character keys, 512-character values, in characters."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance.client import Client, Exchange
from conformance.countings import heavy, light
from conformance.expect import expect_ok, expect_refused_beyond
from conformance.samples import (
    CASE,
    KEY_64,
    KEY_64_HEAVY,
    KEY_64_LATIN,
    MAX_KEY,
    MAX_PAIRS,
    MAX_VALUE,
    A,
    key_of,
    pairs,
)
from conformance.steps import (
    accepted,
    expect_counted_in_characters,
    expect_largest_accepted,
    lacks_room,
    largest_update,
    observed_refusal,
    put_known,
    read_back,
    sixteen_that_fit,
    unchanged_after,
)
from conformance.target import Completion, Target


def _refused_and_unchanged(
    api: Client, target: Target, stored: Completion, sent: dict[str, str], case: str
) -> None:
    """The over-limit update is refused with 4xx, and the stored metadata stays as it was."""
    before = put_known(target, stored, {CASE: target.unique(case)})
    exchange = api.update(stored.id, {"metadata": sent})
    expect_refused_beyond(exchange, sent)
    unchanged_after(target, stored, before, exchange)


@pytest.mark.requirement("UCC-LIMIT-KEY-64")
def test_sixty_four_character_key_is_accepted_and_stored(
    api: Client, target: Target, stored: Completion
) -> None:
    """MUST: "Keys are strings with a maximum length of 64 characters." """
    sent = {KEY_64: "sixty-four"}
    exchange = api.update(stored.id, {"metadata": sent})
    accepted(target, stored, exchange, sent)
    read_back(target, stored, exchange, sent)


@pytest.mark.requirement("UCC-LIMIT-KEY-65")
def test_sixty_five_character_key_is_rejected_and_nothing_stored(
    api: Client, target: Target, stored: Completion
) -> None:
    """MUST: "Keys are strings with a maximum length of 64 characters." """
    sent = {key_of(MAX_KEY + 1, "k65_"): "sixty-five"}
    _refused_and_unchanged(api, target, stored, sent, "limit-key-65")


@pytest.mark.requirement("UCC-LIMIT-VALUE-512")
def test_five_hundred_twelve_character_value_is_accepted_and_stored(
    api: Client, target: Target, stored: Completion
) -> None:
    """MUST: "Values are strings with a maximum length of 512 characters." """
    sent = {A: "v" * MAX_VALUE}
    exchange = api.update(stored.id, {"metadata": sent})
    accepted(target, stored, exchange, sent)
    read_back(target, stored, exchange, sent)


@pytest.mark.requirement("UCC-LIMIT-VALUE-513")
def test_five_hundred_thirteen_character_value_is_rejected_and_nothing_stored(
    api: Client, target: Target, stored: Completion
) -> None:
    """MUST: "Values are strings with a maximum length of 512 characters." """
    _refused_and_unchanged(api, target, stored, {A: "v" * (MAX_VALUE + 1)}, "limit-value-513")


@pytest.mark.requirement("UCC-LIMIT-KEY-65")
def test_sixty_five_characters_that_count_fewer_otherwise_are_rejected_as_a_key(
    api: Client, target: Target, stored: Completion
) -> None:
    """MUST: "Keys are strings with a maximum length of 64 characters." 65 characters that are
    fewer as grapheme clusters, composed (NFC), trimmed, or without their invisible ones."""
    sent = {light(MAX_KEY + 1): "sixty-five characters, fewer counted otherwise"}
    _refused_and_unchanged(api, target, stored, sent, "limit-key-65-light")


@pytest.mark.requirement("UCC-LIMIT-VALUE-513")
def test_five_hundred_thirteen_characters_that_count_fewer_otherwise_are_rejected_as_a_value(
    api: Client, target: Target, stored: Completion
) -> None:
    """MUST: "Values are strings with a maximum length of 512 characters." 513 characters that
    are fewer as grapheme clusters, composed (NFC), trimmed, or without their invisible ones."""
    _refused_and_unchanged(api, target, stored, {A: light(MAX_VALUE + 1)}, "limit-value-513-light")


# Text at the limit in characters that is longer in UTF-8 bytes, escaped, or normalized.
AT_THE_LIMIT = {
    "key-2-byte": {KEY_64_LATIN: "two-byte key"},
    "key-every-counting": {KEY_64_HEAVY: "a key longer than 64 under every other counting"},
    "value-2-byte": {A: "é" * MAX_VALUE},
    "value-3-byte": {A: "日" * MAX_VALUE},
    "value-every-counting": {A: heavy(MAX_VALUE)},
}


@pytest.mark.requirement("UCC-LIMIT-CHARACTERS-NOT-BYTES")
@pytest.mark.parametrize("sent", AT_THE_LIMIT.values(), ids=AT_THE_LIMIT.keys())
def test_limits_count_characters_not_bytes_escapes_or_normal_forms(
    api: Client, target: Target, stored: Completion, sent: dict[str, str]
) -> None:
    """MUST: "Keys are strings with a maximum length of 64 characters. Values are strings with a
    maximum length of 512 characters." """
    exchange = api.update(stored.id, {"metadata": sent})
    limit = MAX_KEY if any(len(key) == MAX_KEY for key in sent) else MAX_VALUE
    expect_counted_in_characters(target, stored, exchange, sent, limit)
    accepted(target, stored, exchange, sent)
    read_back(target, stored, exchange, sent)


@pytest.mark.requirement("UCC-LIMIT-AT-MAXIMA")
def test_largest_valid_update_is_accepted_and_stored_exactly(
    api: Client, target: Target, stored: Completion
) -> None:
    """MUST: "Set of 16 key-value pairs that can be attached to an object. This can be useful for
    storing additional information about the object in a structured format, and querying for
    objects via API or the dashboard. Keys are strings with a maximum length of 64 characters.
    Values are strings with a maximum length of 512 characters." All three limits at once, in
    text longer under every other counting."""
    sent = largest_update(target, stored)
    exchange = api.update(stored.id, {"metadata": sent})
    expect_largest_accepted(target, stored, exchange, sent)
    read_back(target, stored, exchange, sent)


@pytest.mark.requirement("UCC-LIMIT-PAIRS-16")
def test_sixteen_pairs_are_accepted_and_stored(
    api: Client, target: Target, stored: Completion
) -> None:
    """MUST: "Set of 16 key-value pairs that can be attached to an object." """
    sent = pairs(MAX_PAIRS, "p16")
    exchange = api.update(stored.id, {"metadata": sent})
    room = lacks_room(target, stored, exchange, sent)
    if room is not None:
        # A target that merges keeps the pairs the suite wrote before: 16 pairs that include
        # them merge into exactly 16.
        sent = sixteen_that_fit(room[1])
        exchange = api.update(stored.id, {"metadata": sent})
    expect_ok(exchange)
    read_back(target, stored, exchange, sent)


@pytest.mark.requirement("UCC-LIMIT-PAIRS-17")
def test_seventeen_pairs_are_rejected_and_nothing_stored(
    api: Client, target: Target, stored: Completion
) -> None:
    """MUST: "Set of 16 key-value pairs that can be attached to an object." """
    _refused_and_unchanged(api, target, stored, pairs(MAX_PAIRS + 1, "p17"), "limit-pairs-17")


def _observed_acceptance(
    target: Target, stored: Completion, exchange: Exchange, sent: dict[str, str], what: str
) -> str:
    if exchange.status == 200:
        return "accepted"
    if lacks_room(target, stored, exchange, sent) is not None:
        pytest.skip(
            "not observed: the target merges updates and the shared completion holds 16 pairs "
            "already"
        )
    return observed_refusal(exchange, what)


@pytest.mark.requirement("UCC-INFO-EMPTY-KEY")
def test_observe_whether_an_empty_key_is_accepted(
    api: Client, target: Target, stored: Completion, observe: Callable[[str], None]
) -> None:
    """INFO: "Keys are strings with a maximum length of 64 characters." """
    sent = {"": "empty key"}
    exchange = api.update(stored.id, {"metadata": sent})
    observe(_observed_acceptance(target, stored, exchange, sent, "an empty key"))


@pytest.mark.requirement("UCC-INFO-ASTRAL-LENGTH")
def test_observe_how_astral_characters_are_counted(
    api: Client, target: Target, stored: Completion, observe: Callable[[str], None]
) -> None:
    """INFO: "Keys are strings with a maximum length of 64 characters." A key of 64 characters
    outside the BMP is 128 UTF-16 code units and 256 UTF-8 bytes."""
    sent = {"\U0001d11e" * MAX_KEY: "astral"}
    exchange = api.update(stored.id, {"metadata": sent})
    if exchange.status == 200:
        observe("one character each (64 astral characters accepted as a key)")
    else:
        seen = _observed_acceptance(target, stored, exchange, sent, "how a key is counted")
        observe(f"counted as more than one (64 astral characters {seen})")
